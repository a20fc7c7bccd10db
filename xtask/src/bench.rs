//! `cargo xtask bench …`: speed targets measured side by side with the
//! anchor tool in one run, interleaved so that both see the same machine.
//! Always runs optimized: a debug xtask re-runs itself with `--release`.

use anyhow::{Result, bail};
use std::time::{Duration, Instant};
use witloom_ir::wit_parser::Resolve;

pub fn run(args: &[&str]) -> Result<()> {
    if cfg!(debug_assertions) {
        return crate::run(
            crate::cargo()
                .args(["run", "--quiet", "--release", "-p", "xtask", "--", "bench"])
                .args(args),
        );
    }
    match args {
        ["ir"] => ir(),
        ["build"] => build(),
        _ => bail!("usage: cargo xtask bench ir|build"),
    }
}

/// Loading the WASI 0.2 set: wit-parser's `push_dir` alone, against
/// `witloom_ir::load` (the same parse, plus lowering into the IR).
/// Target: at most 1.3× wit-parser.
fn ir() -> Result<()> {
    const RUNS: usize = 300;
    const TARGET: f64 = 1.3;
    let dir = witloom_testkit::wasi_wit_dir();
    let opts = witloom_ir::LoadOptions::default();

    let parse = || {
        let mut resolve = Resolve::default();
        resolve.push_dir(&dir).expect("WASI parses");
        resolve
    };
    let load = || witloom_ir::load(&dir, &opts).expect("WASI loads");
    // Warm the file cache and the allocator for both.
    for _ in 0..20 {
        std::hint::black_box(parse());
        std::hint::black_box(load());
    }

    let (mut a, mut b, mut lower) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..RUNS {
        // Alternate which goes first, so neither always runs on a warmer cache.
        let (first_is_parse, t) = (i % 2 == 0, Instant::now());
        if first_is_parse {
            std::hint::black_box(parse());
            a.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(load());
            b.push(t.elapsed());
        } else {
            std::hint::black_box(load());
            b.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(parse());
            a.push(t.elapsed());
        }
        let resolve = parse();
        let t = Instant::now();
        std::hint::black_box(witloom_ir::lower(&resolve, &[]));
        lower.push(t.elapsed());
    }

    let counts = load().ir.counts();
    let (ma, mb, ml) = (median(&mut a), median(&mut b), median(&mut lower));
    let ratio = mb.as_secs_f64() / ma.as_secs_f64();
    println!("bench ir: the WASI 0.2 set from {}", dir.display());
    println!("  {counts}; {RUNS} runs each, interleaved; medians");
    println!("  wit-parser Resolve::push_dir     {:>9.3} ms", ms(ma));
    println!("  witloom_ir::load (parse + lower) {:>9.3} ms", ms(mb));
    println!("    of which lowering alone        {:>9.3} ms", ms(ml));
    println!(
        "  ratio witloom / wit-parser       {ratio:>9.2}x  (target <= {TARGET}x: {})",
        if ratio <= TARGET { "met" } else { "MISSED" }
    );
    Ok(())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Guest builds with the release `witloom` binary, on the cross-language
/// suite's guests: a cold build per language (witloom's work directory and
/// Go's build cache empty; cargo's registry warm), then a no-op rebuild of
/// all three (target: under 1 s), and the component sizes.
fn build() -> Result<()> {
    crate::run(crate::cargo().args(["build", "--quiet", "--release", "-p", "witloom"]))?;
    let root = crate::root();
    let witloom = root.join("target/release/witloom");
    let suite = root.join("crates/witloom-guest/tests/runtime");
    let app = root.join("target/bench-build");
    let _ = std::fs::remove_dir_all(&app);
    std::fs::create_dir_all(&app)?;
    let mut manifest = format!(
        "[app]\nname = \"bench\"\nwit = {:?}\n",
        suite.join("wit").display().to_string()
    );
    for lang in ["c", "rust", "go"] {
        manifest.push_str(&format!(
            "\n[components.{lang}]\nlanguage = \"{lang}\"\npath = {:?}\nworld = \"test\"\n",
            suite.join(lang).display().to_string()
        ));
    }
    let manifest_path = app.join("witloom.toml");
    std::fs::write(&manifest_path, manifest)?;
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
    for (profile, flag) in [("debug", None), ("release", Some("--release"))] {
        for lang in ["c", "rust", "go"] {
            let _ = std::fs::remove_dir_all(app.join("target"));
            let _ = std::fs::remove_dir_all(&gocache);
            let mut args = vec!["-c", lang];
            args.extend(flag);
            let cold = time(&args)?;
            let size = std::fs::metadata(app.join(format!("target/witloom/{lang}.wasm")))?.len();
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
    let mut noop: Vec<Duration> = (0..5)
        .map(|_| time(&["--release"]))
        .collect::<Result<_>>()?;
    let noop = median(&mut noop);
    println!(
        "  no-op rebuild of all three (median of 5) {:>6.3} s  (target < 1 s: {})",
        noop.as_secs_f64(),
        if noop < Duration::from_secs(1) {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}
