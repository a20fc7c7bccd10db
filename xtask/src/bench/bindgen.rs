//! `bench bindgen`: (1) generating host bindings for every world of the
//! WASI 0.2 set and the IR corpus, witloom-bindgen against wasmtime's own
//! generator (the one behind `bindgen!`, `wasmtime-internal-wit-bindgen`)
//! on the same worlds, from already-parsed WIT, interleaved (goal ≤ 1.0×);
//! (2) an incremental rebuild of a small host crate that uses our
//! checked-in bindings against the same crate using `bindgen!` (goal ≤
//! 0.5×): the macro re-expands on every build, checked-in source does not.

use super::{median, ms, time, verdict};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use wasmtime_wit_bindgen::Opts;
use witloom_bindgen::Options;
use witloom_ir::LoadOptions;

const RUNS: usize = 20;

pub fn run() -> Result<()> {
    generation()?;
    incremental()
}

fn generation() -> Result<()> {
    let root = crate::root();
    let corpus = root.join("crates/witloom-ir/tests/corpus");
    let inputs: Vec<PathBuf> = vec![
        witloom_testkit::wasi_wit_dir(),
        corpus.join("fraction.wit"),
        corpus.join("worlds.wit"),
        corpus.join("gates.wit"),
        corpus.join("multi"),
        root.join("crates/witloom-guest/tests/runtime/wit"),
        root.join("wit"),
    ];
    // (ours, theirs) per world both generators accept.
    let mut cases = Vec::new();
    for input in &inputs {
        let loaded = witloom_ir::load(input, &LoadOptions::default())
            .map_err(|d| anyhow::anyhow!("{}: {d}", input.display()))?;
        let mut resolve = wit_parser_wasmtime::Resolve::default();
        let (pkg, _) = resolve.push_path(input)?;
        for (_, p) in loaded.ir.packages.iter() {
            for world in p.worlds.keys() {
                let name = p.name.item(world);
                let opts = Options {
                    world: Some(name.clone()),
                    ..Options::default()
                };
                let Ok(theirs) = resolve.select_world(&[pkg], Some(&name)) else {
                    continue;
                };
                if witloom_bindgen::generate(&loaded, &opts).is_err()
                    || Opts::default()
                        .generate(&mut resolve.clone(), theirs)
                        .is_err()
                {
                    continue;
                }
                cases.push((loaded.clone(), opts, resolve.clone(), theirs));
            }
        }
    }
    let ours = |cases: &[(witloom_ir::Loaded, Options, _, _)]| -> usize {
        cases
            .iter()
            .map(|(l, o, _, _)| witloom_bindgen::generate(l, o).unwrap().len())
            .sum()
    };
    let mut resolves: Vec<_> = Vec::new();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut ours_bytes, mut theirs_bytes) = (0, 0);
    for run in 0..RUNS + 2 {
        // Each run of theirs needs a fresh `Resolve` (it adds nominal type
        // ids); cloning is not timed.
        resolves.clear();
        resolves.extend(cases.iter().map(|(_, _, r, w)| (r.clone(), *w)));
        let theirs = |resolves: &mut Vec<(wit_parser_wasmtime::Resolve, _)>| -> usize {
            resolves
                .iter_mut()
                .map(|(r, w)| Opts::default().generate(r, *w).unwrap().len())
                .sum()
        };
        let t = Instant::now();
        let (x, y, ta, tb);
        if run % 2 == 0 {
            x = ours(&cases);
            ta = t.elapsed();
            let t = Instant::now();
            y = theirs(&mut resolves);
            tb = t.elapsed();
        } else {
            y = theirs(&mut resolves);
            tb = t.elapsed();
            let t = Instant::now();
            x = ours(&cases);
            ta = t.elapsed();
        }
        // The first two runs warm up.
        if run >= 2 {
            a.push(ta);
            b.push(tb);
        }
        (ours_bytes, theirs_bytes) = (x, y);
    }
    let (ma, mb) = (median(&mut a), median(&mut b));
    let ratio = ms(ma) / ms(mb);
    // Where our time goes: the same generation without prettyplease.
    let mut raw: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            for (l, o, _, _) in &cases {
                std::hint::black_box(witloom_bindgen::generate_unformatted(l, o).unwrap());
            }
            t.elapsed()
        })
        .collect();
    let raw = median(&mut raw);
    println!(
        "bench bindgen: host bindings for {} worlds (WASI 0.2 set, IR corpus, test suite, wit/); {RUNS} runs, interleaved; medians",
        cases.len()
    );
    println!(
        "  witloom-bindgen (IR -> formatted source)     {:>8.2} ms  {ours_bytes:>9} bytes",
        ms(ma)
    );
    println!(
        "  wasmtime's generator (Resolve -> source)     {:>8.2} ms  {theirs_bytes:>9} bytes (unformatted)",
        ms(mb)
    );
    println!(
        "  ratio                                        {ratio:>8.2}x  (target <= 1.0x: {})",
        verdict(ratio, 1.0)
    );
    println!(
        "    of ours, generation without formatting     {:>8.2} ms  ({:.2}x wasmtime's)",
        ms(raw),
        ms(raw) / ms(mb)
    );
    Ok(())
}

