//! `witloom init`: for each template and language, an app made from
//! nothing builds, composes, and runs (a command) or serves (a handler),
//! with no file written by hand and no network; and the refusals that
//! leave the directory as it was.

use crate::common::served::{Served, client, get};
use crate::common::{text, witloom};

use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    crate::common::scratch(&format!("init/{name}"))
}

#[test]
fn every_template_in_every_language_builds_and_runs_at_once() {
    for template in ["command", "http"] {
        for lang in ["c", "rust", "go", "python", "js"] {
            let parent = scratch(&format!("{template}-{lang}"));
            let name = format!("my-{lang}-app");
            let app = parent.join(&name);
            let out = witloom(&[
                "init",
                app.to_str().unwrap(),
                "--template",
                template,
                "--lang",
                lang,
            ]);
            let said = text(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{template} {lang}: {said}");
            assert!(said.contains("witloom build"), "{said}");

            // The WIT and its WASI resolve as written, with nothing fetched.
            let checked = witloom(&["wit", "check", app.join("wit").to_str().unwrap()]);
            assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
            let manifest = app.join("witloom.toml");
            let manifest = manifest.to_str().unwrap();
            let built = witloom(&["build", "--manifest", manifest]);
            assert_eq!(built.status.code(), Some(0), "{}", text(&built.stderr));
            let composed = witloom(&["compose", "--manifest", manifest]);
            assert_eq!(
                composed.status.code(),
                Some(0),
                "{}",
                text(&composed.stderr)
            );
            let composed = app.join(format!("target/witloom/{name}.wasm"));

            if template == "command" {
                assert!(
                    said.contains("witloom run target/witloom/main.wasm"),
                    "{said}"
                );
                for wasm in [app.join("target/witloom/main.wasm"), composed] {
                    let ran = witloom(&["run", wasm.to_str().unwrap()]);
                    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran.stderr));
                    assert_eq!(text(&ran.stdout), "hello from main\n");
                }
            } else {
                assert!(
                    said.contains("witloom serve target/witloom/handler.wasm"),
                    "{said}"
                );
                for wasm in [app.join("target/witloom/handler.wasm"), composed] {
                    let server = Served::start(&wasm, &[], &format!("init-{lang}"));
                    let (status, answer) = get(&client(), &server.url("/"));
                    assert_eq!(
                        (status, text(&answer)),
                        (200, "hello from handler\n".into())
                    );
                }
            }
        }
    }
}

/// `--wasi 0.3 --template http`: a handler whose `handle` is an `async
/// func`, in each language that builds one; it builds and serves at once.
#[test]
fn a_wasi_0_3_handler_builds_and_serves_at_once() {
    for lang in ["c", "rust", "python"] {
        let app = scratch(&format!("p3-http-{lang}")).join("p3-web");
        let out = witloom(&[
            "init",
            app.to_str().unwrap(),
            "--wasi",
            "0.3",
            "--template",
            "http",
            "--lang",
            lang,
        ]);
        let said = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{lang}: {said}");
        assert!(
            said.contains("witloom serve target/witloom/handler.wasm"),
            "{said}"
        );
        let wit = std::fs::read_to_string(app.join("wit/p3-web.wit")).unwrap();
        assert!(wit.contains("include wasi:http/service@0.3.0;"), "{wit}");
        let manifest = app.join("witloom.toml");
        let built = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
        assert_eq!(
            built.status.code(),
            Some(0),
            "{lang}: {}",
            text(&built.stderr)
        );
        let server = Served::start(
            &app.join("target/witloom/handler.wasm"),
            &[],
            &format!("init-p3-{lang}"),
        );
        let agent = client();
        for path in ["/", "/anything"] {
            let (status, answer) = get(&agent, &server.url(path));
            assert_eq!(
                (status, text(&answer).as_str()),
                (200, "hello from handler\n"),
                "{lang}"
            );
        }
    }
}

/// `--wasi 0.3`: a command whose `run` is an `async func`, in each
/// language that builds one, with only WASI 0.3 in its `deps/`; it builds,
/// composes and runs at once, as the 0.2 ones do.
#[test]
fn a_wasi_0_3_command_builds_and_runs_at_once() {
    for lang in ["c", "rust", "python"] {
        let app = scratch(&format!("p3-{lang}")).join("p3-app");
        let out = witloom(&[
            "init",
            app.to_str().unwrap(),
            "--wasi",
            "0.3",
            "--lang",
            lang,
        ]);
        assert_eq!(out.status.code(), Some(0), "{lang}: {}", text(&out.stderr));
        let wit = std::fs::read_to_string(app.join("wit/p3-app.wit")).unwrap();
        assert!(wit.contains("export wasi:cli/run@0.3.0;"), "{wit}");
        let deps = witloom_testkit::dir_entries(&app.join("wit/deps"));
        assert!(deps.iter().all(|d| d.contains("@0.3.0")), "{deps:?}");
        let manifest = app.join("witloom.toml");
        let manifest = manifest.to_str().unwrap();
        for verb in ["build", "compose"] {
            let done = witloom(&[verb, "--manifest", manifest]);
            assert_eq!(
                done.status.code(),
                Some(0),
                "{lang} {verb}: {}",
                text(&done.stderr)
            );
        }
        for wasm in ["main", "p3-app"] {
            let wasm = app.join(format!("target/witloom/{wasm}.wasm"));
            let ran = witloom(&["run", wasm.to_str().unwrap()]);
            assert_eq!(ran.status.code(), Some(0), "{lang}: {}", text(&ran.stderr));
            assert_eq!(text(&ran.stdout), "hello from main\n");
        }
    }
}

