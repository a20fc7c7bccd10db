//! Stream throughput and async call cost through
//! `witloom_run::prepare_async`, run by `cargo xtask bench run` (which
//! builds the inputs from `crates/witloom/tests/p3`): a `stream<u8>` of
//! 1 MiB and 64 MiB into `pipes.digest`, side by side with the same bytes
//! as a `list<u8>` into `digest-list` (WASI 0.2's way), host→guest (the
//! host's own stream into the `pipes-rust` component) and guest→guest
//! (`bench-rust`'s loops into `pipes-rust`, composed; the loop's cost with
//! zero iterations is subtracted); then an async call (`ping`) against a
//! sync one (`ping-sync`), both ways.
//!
//! Usage: `streams PIPES.wasm BENCH_APP.wasm`.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::{func, show};
use wasmtime::Store;
use wasmtime::component::{Instance, StreamReader, TypedFunc};
use witloom_run::{RunOptions, State};

const SIZES: [(u64, &str, u32); 2] = [(1 << 20, "1 MiB", 40), (64 << 20, "64 MiB", 4)];
const PINGS: u32 = 20_000;
const PIPES: &str = "witloom-tests:p3/pipes@0.1.0";
const BENCH: &str = "witloom-tests:p3/bench@0.1.0";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [pipes, app] = args.as_slice() else {
        eprintln!("usage: streams PIPES.wasm BENCH_APP.wasm");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench(pipes, app));
}

async fn bench(pipes: &str, app: &str) {
    let opts = RunOptions::default();
    let engine = witloom_run::engine(&opts).expect("engine");
    let (mut store, pipes) = instantiate(&engine, pipes, &opts).await;
    let digest: TypedFunc<(StreamReader<u8>,), ((u64, u64),)> =
        func(&mut store, &pipes, PIPES, "digest");
    let digest_list: TypedFunc<(&[u8],), ((u64, u64),)> =
        func(&mut store, &pipes, PIPES, "digest-list");
    let ping: TypedFunc<(), ()> = func(&mut store, &pipes, PIPES, "ping");
    let ping_sync: TypedFunc<(), ()> = func(&mut store, &pipes, PIPES, "ping-sync");
    let (mut app_store, app) = instantiate(&engine, app, &opts).await;
    let streamed: TypedFunc<(u64, u32), (u64,)> = func(&mut app_store, &app, BENCH, "streamed");
    let listed: TypedFunc<(u64, u32), (u64,)> = func(&mut app_store, &app, BENCH, "listed");
    let pings: TypedFunc<(u32,), ()> = func(&mut app_store, &app, BENCH, "pings");
    let pings_sync: TypedFunc<(u32,), ()> = func(&mut app_store, &app, BENCH, "pings-sync");

    println!(
        "{:<8} {:>22} {:>22} {:>22} {:>22}",
        "bytes", "host→guest stream", "host→guest list", "guest→guest stream", "guest→guest list"
    );
    for (len, label, n) in SIZES {
        let bytes = bytes::Bytes::from(vec![7u8; len as usize]);
        let mut stream_times = Vec::new();
        let mut list_times = Vec::new();
        // Interleaved, one warm-up round first.
        for round in 0..=n {
            let t = Instant::now();
            let stream = StreamReader::new(&mut store, bytes.clone()).expect("a stream");
            let ((count, _),) = digest.call_async(&mut store, (stream,)).await.unwrap();
            assert_eq!(count, len);
            let streamed_in = t.elapsed();
            let t = Instant::now();
            let ((count, _),) = digest_list
                .call_async(&mut store, (&bytes[..],))
                .await
                .unwrap();
            assert_eq!(count, len);
            let listed_in = t.elapsed();
            if round > 0 {
                stream_times.push(streamed_in);
                list_times.push(listed_in);
            }
        }
        let mut g_stream = guest_loop(streamed, &mut app_store, len, n).await;
        let mut g_list = guest_loop(listed, &mut app_store, len, n).await;
        println!(
            "{label:<8} {:>22} {:>22} {:>22} {:>22}",
            rate(len, &mut stream_times),
            rate(len, &mut list_times),
            rate(len, &mut g_stream),
            rate(len, &mut g_list),
        );
    }

    // Call cost: per call, over PINGS calls (the guest's loop with zero
    // iterations subtracted).
    let h_async = host_calls(ping, &mut store).await;
    let h_sync = host_calls(ping_sync, &mut store).await;
    let g_async = guest_calls(pings, &mut app_store).await;
    let g_sync = guest_calls(pings_sync, &mut app_store).await;
    println!("{:<8} {:>22} {:>22}", "call", "host→guest", "guest→guest");
    println!("{:<8} {:>22} {:>22}", "async", show(h_async), show(g_async));
    println!("{:<8} {:>22} {:>22}", "sync", show(h_sync), show(g_sync));
}

/// `n` times, the time of one round of the guest's loop `f` over `len`
/// bytes, less that of a round of none.
async fn guest_loop(
    f: TypedFunc<(u64, u32), (u64,)>,
    store: &mut Store<State>,
    len: u64,
    n: u32,
) -> Vec<Duration> {
    let mut times = Vec::new();
    f.call_async(&mut *store, (len, 1)).await.unwrap();
    for _ in 0..n {
        let t = Instant::now();
        let (count,) = f.call_async(&mut *store, (len, 1)).await.unwrap();
        let one = t.elapsed();
        let t = Instant::now();
        f.call_async(&mut *store, (len, 0)).await.unwrap();
        times.push(one.saturating_sub(t.elapsed()));
        assert_eq!(count, len);
    }
    times
}

/// The host's call of `f`, per call.
async fn host_calls(f: TypedFunc<(), ()>, store: &mut Store<State>) -> Duration {
    for _ in 0..1000 {
        f.call_async(&mut *store, ()).await.unwrap();
    }
    let t = Instant::now();
    for _ in 0..PINGS {
        f.call_async(&mut *store, ()).await.unwrap();
    }
    t.elapsed() / PINGS
}

/// A call made by the guest's loop `f`, per call.
async fn guest_calls(f: TypedFunc<(u32,), ()>, store: &mut Store<State>) -> Duration {
    f.call_async(&mut *store, (1000,)).await.unwrap();
    let t = Instant::now();
    f.call_async(&mut *store, (0,)).await.unwrap();
    let base = t.elapsed();
    let t = Instant::now();
    f.call_async(&mut *store, (PINGS,)).await.unwrap();
    t.elapsed().saturating_sub(base) / PINGS
}

/// MiB/s at the median of `times`.
fn rate(len: u64, times: &mut [Duration]) -> String {
    times.sort();
    let median = times[times.len() / 2];
    let mib = len as f64 / f64::from(1u32 << 20);
    format!("{:.0} MiB/s", mib / median.as_secs_f64().max(1e-9))
}

async fn instantiate(
    engine: &wasmtime::Engine,
    path: &str,
    opts: &RunOptions,
) -> (Store<State>, Instance) {
    let path = Path::new(path);
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let component = witloom_run::load(engine, path, &bytes, opts.no_cache).expect("loads");
    let mut prepared = witloom_run::prepare_async(engine, &component, opts).expect("links");
    let instance = prepared
        .pre
        .instantiate_async(&mut prepared.store)
        .await
        .expect("instantiates");
    (prepared.store, instance)
}
