//! `bench doc`: Markdown docs for the WASI 0.2 set, witloom-doc against
//! `wit-bindgen markdown` (the `wit-bindgen-markdown` crate of our
//! wit-bindgen line) on the same, already-parsed WIT, interleaved (goal ≤
//! 1.0× time while covering every item). wit-bindgen documents one world
//! at a time, so it runs once per world; witloom documents every package
//! at once. The HTML site's time is printed too, for the record.

use super::{median, ms, verdict};
use anyhow::Result;
use std::time::{Duration, Instant};
use wit_bindgen_core::Files;

pub fn run(plan: super::Plan) -> Result<()> {
    let runs = plan.pick(30, 10);
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
    // The HTML site (pages, search index, assets), for the record: it has
    // no counterpart in wit-bindgen.
    let html = || -> usize {
        witloom_doc::html(&loaded.ir)
            .iter()
            .map(|p| p.text.len())
            .sum()
    };
    let (mut a, mut b, mut h) = (Vec::<Duration>::new(), Vec::<Duration>::new(), Vec::new());
    let (mut ours_bytes, mut theirs_bytes, mut html_bytes) = (0, 0, 0);
    for run in 0..runs + 2 {
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
        let t = Instant::now();
        html_bytes = html();
        let th = t.elapsed();
        if run >= 2 {
            a.push(ta);
            b.push(tb);
            h.push(th);
        }
    }
    // Coverage: every function has its anchor on its own package's page
    // (`iface.item`, `iface.resource.item`, `…:get`/`:set` for accessors).
    let pages = witloom_doc::markdown(&loaded.ir);
    let ir = &loaded.ir;
    let functions: usize = ir.interfaces.iter().map(|(_, i)| i.functions.len()).sum();
    let mut missing: Vec<String> = Vec::new();
    for (_, iface) in ir.interfaces.iter() {
        let (Some(name), Some(package)) = (&iface.name, iface.package) else {
            continue;
        };
        let p = &ir[package].name;
        let page = format!("{}-{}.md", p.namespace, p.name);
        let text = pages
            .iter()
            .find(|pg| pg.path.as_os_str() == page.as_str())
            .map_or("", |pg| pg.text.as_str());
        for f in iface.functions.values() {
            let resource = f
                .resource
                .and_then(|r| ir.types[r].name.as_deref())
                .map_or(String::new(), |r| format!("{r}."));
            let id = format!("<a id=\"{name}.{resource}{}", f.item_name);
            if ![
                format!("{id}\""),
                format!("{id}:get\""),
                format!("{id}:set\""),
            ]
            .iter()
            .any(|a| text.contains(a.as_str()))
            {
                missing.push(f.qualified_name.clone());
            }
        }
    }
    let (ma, mb) = (median(&mut a), median(&mut b));
    let ratio = ms(ma) / ms(mb);
    println!(
        "bench doc: Markdown for the WASI 0.2 set ({} packages, {} worlds, {functions} functions); {runs} runs, interleaved; medians",
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
        "  witloom doc --format html (site, {} pages) {:>8.2} ms  {html_bytes:>8} bytes",
        witloom_doc::html(&loaded.ir).len(),
        ms(median(&mut h))
    );
    println!(
        "  ratio (Markdown to Markdown)              {ratio:>8.2}x  (target <= 1.0x: {})",
        verdict("doc: Markdown <= 1.0x wit-bindgen markdown", ratio, 1.0)
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
