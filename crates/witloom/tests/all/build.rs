//! `witloom build` and `witloom doctor`, run as a user would.

use crate::common::{text, witloom};

use std::path::Path;
use std::process::Command;

const SMOKE: &str = "../witloom-guest/tests/smoke/witloom.toml";

#[test]
fn build_noop_rebuild_and_selection() {
    let out = witloom(&["build", "--release", "--manifest", SMOKE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for name in ["c-hello", "rust-hello", "go-hello"] {
        let wasm =
            Path::new("../witloom-guest/tests/smoke/target/witloom").join(format!("{name}.wasm"));
        let bytes = std::fs::read(&wasm).unwrap();
        assert!(wasmparser::Parser::is_component(&bytes), "{name}");
    }
    // Nothing changed: nothing is rebuilt.
    let out = witloom(&["build", "--release", "--manifest", SMOKE]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert_eq!(err.matches("up to date").count(), 3, "{err}");

    // One component only. (In the same test: builds of one app share its
    // target directory and must not run at once.)
    let out = witloom(&["build", "--manifest", SMOKE, "-c", "c-hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("c-hello (c)"));
    assert!(!text(&out.stderr).contains("rust-hello"));

    let out = witloom(&["build", "--manifest", SMOKE, "-c", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no component named `nope`"));
}

#[test]
fn build_without_a_manifest() {
    let out = witloom(&["build", "--manifest", "no/such/witloom.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read `no/such/witloom.toml`"));
}

#[test]
fn doctor_tells_the_truth_without_go() {
    // A PATH with the system's tools but none of the user's: no cargo (it
    // lives under ~/.cargo/bin), and no Go (under /usr/local/go/bin).
    let out = crate::common::command()
        .arg("doctor")
        .env("PATH", "/usr/bin:/bin")
        .env_remove("CARGO")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("go     missing"), "{stdout}");
    assert!(stdout.contains("Go is not installed"), "{stdout}");
    assert!(
        stdout.contains("install: install Go 1.25 or newer"),
        "{stdout}"
    );
}

#[test]
fn doctor_reports_every_language() {
    let out = witloom(&["doctor"]);
    let stdout = text(&out.stdout);
    for lang in ["c", "rust", "go", "python"] {
        let line = format!("{lang:<6} ");
        assert!(stdout.lines().any(|l| l.starts_with(&line)), "{stdout}");
    }
}

/// A scratch app with the smoke WIT and one C component whose source is
/// `c_source`, built with the given world.
fn scratch_app(name: &str, world: &str, c_source: &str) -> std::path::PathBuf {
    let dir = witloom_testkit::target_dir()
        .join("witloom-cli-tests/apps")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::create_dir_all(dir.join("kernel")).unwrap();
    std::fs::copy(
        "../witloom-guest/tests/smoke/wit/hello.wit",
        dir.join("wit/hello.wit"),
    )
    .unwrap();
    std::fs::write(dir.join("kernel/kernel.c"), c_source).unwrap();
    std::fs::write(
        dir.join("witloom.toml"),
        format!("[app]\nname = \"{name}\"\n\n[components.kernel]\nlanguage = \"c\"\npath = \"kernel\"\nworld = \"{world}\"\n"),
    )
    .unwrap();
    dir.join("witloom.toml")
}

const GOOD_C: &str = "#include \"hello.h\"\nvoid exports_smoke_hello_greeter_greet(hello_string_t *name, hello_string_t *ret) { *ret = *name; }\n";

#[test]
fn unknown_world_names_the_component_and_the_worlds() {
    let manifest = scratch_app("unknown-world", "helo", GOOD_C);
    let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("component `kernel`"), "{err}");
    assert!(err.contains("no world named `helo`"), "{err}");
    assert!(err.contains("did you mean `hello`?"), "{err}");
}

#[test]
fn compile_error_shows_the_component_and_the_compiler_message() {
    let manifest = scratch_app(
        "compile-error",
        "hello",
        "#include \"hello.h\"\nint oops( {\n",
    );
    let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("`kernel` (c) failed to compile"), "{err}");
    assert!(err.contains("kernel.c:2:"), "clang's own message: {err}");
}

#[test]
fn unimplemented_world_names_the_missing_function() {
    let manifest = scratch_app("unimplemented", "hello", "#include \"hello.h\"\n");
    let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("`kernel`"), "{err}");
    assert!(
        err.contains("exports_smoke_hello_greeter_greet"),
        "the missing function: {err}"
    );
}

#[test]
fn missing_toolchain_says_how_to_install_it() {
    let out = crate::common::command()
        .args(["build", "--manifest", SMOKE, "-c", "go-hello"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot build `go-hello` (go): Go is not installed"),
        "{err}"
    );
    assert!(
        err.contains("install it with: install Go 1.25 or newer"),
        "{err}"
    );
}

/// Builds `manifest` under a deadline: a walk that loops or reads without
/// end fails the test instead of hanging it.
fn build_within(manifest: &Path, secs: u64) -> std::process::Output {
    crate::common::witloom_within(&["build", "--manifest", manifest.to_str().unwrap()], secs)
}

#[test]
fn source_walks_end_and_refuse_what_they_cannot_read() {
    use std::os::unix::fs::symlink;
    // Links back to the sources are walked once: the build works, and the
    // C file is compiled once, not once per path that reaches it.
    let manifest = scratch_app("walk-loops", "hello", GOOD_C);
    let kernel = manifest.parent().unwrap().join("kernel");
    symlink(".", kernel.join("again")).unwrap();
    std::fs::create_dir(kernel.join("sub")).unwrap();
    symlink("../", kernel.join("sub/back")).unwrap();
    let out = build_within(&manifest, 120);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A component's `wit` may name one file: it is fingerprinted as such.
    let manifest = scratch_app("walk-wit-file", "hello", GOOD_C);
    let toml = std::fs::read_to_string(&manifest).unwrap().replace(
        "path = \"kernel\"",
        "path = \"kernel\"\nwit = \"wit/hello.wit\"",
    );
    std::fs::write(&manifest, toml).unwrap();
    let out = build_within(&manifest, 120);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A FIFO, a link to /dev/zero, a link out of the sources, a dangling
    // link: each refused by name, quickly.
    for (name, make, says) in [
        (
            "walk-fifo",
            "fifo",
            "is a FIFO (named pipe), not a source file",
        ),
        ("walk-zero", "zero", "is a device, not a source file"),
        ("walk-out", "out", "outside the component's sources"),
        ("walk-dangling", "dangling", "which does not exist"),
    ] {
        let manifest = scratch_app(name, "hello", GOOD_C);
        let kernel = manifest.parent().unwrap().join("kernel");
        match make {
            "fifo" => {
                let made = Command::new("mkfifo")
                    .arg(kernel.join("pipe.c"))
                    .status()
                    .unwrap();
                assert!(made.success());
            }
            "zero" => symlink("/dev/zero", kernel.join("zero.h")).unwrap(),
            "out" => symlink("/usr/include", kernel.join("include")).unwrap(),
            _ => symlink("nowhere", kernel.join("gone.c")).unwrap(),
        }
        let out = build_within(&manifest, 30);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
        assert!(
            err.contains("`kernel`"),
            "{name} names the component: {err}"
        );
    }

    // `path = "/"` stops at the first thing it cannot take, or at the
    // bound, instead of hashing the disk.
    let manifest = scratch_app("walk-root", "hello", GOOD_C);
    let toml = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("path = \"kernel\"", "path = \"/\"");
    std::fs::write(&manifest, toml).unwrap();
    let out = build_within(&manifest, 60);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        [
            "is a device",
            "is a FIFO",
            "is a socket",
            "more than 100000 files"
        ]
        .iter()
        .any(|s| err.contains(s)),
        "{err}"
    );
}

/// A world with component-model async, built for Go, is refused by name
/// (what in the world is async, what Go lacks, what to do) before any
/// toolchain runs; `doctor` says the same of Go.
#[test]
fn an_async_world_for_go_is_refused_by_name() {
    let dir = witloom_testkit::target_dir().join("witloom-cli-tests/apps/go-async");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::create_dir_all(dir.join("api")).unwrap();
    std::fs::write(
        dir.join("wit/fetch.wit"),
        "package demo:fetch@0.1.0;\n\ninterface api {\n    fetch: async func(url: string) -> list<u8>;\n}\n\nworld fetch {\n    export api;\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("api/api.go"), "package export_demo_fetch_api\n").unwrap();
    std::fs::write(
        dir.join("witloom.toml"),
        "[app]\nname = \"fetch\"\n\n[components.api]\nlanguage = \"go\"\npath = \"api\"\nworld = \"fetch\"\n",
    )
    .unwrap();
    let out = witloom(&[
        "build",
        "--manifest",
        dir.join("witloom.toml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("`api` (go): world `fetch` uses component-model async (async func `fetch` (`demo:fetch/api@0.1.0#fetch`))"),
        "{err}"
    );
    assert!(err.contains("go1.25.5-wasi-on-idle"), "{err}");
    assert!(err.contains("write this component in Rust or C"), "{err}");
    assert!(!dir.join("target/witloom/api.wasm").exists());

    let doctor = text(&witloom(&["doctor"]).stdout);
    if doctor.lines().any(|l| l.starts_with("go    ready")) {
        assert!(
            doctor.contains("async worlds: wit-bindgen-go 0.63"),
            "{doctor}"
        );
    }
}

/// Changes a source of component `main` so that the next build rebuilds it.
fn touch_source(app: &Path, file: &str, round: usize) {
    let path = app.join("main").join(file);
    let mut source = std::fs::read_to_string(&path).unwrap();
    source.push_str(&format!("\n// edit {round}\n"));
    std::fs::write(&path, source).unwrap();
}

#[test]
fn progress_is_live_on_a_terminal_and_plain_lines_elsewhere() {
    let app = crate::common::scratch("progress").join("progress");
    let out = witloom(&["init", app.to_str().unwrap(), "--lang", "rust"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = app.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();

    // Into a pipe: a line per finished step and a summary, no escapes.
    touch_source(&app, "src/lib.rs", 0);
    let out = witloom(&["build", "--manifest", manifest]);
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    for line in [
        "bindings main (rust) in ",
        "compiled main (rust) in ",
        "componentized main (rust) in ",
        "ok main (rust) -> ",
        "finished 1 component (1 rebuilt) in ",
    ] {
        assert!(said.contains(line), "{line:?} in {said}");
    }
    assert!(!said.contains('\u{1b}') && !said.contains('\r'), "{said:?}");

    // --quiet: nothing at all when all goes well.
    touch_source(&app, "src/lib.rs", 1);
    let out = witloom(&["build", "--quiet", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");

    // --verbose: cargo's own lines too.
    touch_source(&app, "src/lib.rs", 2);
    let out = witloom(&["build", "--verbose", "--manifest", manifest]);
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("Compiling main"), "{said}");

    // On a terminal (`script` gives witloom one): the live line, redrawn
    // in place, names the component, its language and its step; the
    // finished line stays.
    touch_source(&app, "src/lib.rs", 3);
    let witloom_bin = env!("CARGO_BIN_EXE_witloom");
    let out = Command::new("script")
        .args([
            "-qfec",
            &format!("{witloom_bin} build --manifest {manifest}"),
            "/dev/null",
        ])
        .envs(
            crate::common::command()
                .get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .output()
        .expect("`script` (util-linux) runs");
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("\u{1b}[2K"), "the line is redrawn: {said:?}");
    assert!(said.contains("main (rust) compiling"), "{said:?}");
    assert!(said.contains("ok main (rust) -> "), "{said:?}");
}
