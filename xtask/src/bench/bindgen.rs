//! `bench bindgen`: (1) generating host bindings for every world of the
//! WASI 0.2 set, the IR corpus and wasmtime's own `bindgen!` corpus,
//! witloom-bindgen (unformatted, and formatted as checked in) against
//! wasmtime's own generator (the one behind `bindgen!`,
//! `wasmtime-internal-wit-bindgen`) on the same worlds, from already-parsed
//! WIT, interleaved (goal ≤ 1.0× for both);
//! (2) an incremental rebuild of a host crate that uses our checked-in
//! bindings against the same crate using `bindgen!` (goal ≤ 0.5×): the
//! macro re-expands, and its output is checked again, on every build of
//! the host; checked-in bindings are a crate of their own, built once.

use super::{median, ms, time, verdict};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use wasmtime_wit_bindgen::Opts;
use witloom_bindgen::Options;
use witloom_ir::LoadOptions;

/// Both parts, or the one named. `--quick`: 5 generation runs, and the
/// incremental rebuild timed with `cargo check` only, twice per crate.
pub fn run(plan: super::Plan, args: &[&str]) -> Result<()> {
    match args {
        [] => {
            generation(plan)?;
            incremental(plan)
        }
        ["generation"] => generation(plan),
        ["incremental"] => incremental(plan),
        _ => anyhow::bail!("usage: cargo xtask bench bindgen [generation|incremental]"),
    }
}

fn generation(plan: super::Plan) -> Result<()> {
    let runs = plan.pick(20, 5);
    let root = crate::root();
    let corpus = root.join("crates/witloom-ir/tests/corpus");
    let mut inputs: Vec<PathBuf> = vec![
        witloom_testkit::wasi_wit_dir(),
        corpus.join("fraction.wit"),
        corpus.join("worlds.wit"),
        corpus.join("gates.wit"),
        corpus.join("multi"),
        root.join("crates/witloom-guest/tests/runtime/wit"),
        root.join("wit"),
    ];
    // wasmtime's own `bindgen!` corpus, as the corpus crate compiles it.
    let codegen = witloom_buildsupport::locked_package_dir(
        "wasmtime-internal-component-macro",
        "tests/codegen",
    )
    .join("tests/codegen");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&codegen)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    inputs.extend(entries);
    // (ours, theirs) per world both generators accept (entries the pinned
    // wit-parser rejects are left out, as the corpus crate leaves them).
    let mut cases = Vec::new();
    for input in &inputs {
        let load_opts = LoadOptions {
            all_features: true,
            ..LoadOptions::default()
        };
        let Ok(loaded) = witloom_ir::load(input, &load_opts) else {
            continue;
        };
        let mut resolve = wit_parser_wasmtime::Resolve {
            all_features: true,
            ..Default::default()
        };
        let Ok((pkg, _)) = resolve.push_path(input) else {
            continue;
        };
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
    type Case = (
        witloom_ir::Loaded,
        Options,
        wit_parser_wasmtime::Resolve,
        wit_parser_wasmtime::WorldId,
    );
    // wasmtime's generator writes indented source and stops there (its
    // output goes to the compiler); witloom's unformatted path is the
    // same, its formatted path is what `cargo xtask bindgen` checks in.
    let raw = |cases: &[Case]| -> usize {
        cases
            .iter()
            .map(|(l, o, _, _)| witloom_bindgen::generate_unformatted(l, o).unwrap().len())
            .sum()
    };
    let formatted = |cases: &[Case]| -> usize {
        cases
            .iter()
            .map(|(l, o, _, _)| witloom_bindgen::generate(l, o).unwrap().len())
            .sum()
    };
    let mut resolves: Vec<_> = Vec::new();
    let (mut a, mut f, mut b) = (Vec::new(), Vec::new(), Vec::new());
    let (mut raw_bytes, mut formatted_bytes, mut theirs_bytes) = (0, 0, 0);
    for run in 0..runs + 2 {
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
        // The order rotates, so no side always runs on a warm cache.
        let mut timed = |which: usize| -> Duration {
            let t = Instant::now();
            match which {
                0 => raw_bytes = raw(&cases),
                1 => formatted_bytes = formatted(&cases),
                _ => theirs_bytes = theirs(&mut resolves),
            }
            t.elapsed()
        };
        let mut times = [Duration::ZERO; 3];
        for k in 0..3 {
            let which = (run + k) % 3;
            times[which] = timed(which);
        }
        // The first two runs warm up.
        if run >= 2 {
            a.push(times[0]);
            f.push(times[1]);
            b.push(times[2]);
        }
    }
    let (ma, mf, mb) = (median(&mut a), median(&mut f), median(&mut b));
    let (ratio, formatted_ratio) = (ms(ma) / ms(mb), ms(mf) / ms(mb));
    println!(
        "bench bindgen: host bindings for {} worlds (WASI 0.2 set, IR corpus, test suite, wit/, wasmtime's bindgen! corpus); {runs} runs, interleaved; medians",
        cases.len()
    );
    println!(
        "  witloom-bindgen, unformatted (IR -> indented source)   {:>8.2} ms  {raw_bytes:>9} bytes",
        ms(ma)
    );
    println!(
        "  witloom-bindgen, formatted (what is checked in)        {:>8.2} ms  {formatted_bytes:>9} bytes",
        ms(mf)
    );
    println!(
        "  wasmtime's generator (Resolve -> source)               {:>8.2} ms  {theirs_bytes:>9} bytes",
        ms(mb)
    );
    println!(
        "  ratio, unformatted                                     {ratio:>8.2}x  (target <= 1.0x: {})",
        verdict(
            "bindgen: generation, unformatted <= 1.0x wasmtime's",
            ratio,
            1.0
        )
    );
    println!(
        "  ratio, formatted                                       {formatted_ratio:>8.2}x  (target <= 1.0x: {})",
        verdict(
            "bindgen: generation, formatted <= 1.0x wasmtime's",
            formatted_ratio,
            1.0
        )
    );
    Ok(())
}