/// Two host crates for the test suite's world, one on our checked-in
/// bindings, one on `bindgen!`; each rebuilt after touching its `main.rs`.
fn incremental() -> Result<()> {
    let root = crate::root();
    let dir = root.join("target/xtask/bench-bindgen");
    let suite = root.join("crates/witloom-guest/tests/runtime");
    let host = |body: &str| {
        format!(
            r#"//! A small host of the guest suite's `test` world.
use wasmtime::component::{{HasSelf, Linker}};
{body}
struct State;
impl bindings::witloom::test::host::Host for State {{
    fn log(&mut self, msg: String) {{ println!("{{msg}}"); }}
    fn add_one(&mut self, x: u32) -> u32 {{ x + 1 }}
}}
fn main() {{
    let engine = wasmtime::Engine::default();
    let mut linker = Linker::<State>::new(&engine);
    bindings::Test::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).unwrap();
    println!("linked");
}}
"#
        )
    };
    let crates = [
        (
            "ours",
            host(&format!(
                "mod bindings {{ include!({:?}); }}",
                suite.join("bindings.rs").display().to_string()
            )),
        ),
        (
            "theirs",
            host(&format!(
                "mod bindings {{ wasmtime::component::bindgen!({{ path: {:?}, world: \"test\" }}); }}",
                suite.join("wit").display().to_string()
            )),
        ),
    ];
    let wasmtime = witloom_testkit::pinned_version("wasmtime");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"ours\", \"theirs\"]\n",
    )?;
    // The same dependency versions as witloom itself.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    for (name, main) in &crates {
        std::fs::create_dir_all(dir.join(name).join("src"))?;
        std::fs::write(
            dir.join(name).join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nwasmtime = \"={wasmtime}\"\n"
            ),
        )?;
        std::fs::write(dir.join(name).join("src/main.rs"), main)?;
    }
    let build = |name: &str| -> Result<Duration> {
        time(
            Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .current_dir(&dir)
                .args(["build", "--quiet", "-p", name]),
        )
    };
    println!("  incremental rebuild of a small host crate (debug), after touching main.rs:");
    println!("    first build of both (wasmtime from scratch the first time)...");
    build("ours").context("building the host on our bindings")?;
    build("theirs").context("building the host on bindgen!")?;
    let touch = |name: &str| -> Result<()> {
        let main = dir.join(name).join("src/main.rs");
        let text = std::fs::read_to_string(&main)?;
        std::fs::write(&main, text)?;
        Ok(())
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for run in 0..6 {
        let order: [&str; 2] = if run % 2 == 0 {
            ["ours", "theirs"]
        } else {
            ["theirs", "ours"]
        };
        for name in order {
            touch(name)?;
            let t = build(name)?;
            if name == "ours" { a.push(t) } else { b.push(t) }
        }
    }
    let show = |v: &[Duration]| {
        v.iter()
            .map(|d| format!("{:.0}", ms(*d)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "    samples (ms): ours [{}], bindgen! [{}]",
        show(&a),
        show(&b)
    );
    let (ma, mb) = (median(&mut a), median(&mut b));
    let ratio = ms(ma) / ms(mb);
    println!("    checked-in witloom bindings {:>8.0} ms", ms(ma));
    println!("    bindgen! macro              {:>8.0} ms", ms(mb));
    println!(
        "    ratio                       {ratio:>8.2}x  (target <= 0.5x: {})",
        verdict(ratio, 0.5)
    );
    Ok(())
}
