//! `bench ir`: loading the WASI 0.2 set into the IR against wit-parser.

use super::{median, ms};
use anyhow::Result;
use std::time::Instant;
use witloom_ir::wit_parser::Resolve;

/// Loading the WASI 0.2 set: wit-parser's `push_dir` alone, against
/// `witloom_ir::load` (the same packages, each file read once, parsed on
/// two threads, pushed by wit-parser, then lowered into the IR).
/// Goal (issue 27): at most 1.1× wit-parser.
pub fn run(plan: super::Plan) -> Result<()> {
    let runs = plan.pick(300, 60);
    const TARGET: f64 = 1.1;
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
    for i in 0..runs {
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
    println!("  {counts}; {runs} runs each, interleaved; medians");
    println!("  wit-parser Resolve::push_dir     {:>9.3} ms", ms(ma));
    println!("  witloom_ir::load (parse + lower) {:>9.3} ms", ms(mb));
    println!(
        "  lowering a parsed Resolve alone  {:>9.3} ms  (its files read again)",
        ms(ml)
    );
    println!(
        "  ratio witloom / wit-parser       {ratio:>9.2}x  (target <= {TARGET}x: {})",
        super::verdict(
            format!("ir: load the WASI set <= {TARGET}x wit-parser"),
            ratio,
            TARGET
        )
    );
    Ok(())
}
