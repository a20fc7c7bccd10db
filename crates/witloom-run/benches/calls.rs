//! Per-call cost through `witloom_run::prepare`, run by `cargo xtask bench
//! run` (which builds the inputs): a host→guest call of `greet` on the
//! sandbox app's `greeter` component, and a guest→guest call from its
//! `probe` to `greeter` inside the composed app (`relay.call-greeter` loops
//! in the guest; the loop's cost with zero iterations is subtracted).
//! Strings of 0 B, 1 KiB and 1 MiB go in, and a slightly longer one comes
//! back.
//!
//! Usage: `calls GREETER.wasm APP.wasm`.

mod support;

use std::path::Path;
use std::time::Instant;
use support::{func, show};
use wasmtime::component::{Instance, TypedFunc};
use wasmtime::{Engine, Store};
use witloom_run::{RunOptions, State};

const SIZES: [(usize, &str, u32); 3] = [
    (0, "0 B", 100_000),
    (1 << 10, "1 KiB", 100_000),
    (1 << 20, "1 MiB", 300),
];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [greeter, app] = args.as_slice() else {
        eprintln!("usage: calls GREETER.wasm APP.wasm");
        std::process::exit(2);
    };
    let opts = RunOptions::default();
    let engine = witloom_run::engine(&opts).expect("engine");

    let (mut store, instance) = instantiate(&engine, greeter, &opts);
    let greet: TypedFunc<(&str,), (String,)> = func(
        &mut store,
        &instance,
        "witloom-test:sandbox/greeter@0.1.0",
        "greet",
    );
    let (mut app_store, app) = instantiate(&engine, app, &opts);
    let relay: TypedFunc<(&str, u32), (u64,)> = func(
        &mut app_store,
        &app,
        "witloom-test:sandbox/relay@0.1.0",
        "call-greeter",
    );

    println!("{:<8} {:>16} {:>16}", "string", "host→guest", "guest→guest");
    for (size, label, n) in SIZES {
        let name = "x".repeat(size);
        // Warm up both paths (allocator, caches).
        for _ in 0..n.min(1000) {
            greet.call(&mut store, (&name,)).unwrap();
        }
        relay.call(&mut app_store, (&name, n.min(1000))).unwrap();

        let t = Instant::now();
        for _ in 0..n {
            let (out,) = greet.call(&mut store, (&name,)).unwrap();
            assert_eq!(out.len(), size + 8);
        }
        let host_to_guest = t.elapsed() / n;

        let loop_of = |store: &mut Store<State>, times: u32| {
            let t = Instant::now();
            let (got,) = relay.call(&mut *store, (&name, times)).unwrap();
            assert_eq!(got, u64::from(times) * (size as u64 + 8));
            t.elapsed()
        };
        let base = (0..20).map(|_| loop_of(&mut app_store, 0)).min().unwrap();
        let full = loop_of(&mut app_store, n);
        let guest_to_guest = full.saturating_sub(base) / n;
        println!(
            "{label:<8} {:>16} {:>16}",
            show(host_to_guest),
            show(guest_to_guest)
        );
    }
}

fn instantiate(engine: &Engine, path: &str, opts: &RunOptions) -> (Store<State>, Instance) {
    let path = Path::new(path);
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let component = witloom_run::load(engine, path, &bytes, opts.no_cache).expect("loads");
    let mut prepared = witloom_run::prepare(engine, &component, opts).expect("links");
    let instance = prepared
        .pre
        .instantiate(&mut prepared.store)
        .expect("instantiates");
    (prepared.store, instance)
}
