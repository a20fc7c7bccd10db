//! `bench build`: cold guest builds per language and no-op rebuilds, and
//! Python and JavaScript components built by witloom beside their
//! toolchains run by hand.

use super::median;
use anyhow::{Result, bail};
use std::time::{Duration, Instant};

/// Guest builds with the release `witloom` binary, on the cross-language
/// suite's guests: a cold build per language (witloom's work directory and
/// Go's build cache empty; cargo's registry warm), then a no-op rebuild of
/// all three (target: under 1 s), and the component sizes. `--quick`
/// builds the C guest only (Rust's and Go's cold builds take minutes, and
/// every new witloom rebuilds them): cold, then the no-op.
pub fn run(plan: super::Plan) -> Result<()> {
    crate::run(crate::cargo().args(["build", "--quiet", "--release", "-p", "witloom"]))?;
    let root = crate::root();
    let witloom = crate::target_dir().join("release/witloom");
    let suite = root.join("crates/witloom-guest/tests/runtime");
    let app = crate::target_dir().join("bench-build");
    let _ = std::fs::remove_dir_all(&app);
    witloom_diag::io::create_dir_all(&app)?;
    let mut manifest = format!(
        "[app]\nname = \"bench\"\nwit = {:?}\n",
        suite.join("wit").display().to_string()
    );
    let languages = plan.pick(&["c", "rust", "go"][..], &["c"]);
    for lang in languages {
        manifest.push_str(&format!(
            "\n[components.{lang}]\nlanguage = \"{lang}\"\npath = {:?}\nworld = \"test\"\n",
            suite.join(lang).display().to_string()
        ));
    }
    let manifest_path = app.join("witloom.toml");
    witloom_diag::io::write(&manifest_path, manifest)?;
    let gocache = app.join("gocache");

    let time = |args: &[&str]| -> Result<Duration> {
        let t = Instant::now();
        let out = std::process::Command::new(&witloom)
            .arg("build")
            .arg("--manifest")
            .arg(&manifest_path)
            .args(args)
            .env("GOCACHE", &gocache)
            .output()?;
        if !out.status.success() {
            bail!(
                "witloom build {args:?} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(t.elapsed())
    };
    println!("bench build: the cross-language suite's guests (test.wit, 39 functions)");
    let mut sizes = Vec::new();
    let profiles = plan.pick(
        &[("debug", None), ("release", Some("--release"))][..],
        &[("release", Some("--release"))],
    );
    for &(profile, flag) in profiles {
        for &lang in languages {
            let _ = std::fs::remove_dir_all(app.join("target"));
            let _ = std::fs::remove_dir_all(&gocache);
            let mut args = vec!["-c", lang];
            args.extend(flag);
            let cold = time(&args)?;
            let size =
                witloom_diag::io::metadata(&app.join(format!("target/witloom/{lang}.wasm")))?.len();
            println!(
                "  cold {profile:<7} {lang:<4} {:>8.2} s   {:>9} bytes",
                cold.as_secs_f64(),
                size
            );
            sizes.push((profile, lang, size));
        }
    }
    // All three built (release), then nothing changed.
    time(&["--release"])?;
    let mut noop: Vec<Duration> = (0..plan.pick(5, 3))
        .map(|_| time(&["--release"]))
        .collect::<Result<_>>()?;
    let noop = median(&mut noop);
    println!(
        "  no-op rebuild of {} (median of {}) {:>6.3} s  (target < 1 s: {})",
        languages.join(", "),
        plan.pick(5, 3),
        noop.as_secs_f64(),
        super::goal("build: no-op rebuild < 1 s", noop < Duration::from_secs(1))
    );
    interpreted(plan, &witloom)
}

/// A hello handler in Python and in JavaScript (`witloom init --lang L
/// --template http`): cold under `witloom build` (its work directory
/// emptied) and by hand, the same toolchain on the same sources and WIT
/// directory (componentize-py; componentize-js, the builder `jco
/// componentize` runs), in turns; then the no-op rebuild. Goals: cold ≤
/// 1.05× by hand, no-op < 0.1 s.
fn interpreted(plan: super::Plan, witloom: &std::path::Path) -> Result<()> {
    use std::process::Command;
    use witloom_manifest::Language;
    for language in [Language::Python, Language::Js] {
        let tc = witloom_app::toolchain::detect(language);
        let (Some(program), true) = (tc.program.clone(), tc.ready()) else {
            bail!("the {language} toolchain is not ready: run `cargo xtask setup`");
        };
        let dir = crate::target_dir().join(format!("bench-build-{language}"));
        let _ = std::fs::remove_dir_all(&dir);
        let app = dir.join("hello");
        crate::apps::check(Command::new(witloom).arg("init").arg(&app).args([
            "--lang",
            &language.to_string(),
            "--template",
            "http",
        ]))?;
        let manifest = app.join("witloom.toml");
        let by_witloom = || -> Result<Duration> {
            let t = Instant::now();
            crate::apps::check(
                Command::new(witloom)
                    .arg("build")
                    .arg("--manifest")
                    .arg(&manifest),
            )?;
            Ok(t.elapsed())
        };
        let out = dir.join("by-hand.wasm");
        let mut hand = Command::new(&program);
        if language == Language::Python {
            hand.arg("-d")
                .arg(app.join("wit"))
                .args(["-w", "hello", "--quiet", "componentize", "-p"])
                .arg(app.join("handler"))
                .arg("app")
                .arg("-o")
                .arg(&out)
                .env("PYTHONDONTWRITEBYTECODE", "1");
        } else {
            hand.args(&tc.args)
                .arg(app.join("handler/app.js"))
                .arg("--wit")
                .arg(app.join("wit"))
                .args(["--world-name", "hello", "-o"])
                .arg(&out)
                .args(["--disable", "http", "fetch-event"]);
        }
        let mut by_hand = || -> Result<Duration> {
            let t = Instant::now();
            crate::apps::check(&mut hand)?;
            Ok(t.elapsed())
        };
        // Once untimed: the first run reads the toolchain (hundreds of MB
        // for componentize-js) from a cold disk, whichever side it is.
        by_hand()?;
        let rounds = plan.pick(3, 1);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let _ = std::fs::remove_dir_all(app.join("target"));
            ours.push(by_witloom()?);
            theirs.push(by_hand()?);
        }
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
        println!(
            "  {language} hello handler, cold: witloom {:.2} s, by hand {:.2} s: {ratio:.2}x (goal <= 1.05x: {})",
            ours.as_secs_f64(),
            theirs.as_secs_f64(),
            super::verdict(
                format!("build: {language} cold <= 1.05x by hand"),
                ratio,
                1.05
            )
        );
        let mut noop: Vec<Duration> = (0..plan.pick(5, 3))
            .map(|_| by_witloom())
            .collect::<Result<_>>()?;
        let noop = median(&mut noop);
        println!(
            "  {language} no-op rebuild {:.3} s (goal < 0.1 s: {})",
            noop.as_secs_f64(),
            super::goal(
                format!("build: {language} no-op rebuild < 0.1 s"),
                noop < Duration::from_millis(100)
            )
        );
    }
    Ok(())
}