#[test]
fn init_dot_takes_an_empty_directory_and_its_name() {
    let parent = scratch("dot");
    let app = parent.join("dotted");
    std::fs::create_dir_all(app.join(".git")).unwrap();
    std::fs::write(app.join(".gitignore"), "mine\n").unwrap();
    let out = crate::common::command()
        .args(["init", ".", "--lang", "c"])
        .current_dir(&app)
        .output()
        .unwrap();
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(!said.contains("cd "), "no directory to change to: {said}");
    let manifest = std::fs::read_to_string(app.join("witloom.toml")).unwrap();
    assert!(manifest.contains("name = \"dotted\""), "{manifest}");
    assert_eq!(
        std::fs::read_to_string(app.join(".gitignore")).unwrap(),
        "mine\n",
        "a file that was there is left alone"
    );
    assert!(app.join("wit/dotted.wit").is_file());
}

#[test]
fn refusals_write_nothing() {
    let parent = scratch("refusals");
    let taken = parent.join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let not_dir = parent.join("file");
    std::fs::write(&not_dir, "x").unwrap();
    let before = witloom_testkit::dir_entries(&parent);
    let path = |name: &str| parent.join(name).to_str().unwrap().to_string();
    let (bad, ok_dir, x) = (path("Bad_Name"), path("ok-dir"), path("x"));

    let own = path("own");
    let cases: [(&[&str], &str); 10] = [
        (
            &["init", &own, "--lang", "c"],
            "the app name `own` cannot name its WIT package and world",
        ),
        (
            &["init", taken.to_str().unwrap(), "--lang", "c"],
            "already exists and is not empty (it holds `notes.txt`); nothing was written",
        ),
        (
            &["init", not_dir.to_str().unwrap(), "--lang", "c"],
            "exists and is not a directory; nothing was written",
        ),
        (
            &["init", &bad, "--lang", "go"],
            "bad app name `Bad_Name`: `B` is not a lowercase letter",
        ),
        (
            &["init", &ok_dir, "--name", "9lives", "--lang", "rust"],
            "bad app name `9lives`",
        ),
        (
            &["init", &x, "--lang", "rust", "--template", "daemon"],
            "[possible values: command, http]",
        ),
        (
            &["init", &x, "--lang", "go", "--wasi", "0.3"],
            "a WASI 0.3 app cannot have its component in Go here",
        ),
        (
            &[
                "init",
                &x,
                "--lang",
                "go",
                "--wasi",
                "0.3",
                "--template",
                "http",
            ],
            "a WASI 0.3 app cannot have its component in Go here",
        ),
        (
            &["init", &x, "--lang", "js", "--wasi", "0.3"],
            "witloom has no WASI 0.3 template in JavaScript: nothing was written",
        ),
        (
            &["init", &x, "--lang", "c", "--wasi", "0.4"],
            "[possible values: 0.2, 0.3]",
        ),
    ];
    for (args, expected) in cases {
        let out = witloom(args);
        let err = text(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(witloom_testkit::dir_entries(&parent), before);
    assert_eq!(witloom_testkit::dir_entries(&taken), ["notes.txt"]);

    // `new/..` is the directory it names, which is not empty: refused,
    // and nothing of it touched.
    let out = crate::common::command()
        .args(["init", "not-yet/..", "--lang", "c", "--name", "x"])
        .current_dir(&taken)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("already exists and is not empty"), "{err}");
    assert_eq!(witloom_testkit::dir_entries(&taken), ["notes.txt"]);

    // An app named like its component's role still gets distinct files.
    let app = parent.join("main");
    let out = witloom(&["init", app.to_str().unwrap(), "--lang", "c"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(app.join("witloom.toml")).unwrap();
    assert!(manifest.contains("[components.main-main]"), "{manifest}");
}

#[test]
fn an_app_of_one_component_named_like_it_builds_composes_and_runs() {
    let app = scratch("solo").join("solo");
    let out = witloom(&["init", app.to_str().unwrap(), "--lang", "c"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = app.join("witloom.toml");
    let toml = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        toml.replace("[components.main]", "[components.solo]"),
    )
    .unwrap();
    let manifest = manifest.to_str().unwrap();
    let wasm = app.join("target/witloom/solo.wasm");
    let mut first = None;
    // Twice: the second build finds the component up to date, and the
    // second compose leaves it as it was (not wrapped into itself).
    for round in 0..2 {
        for verb in ["build", "compose"] {
            let done = witloom(&[verb, "--manifest", manifest]);
            assert_eq!(
                done.status.code(),
                Some(0),
                "{verb} #{round}: {}",
                text(&done.stderr)
            );
        }
        let bytes = std::fs::read(&wasm).unwrap();
        assert_eq!(*first.get_or_insert_with(|| bytes.clone()), bytes);
        let ran = witloom(&["run", wasm.to_str().unwrap()]);
        assert_eq!(ran.status.code(), Some(0), "{}", text(&ran.stderr));
        assert_eq!(text(&ran.stdout), "hello from main\n");
    }
}
