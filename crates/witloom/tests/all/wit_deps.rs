//! `witloom wit deps`: WASI packages from the WIT witloom carries, with no
//! network: at the runtime's versions (WASI 0.2 and 0.3.0, side by side),
//! derived for an older one on its track (and a component built against
//! that runs), refused otherwise with the versions there are, writing
//! nothing.

use crate::common::{text, witloom};

use std::path::{Path, PathBuf};

fn wit_dir(name: &str, wit: &str) -> PathBuf {
    let dir = crate::common::scratch(&format!("wit-deps/{name}"));
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::write(dir.join("wit/app.wit"), wit).unwrap();
    dir.join("wit")
}

fn deps(dir: &Path) -> std::process::Output {
    witloom(&["wit", "deps", dir.to_str().unwrap()])
}

#[test]
fn the_packages_a_world_names_are_written_and_then_it_checks() {
    let dir = wit_dir(
        "named",
        "package local:app;\n\
         world app {\n\
         \x20   import wasi:filesystem/types@0.2.12;\n\
         \x20   import wasi:http/outgoing-handler@0.2.12;\n\
         \x20   export wasi:cli/run@0.2.12;\n\
         }\n",
    );
    let before = witloom(&["wit", "check", dir.to_str().unwrap()]);
    assert_eq!(before.status.code(), Some(1));
    assert!(
        text(&before.stderr).contains("run `witloom wit deps`"),
        "{}",
        text(&before.stderr)
    );

    let out = deps(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let files = witloom_testkit::dir_entries(&dir.join("deps"));
    for want in [
        "cli.wit",
        "filesystem.wit",
        "http.wit",
        "io.wit",
        "clocks.wit",
    ] {
        assert!(files.contains(&want.to_string()), "{files:?}");
    }
    // What wasmtime's own WIT says, byte for byte.
    let carried = witloom_host::carried().package("wasi:http").unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("deps/http.wit")).unwrap(),
        carried.source
    );
    let after = witloom(&["wit", "check", dir.to_str().unwrap()]);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));

    // A second run has nothing to do.
    let again = deps(&dir);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stderr).contains("0 package(s) written"),
        "{}",
        text(&again.stderr)
    );
}

