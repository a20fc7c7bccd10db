//! `bench doc`: Markdown docs for the WASI 0.2 set, witloom-doc against
//! `wit-bindgen markdown` (the `wit-bindgen-markdown` crate of our
//! wit-bindgen line) on the same, already-parsed WIT, interleaved (goal ≤
//! 1.0× time while covering every item). wit-bindgen documents one world
//! at a time, so it runs once per world; witloom documents every package
//! at once.

use super::{median, ms, verdict};
use anyhow::Result;
use std::time::{Duration, Instant};
use wit_bindgen_core::Files;

const RUNS: usize = 30;

pub fn run() -> Result<()> {
    let dir = witloom_testkit::wasi_wit_dir();
    let loaded = witloom_ir::load(&dir, &witloom_ir::LoadOptions::default())
        .map_err(|d| anyhow::anyhow!("{}: {d}", dir.display()))?;
    let worlds: Vec<_> = loaded.resolve.worlds.iter().map(|(id, _)| id).collect();

    let ours = || -> usize {
        witloom_doc::markdown(&loaded.ir)
            .iter()
            .map(|p| p.text.len())
            .sum()
    };
    let theirs = |resolves: &mut Vec<witloom_ir::wit_parser::Resolve>| -> Result<usize> {
        let mut bytes = 0;
        for (resolve, world) in resolves.iter_mut().zip(&worlds) {
            let mut files = Files::default();
            wit_bindgen_markdown::Opts::default()
                .build()
                .generate(resolve, *world, &mut files)?;
            bytes += files.iter().map(|(_, b)| b.len()).sum::<usize>();
        }
        Ok(bytes)
    };
    let (mut a, mut b) = (Vec::<Duration>::new(), Vec::<Duration>::new());
    let (mut ours_bytes, mut theirs_bytes) = (0, 0);
    for run in 0..RUNS + 2 {
        // wit-bindgen's generators add to the `Resolve`: a fresh clone per
        // world and run, made before the clock starts.
        let mut resolves: Vec<_> = worlds.iter().map(|_| loaded.resolve.clone()).collect();
        let (ta, tb);
        if run % 2 == 0 {
            let t = Instant::now();
            ours_bytes = ours();
            ta = t.elapsed();
            let t = Instant::now();
            theirs_bytes = theirs(&mut resolves)?;
            tb = t.elapsed();
        } else {
            let t = Instant::now();
            theirs_bytes = theirs(&mut resolves)?;
            tb = t.elapsed();
            let t = Instant::now();
            ours_bytes = ours();
            ta = t.elapsed();
        }
        if run >= 2 {
            a.push(ta);
            b.push(tb);
        }
    }
    // Coverage: every function and named type of the IR has its anchor.
    let pages = witloom_doc::markdown(&loaded.ir);
    let all: String = pages.iter().map(|p| p.text.as_str()).collect();
    let ir = &loaded.ir;
    let functions: usize = ir.interfaces.iter().map(|(_, i)| i.functions.len()).sum();
    let missing: Vec<String> = ir
        .interfaces
        .iter()
        .flat_map(|(_, i)| i.functions.values())
        .filter(|f| {
            !all.contains(&format!(".{}\"></a>", f.item_name))
                && !all.contains(&format!(".{}:get\"></a>", f.item_name))
        })
        .map(|f| f.qualified_name.clone())
        .collect();
    let (ma, mb) = (median(&mut a), median(&mut b));
    let ratio = ms(ma) / ms(mb);
    println!(
        "bench doc: Markdown for the WASI 0.2 set ({} packages, {} worlds, {functions} functions); {RUNS} runs, interleaved; medians",
        ir.packages.len(),
        worlds.len()
    );
    println!(
        "  witloom doc (every package, {} pages)      {:>8.2} ms  {ours_bytes:>8} bytes",
        pages.len(),
        ms(ma)
    );
    println!(
        "  wit-bindgen markdown (once per world)     {:>8.2} ms  {theirs_bytes:>8} bytes",
        ms(mb)
    );
    println!(
        "  ratio                                     {ratio:>8.2}x  (target <= 1.0x: {})",
        verdict(ratio, 1.0)
    );
    println!(
        "  functions documented by witloom           {:>8} of {functions}{}",
        functions - missing.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!("; missing: {}", missing.join(", "))
        }
    );
    Ok(())
}
