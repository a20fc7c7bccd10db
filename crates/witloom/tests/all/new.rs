//! `witloom new`: skeletons in each language that build at once, and the
//! refusals that leave everything as it was.

use crate::common::{text, witloom};

use std::path::{Path, PathBuf};
use std::process::Output;

/// WIT with every kind of export: interfaces with every type and a
/// resource (the cross-language suite's `test` world), functions exported
/// by the world itself, an interface written inline in the world (of
/// plain numbers: its Go stubs import nothing), and an interface from a
/// dependency (WASI's `run`).
const EXTRA_WIT: &str = "package witloom:test@0.1.0;

world lone {
  import log: func(msg: string);
  /// Says hello.
  export hello: func(name: string) -> string;
  export longest: func(words: list<string>) -> option<string>;
  export sums: interface {
    add: func(a: u32, b: u32) -> u32;
  }
}

world command {
  import wasi:cli/environment@0.2.12;
  export wasi:cli/run@0.2.12;
}
";

/// An empty app (no components) over that WIT, in a directory of its own.
fn empty_app(name: &str) -> PathBuf {
    let dir = witloom_testkit::target_dir()
        .join("witloom-cli-tests/new")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("wit/deps")).unwrap();
    std::fs::copy(
        "../witloom-guest/tests/runtime/wit/test.wit",
        dir.join("wit/test.wit"),
    )
    .unwrap();
    std::fs::write(dir.join("wit/extra.wit"), EXTRA_WIT).unwrap();
    let wasi = witloom_testkit::wasi_wit_dir().join("deps");
    for entry in std::fs::read_dir(&wasi).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), dir.join("wit/deps").join(entry.file_name()))
            .unwrap();
    }
    std::fs::write(
        dir.join("witloom.toml"),
        format!("# A scratch app.\n[app]\nname = \"{name}\"\n"),
    )
    .unwrap();
    dir.join("witloom.toml")
}

fn new(manifest: &Path, args: &[&str]) -> Output {
    let mut all = vec!["new", "--manifest", manifest.to_str().unwrap()];
    all.extend(args);
    witloom(&all)
}