/// A host crate, once on checked-in witloom bindings (a crate of their
/// own, as checked-in source allows) and once on `bindgen!` (expanded
/// inside the host crate, where the macro goes); its `lib.rs` touched and
/// rebuilt three ways: `cargo check` (the edit loop), `cargo build --lib`
/// (the host as a library, as `witloom-run` is) and `cargo build` of a
/// binary (which adds linking wasmtime with debug info, the same on both
/// sides).
struct HostCrate {
    /// Crate-name prefix.
    name: &'static str,
    /// What the world is, for the report.
    what: &'static str,
    wit: PathBuf,
    world: &'static str,
    /// The host code, given the item that brings `bindings` into scope.
    lib: fn(&str) -> String,
    main: &'static str,
}

fn host_crates() -> Vec<HostCrate> {
    let root = crate::root();
    vec![
        HostCrate {
            name: "suite",
            what: "the test suite's world (5 interfaces, a resource)",
            wit: root.join("crates/witloom-guest/tests/runtime/wit"),
            world: "test",
            lib: |b| {
                format!(
                    r#"//! A host of the guest suite's `test` world.
{b}
use wasmtime::component::{{HasSelf, Linker}};
pub struct State;
impl bindings::witloom::test::host::Host for State {{
    fn log(&mut self, msg: String) {{ println!("{{msg}}"); }}
    fn add_one(&mut self, x: u32) -> u32 {{ x + 1 }}
}}
pub fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<State>> {{
    let mut linker = Linker::<State>::new(engine);
    bindings::Test::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    Ok(linker)
}}
"#
                )
            },
            main: "fn main() { let _ = suite_host::linker(&wasmtime::Engine::default()).unwrap(); println!(\"linked\"); }\n",
        },
        HostCrate {
            name: "command",
            what: "wasi:cli/command (all of WASI 0.2: 41 host traits)",
            wit: witloom_testkit::wasi_wit_dir(),
            world: "wasi:cli/command",
            lib: |b| {
                format!(
                    r#"//! A runner of `wasi:cli/command` components (imports linked elsewhere).
{b}
use wasmtime::component::{{Component, Linker}};
pub struct State;
pub fn run(engine: &wasmtime::Engine, linker: &Linker<State>, component: &Component) -> wasmtime::Result<bool> {{
    let pre = bindings::CommandPre::new(linker.instantiate_pre(component)?)?;
    let mut store = wasmtime::Store::new(engine, State);
    let command = pre.instantiate(&mut store)?;
    Ok(command.wasi_cli_run().call_run(&mut store)?.is_ok())
}}
"#
                )
            },
            main: "fn main() { let engine = wasmtime::Engine::default(); let linker = wasmtime::component::Linker::new(&engine); if let Some(p) = std::env::args().nth(1) { let c = wasmtime::component::Component::from_file(&engine, p).unwrap(); println!(\"{:?}\", command_host::run(&engine, &linker, &c)); } }\n",
        },
    ]
}