/// WASI 0.3.0 comes from the runtime's own WIT (wasmtime's `p3`), byte for
/// byte, beside 0.2's files, and a world may name both.
#[test]
fn wasi_0_3_is_written_beside_0_2_and_a_world_may_use_both() {
    let dir = wit_dir(
        "p3",
        "package local:app;\n\
         world app {\n\
         \x20   import wasi:filesystem/types@0.3.0;\n\
         \x20   import wasi:random/random@0.2.12;\n\
         \x20   export wasi:cli/run@0.3.0;\n\
         }\n",
    );
    let out = deps(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let files = witloom_testkit::dir_entries(&dir.join("deps"));
    for want in [
        "cli@0.3.0.wit",
        "filesystem@0.3.0.wit",
        "clocks@0.3.0.wit",
        "random.wit",
    ] {
        assert!(files.contains(&want.to_string()), "{files:?}");
    }
    let carried = witloom_host::carried();
    let cli = carried
        .versions("wasi:cli")
        .find(|p| {
            p.version
                .as_ref()
                .is_some_and(|v| v.major == 0 && v.minor == 3)
        })
        .expect("witloom carries WASI 0.3's wasi:cli");
    assert!(
        cli.run,
        "run links 0.3's wasi:cli (and serve links all WASI)"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("deps/cli@0.3.0.wit")).unwrap(),
        cli.source
    );
    // The 0.3 world is async: `run` is an `async func`.
    let ir = witloom(&["wit", "ir", dir.to_str().unwrap()]);
    assert_eq!(ir.status.code(), Some(0), "{}", text(&ir.stderr));
    let check = witloom(&["wit", "check", dir.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

#[test]
fn an_older_version_on_the_track_is_derived_and_its_component_runs() {
    let dir = wit_dir(
        "older",
        "package local:old;\nworld old {\n    export wasi:cli/run@0.2.6;\n}\n",
    );
    let out = deps(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cli = std::fs::read_to_string(dir.join("deps/cli@0.2.6.wit")).unwrap();
    assert!(cli.starts_with("package wasi:cli@0.2.6;"), "{cli}");
    assert!(cli.contains("use wasi:io/streams@0.2.6."), "{cli}");
    // `exit-with-code` is 0.2.12's: 0.2.6 has no such function.
    let checked = witloom(&["wit", "ir", dir.to_str().unwrap()]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    let ir = text(&checked.stdout);
    assert!(ir.contains("\"exit\""), "the 0.2.0 function is there");
    assert!(!ir.contains("exit-with-code"), "the 0.2.12 one is not");

    // A C command built against 0.2.6 runs on the 0.2.12 runtime.
    let app = dir.parent().unwrap();
    std::fs::write(app.join("witloom.toml"), "[app]\nname = \"old\"\n").unwrap();
    let manifest = app.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();
    let out = witloom(&[
        "new",
        "cmd",
        "--lang",
        "c",
        "--world",
        "old",
        "--manifest",
        manifest,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = witloom(&["build", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = witloom(&["run", app.join("target/witloom/cmd.wasm").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hello from cmd\n");
}

#[test]
fn versions_the_runtime_lacks_are_refused_and_nothing_is_written() {
    let available = witloom_host::carried()
        .package("wasi:cli")
        .unwrap()
        .qualified();
    let cases = [
        (
            "newer-patch-0.3",
            "wasi:cli/run@0.3.1",
            "cannot serve `wasi:cli@0.3.1`",
        ),
        (
            "newer-track",
            "wasi:cli/run@0.4.0",
            "cannot serve `wasi:cli@0.4.0`",
        ),
        (
            "newer-patch",
            "wasi:cli/run@0.2.99",
            "cannot serve `wasi:cli@0.2.99`",
        ),
        (
            "unversioned",
            "wasi:cli/run",
            "`wasi:cli` is named without a version",
        ),
        (
            "not-wasi-runtime",
            "wasi:keyvalue/store@0.2.0",
            "`wasi:keyvalue` is not a WASI package the runtime implements",
        ),
    ];
    for (name, import, expected) in cases {
        let dir = wit_dir(
            name,
            &format!(
                "package local:x;\nworld x {{\n    import wasi:io/poll@0.2.12;\n    export {import};\n}}\n"
            ),
        );
        let out = deps(&dir);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("app.wit:4:12"), "located: {err}");
        assert!(
            err.contains(&available) || name == "not-wasi-runtime",
            "{err}"
        );
        assert!(!dir.join("deps").exists(), "{name}: nothing written");
    }
}

#[test]
fn the_manifest_s_wit_directories_are_filled() {
    let root = crate::common::scratch("wit-deps/manifest");
    std::fs::create_dir_all(root.join("wit")).unwrap();
    std::fs::create_dir_all(root.join("own-wit")).unwrap();
    std::fs::write(
        root.join("wit/app.wit"),
        "package local:app;\nworld app {\n    export wasi:cli/run@0.2.12;\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("own-wit/own.wit"),
        "package local:web;\nworld web {\n    export wasi:http/incoming-handler@0.2.12;\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("witloom.toml"),
        "[app]\nname = \"two\"\n\n[components.web]\nlanguage = \"c\"\npath = \"web\"\nworld = \"web\"\nwit = \"own-wit\"\n",
    )
    .unwrap();
    // Before: the build names the missing package and the command to run.
    let manifest = root.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();
    let out = witloom(&["compose", "--check", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("run `witloom wit deps`"),
        "{}",
        text(&out.stderr)
    );

    let out = witloom(&["wit", "deps", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(root.join("wit/deps/cli.wit").is_file());
    assert!(root.join("own-wit/deps/http.wit").is_file());
    assert!(
        !root.join("wit/deps/http.wit").exists(),
        "only what is named"
    );
    for dir in ["wit", "own-wit"] {
        let out = witloom(&["wit", "check", root.join(dir).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

#[test]
fn the_version_names_the_runtime_and_its_wasi() {
    let out = witloom(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let said = text(&out.stdout);
    assert!(said.contains("runtime: wasmtime 48."), "{said}");
    for p in witloom_host::carried().wasi() {
        assert!(said.contains(&p.qualified()), "{said}");
    }
    let out = witloom(&["-V"]);
    let said = text(&out.stdout);
    let cli = witloom_host::carried().package("wasi:cli").unwrap();
    assert!(
        said.contains(&format!("WASI {}", cli.version.as_ref().unwrap())),
        "{said}"
    );
}

#[test]
fn a_file_holding_another_version_is_left_alone() {
    // `deps/io.wit` holds wasi:io 0.2.5 (as an older witloom would have
    // written it); the WIT now names 0.2.12.
    let older = wit_dir(
        "other-version-src",
        "package local:x;\nworld x {\n    import wasi:io/poll@0.2.5;\n}\n",
    );
    assert_eq!(deps(&older).status.code(), Some(0));
    let io_025 = std::fs::read_to_string(older.join("deps/io@0.2.5.wit")).unwrap();
    let dir = wit_dir(
        "other-version",
        "package local:x;\nworld x {\n    import wasi:io/poll@0.2.12;\n}\n",
    );
    std::fs::create_dir_all(dir.join("deps")).unwrap();
    std::fs::write(dir.join("deps/io.wit"), &io_025).unwrap();
    let out = deps(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("deps/io.wit")).unwrap(),
        io_025
    );
    assert!(dir.join("deps/wasi-io@0.2.12.wit").is_file());
    let out = witloom(&["wit", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