#[test]
fn skeletons_build_at_once_in_every_language() {
    let manifest = empty_app("skeletons");
    let app = manifest.parent().unwrap();
    let made = [
        ("c", "c-test", "test"),
        ("rust", "rust-test", "test"),
        ("go", "go-test", "test"),
        ("c", "c-lone", "lone"),
        ("go", "go-lone", "lone"),
        ("c", "c-command", "command"),
        ("rust", "rust-command", "witloom:test/command@0.1.0"),
        ("go", "go-command", "command"),
        ("python", "python-test", "test"),
        ("python", "python-lone", "lone"),
        ("python", "python-command", "command"),
        ("js", "js-test", "test"),
        ("js", "js-lone", "lone"),
        ("js", "js-command", "command"),
    ];
    for (lang, name, world) in made {
        let out = new(&manifest, &["--lang", lang, name, "--world", world]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains(&format!("witloom build -c {name}")),
            "{}",
            text(&out.stderr)
        );
    }

    // Added to the manifest, keeping what was there.
    let toml = std::fs::read_to_string(&manifest).unwrap();
    assert!(toml.starts_with("# A scratch app.\n[app]\n"), "{toml}");
    for (lang, name, world) in made {
        let table = format!(
            "[components.{name}]\nlanguage = \"{lang}\"\npath = \"{name}\"\nworld = \"{world}\"\n"
        );
        assert!(toml.contains(&table), "{toml}");
    }

    // The placeholders name the WIT functions they stand for.
    let c = std::fs::read_to_string(app.join("c-lone/c_lone.c")).unwrap();
    assert!(
        c.contains("// TODO: implement `witloom:test/lone@0.1.0#hello`."),
        "{c}"
    );
    assert!(
        c.contains("// TODO: implement `witloom:test/lone@0.1.0#sums#add`."),
        "{c}"
    );
    assert!(app.join("go-lone/export_sums/sums.go").is_file());
    let c = std::fs::read_to_string(app.join("c-test/c_test.c")).unwrap();
    assert!(
        c.contains("struct exports_witloom_test_counters_counter_t {"),
        "the resource's representation is the user's: {c}"
    );
    let rust = std::fs::read_to_string(app.join("rust-command/src/lib.rs")).unwrap();
    assert!(rust.contains("path: \"../wit\""), "{rust}");
    assert!(
        rust.contains("impl exports::wasi::cli::run::Guest for Component"),
        "{rust}"
    );
    let rust = std::fs::read_to_string(app.join("rust-test/src/lib.rs")).unwrap();
    assert!(
        rust.contains("impl exports::witloom::test::counters::GuestCounter for Counter"),
        "{rust}"
    );
    assert!(app.join("go-test/export_witloom_test_counters").is_dir());
    let python = std::fs::read_to_string(app.join("python-lone/app.py")).unwrap();
    assert!(
        python.contains("class WitWorld(wit_world.WitWorld):\n    def hello(self, name):\n        raise NotImplementedError(\"`hello` is not implemented yet\")"),
        "{python}"
    );
    assert!(
        python.contains("class Sums:\n    def add(self, a, b):"),
        "{python}"
    );
    let js = std::fs::read_to_string(app.join("js-lone/app.js")).unwrap();
    assert!(
        js.contains(
            "export function hello(name) {\n  throw new Error(\"`hello` is not implemented yet\");"
        ),
        "{js}"
    );
    assert!(js.contains("export const sums = {\n  add(a, b) {"), "{js}");
    let python = std::fs::read_to_string(app.join("python-test/counters.py")).unwrap();
    assert!(
        python.contains("class Counter(counters.Counter):"),
        "the resource's class, in the module componentize-py looks in: {python}"
    );

    // Every one builds as it is, and declares its world.
    let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for (_, name, _) in made {
        let wasm = app.join("target/witloom").join(format!("{name}.wasm"));
        let bytes = std::fs::read(&wasm).unwrap();
        assert!(wasmparser::Parser::is_component(&bytes), "{name}");
    }
}

#[test]
fn refusals_write_nothing() {
    let manifest = empty_app("refusals");
    let app = manifest.parent().unwrap();
    let out = new(&manifest, &["--lang", "c", "kernel", "--world", "lone"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let before = std::fs::read_to_string(&manifest).unwrap();

    let cases: [(&[&str], &str); 6] = [
        (
            &["--lang", "c", "refusals", "--world", "lone"],
            "component `refusals` would have the app's name",
        ),
        (
            &["--lang", "go", "kernel", "--world", "lone"],
            "already has a component named `kernel`",
        ),
        (
            &["--lang", "rust", "Kernel2", "--world", "lone"],
            "bad component name `Kernel2`: `K` is not a lowercase letter",
        ),
        (
            &["--lang", "rust", "wit", "--world", "lone"],
            "already exists; nothing was written",
        ),
        (
            &["--lang", "go", "other", "--world", "loner"],
            "did you mean `lone`?",
        ),
        (
            &["--lang", "go", "other", "--world", "nope:nope/lone"],
            "nope",
        ),
    ];
    for (args, expected) in cases {
        let out = new(&manifest, args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), before);
    assert!(!app.join("other").exists());
    assert!(!app.join("Kernel2").exists());
    assert!(!app.join("refusals").exists());

    let out = witloom(&["new", "--lang", "cobol", "x", "--world", "lone"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("[possible values: c, rust, go, python, js]"));

    let out = witloom(&[
        "new",
        "--manifest",
        "no/such/witloom.toml",
        "--lang",
        "c",
        "x",
        "--world",
        "w",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read `no/such/witloom.toml`"));
}