fn incremental(plan: super::Plan) -> Result<()> {
    let root = crate::root();
    let dir = crate::target_dir().join("xtask/bench-bindgen");
    let wasmtime = witloom_testkit::pinned_version("wasmtime");
    // Fresh crates, but wasmtime stays built in `target/`.
    if let Ok(entries) = witloom_diag::io::read_dir(&dir) {
        for entry in entries.flatten() {
            if entry.file_name() != "target" && entry.path().is_dir() {
                witloom_diag::io::remove_dir_all(&entry.path())?;
            }
        }
    }
    witloom_diag::io::create_dir_all(&dir)?;
    let hosts = host_crates();
    let mut members = Vec::new();
    let write_crate = |name: &str, deps: &str, files: &[(&str, &str)]| -> Result<()> {
        let krate = dir.join(name);
        witloom_diag::io::create_dir_all(&krate.join("src"))?;
        witloom_diag::io::write(
            &krate.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nwasmtime = \"={wasmtime}\"\n{deps}"
            ),
        )?;
        for (file, text) in files {
            witloom_diag::io::write(&krate.join("src").join(file), text)?;
        }
        Ok(())
    };
    for h in &hosts {
        let wit = witloom_ir::load(&h.wit, &LoadOptions::default())
            .map_err(|d| anyhow::anyhow!("{}: {d}", h.wit.display()))?;
        let code = witloom_bindgen::generate(
            &wit,
            &Options {
                world: Some(h.world.to_string()),
                ..Options::default()
            },
        )
        .map_err(|d| anyhow::anyhow!("{d}"))?;
        let bindings = format!("{}-bindings", h.name);
        write_crate(&bindings, "", &[("lib.rs", &code)])?;
        write_crate(
            &format!("{}-host", h.name),
            &format!("{bindings} = {{ path = \"../{bindings}\" }}\n"),
            &[
                (
                    "lib.rs",
                    &(h.lib)(&format!("use {} as bindings;", bindings.replace('-', "_"))),
                ),
                ("main.rs", h.main),
            ],
        )?;
        let macro_mod = format!(
            "mod bindings {{ wasmtime::component::bindgen!({{ path: {:?}, world: {:?} }}); }}",
            h.wit.display().to_string(),
            h.world
        );
        write_crate(
            &format!("{}-host-bindgen", h.name),
            "",
            &[
                ("lib.rs", &(h.lib)(&macro_mod)),
                ("main.rs", &h.main.replace("_host::", "_host_bindgen::")),
            ],
        )?;
        members.extend([
            bindings,
            format!("{}-host", h.name),
            format!("{}-host-bindgen", h.name),
        ]);
    }
    witloom_diag::io::write(
        &dir.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = {members:?}\n"),
    )?;
    // The same dependency versions as witloom itself.
    witloom_diag::io::copy(&root.join("Cargo.lock"), &dir.join("Cargo.lock"))?;
    let cargo = |args: &[&str]| -> Result<Duration> {
        time(
            Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .current_dir(&dir)
                .arg(args[0])
                .arg("--quiet")
                .args(&args[1..]),
        )
    };
    println!(
        "  incremental rebuild of a host crate after touching its lib.rs (debug; median of {}, interleaved):",
        plan.pick(5, 2)
    );
    println!("    first builds (wasmtime from scratch the first time)...");
    cargo(&["build", "--workspace"]).context("building the bench's host crates")?;
    cargo(&["check", "--workspace"]).context("checking the bench's host crates")?;
    let touch = |krate: &str| -> Result<()> {
        let lib = dir.join(krate).join("src/lib.rs");
        let text = witloom_diag::io::read_to_string(&lib)?;
        witloom_diag::io::write(&lib, text)?;
        Ok(())
    };
    for h in &hosts {
        println!("    {}:", h.what);
        let ways = [
            ("cargo check", &["check", "--lib"][..]),
            ("cargo build --lib", &["build", "--lib"][..]),
            ("cargo build (binary)", &["build"][..]),
        ];
        for &(how, args) in plan.pick(&ways[..], &ways[..1]) {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for run in 0..plan.pick(6, 3) {
                let ours = format!("{}-host", h.name);
                let theirs = format!("{}-host-bindgen", h.name);
                let order = if run % 2 == 0 {
                    [(&ours, true), (&theirs, false)]
                } else {
                    [(&theirs, false), (&ours, true)]
                };
                for (krate, is_ours) in order {
                    touch(krate)?;
                    let mut full = args.to_vec();
                    full.extend(["-p", krate.as_str()]);
                    let t = cargo(&full)?;
                    // The first round warms up.
                    if run > 0 {
                        if is_ours { a.push(t) } else { b.push(t) }
                    }
                }
            }
            let (ma, mb) = (median(&mut a), median(&mut b));
            let ratio = ms(ma) / ms(mb);
            println!(
                "      {how:<22} witloom {:>6.0} ms   bindgen! {:>6.0} ms   {ratio:.2}x  (target <= 0.5x: {})",
                ms(ma),
                ms(mb),
                verdict(
                    format!("bindgen: {}, {how} <= 0.5x bindgen!", h.what),
                    ratio,
                    0.5
                )
            );
        }
    }
    Ok(())
}
