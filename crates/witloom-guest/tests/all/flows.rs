//! The cross-language suite's async world, `concurrent` (component-model async,
//! WASI 0.3's model): each language's implementation is built by witloom
//! and driven by a host that implements `flow-host` (async imports: a
//! pause, and a stream the guest writes to the host) and calls every
//! export concurrently: an async function, a `stream<u8>` of more than
//! 1 MiB each way with every byte checked, a `future<u64>` and a
//! `future<string>`; and, from Rust, an `error-context` passed out
//! (`concurrent-faults`; wit-bindgen-c 0.63 has no `error-context`).
//!
//! Like `runtime.rs`, it is a differential test of witloom's host
//! bindings: the host is written once (`flows_suite!`) and compiled
//! against wasmtime's `bindgen!` and against `runtime/flows_bindings.rs`,
//! which `witloom bindgen` wrote (`cargo xtask bindgen` keeps it fresh).

use super::runtime::build_guest;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::oneshot;
use wasmtime::component::{
    Component, FutureConsumer, HasSelf, Linker, ResourceTable, Source, StreamConsumer, StreamResult,
};
use wasmtime::{Engine, Store, StoreContextMut};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use witloom_guest::Language;

/// The reference: wasmtime's `bindgen!`.
mod theirs {
    wasmtime::component::bindgen!({ path: "tests/runtime/wit", world: "concurrent-faults" });
}

/// Under test: what `witloom bindgen` generated for the same world.
mod ours {
    include!("../runtime/flows_bindings.rs");
}

/// More than 1 MiB, and not a multiple of the guests' 64 KiB chunks.
const LEN: u64 = (1 << 20) + 4099;

/// Bytes `0..len` of what the guests write: byte `i` is `i % 251`.
fn pattern(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    /// What `flow-host.drain` read, once its stream ended.
    drained: Option<Vec<u8>>,
    /// The pauses the guest asked for.
    pauses: Vec<u32>,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model_error_context(true);
        Engine::new(&config).unwrap()
    })
}

/// The host's read end of a `stream<u8>`: every byte, sent on `done` once
/// the writer has dropped its end (which drops this consumer).
struct Collect {
    bytes: Vec<u8>,
    done: Option<oneshot::Sender<Vec<u8>>>,
}

fn collect() -> (Collect, oneshot::Receiver<Vec<u8>>) {
    let (tx, rx) = oneshot::channel();
    (
        Collect {
            bytes: Vec::new(),
            done: Some(tx),
        },
        rx,
    )
}

impl<D> StreamConsumer<D> for Collect {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, u8>,
        _: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut source = source.as_direct(store);
        let me = self.get_mut();
        let n = source.remaining().len();
        me.bytes.extend_from_slice(source.remaining());
        source.mark_read(n);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for Collect {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(std::mem::take(&mut self.bytes));
        }
    }
}

/// The host's read end of a `future<T>`: its value, sent on `done`.
struct Take<T>(Option<oneshot::Sender<T>>);

fn take<T>() -> (Take<T>, oneshot::Receiver<T>) {
    let (tx, rx) = oneshot::channel();
    (Take(Some(tx)), rx)
}

impl<D, T: wasmtime::component::Lift + Send + Sync + 'static> FutureConsumer<D> for Take<T> {
    type Item = T;

    fn poll_consume(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<D>,
        mut source: Source<'_, T>,
        _: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let mut value = None;
        source.read(store, &mut value)?;
        if let (Some(value), Some(done)) = (value, self.get_mut().0.take()) {
            let _ = done.send(value);
        }
        Poll::Ready(Ok(()))
    }
}

/// The suite, written once against the `bindgen!` API, for a bindings
/// module `$b`.
macro_rules! flows_suite {
    ($name:ident, $b:ident) => {
        impl $b::witloom::test::flow_host::Host for State {}

        impl $b::witloom::test::flow_host::HostWithStore<State> for HasSelf<State> {
            fn pause(
                accessor: &wasmtime::component::Accessor<State, Self>,
                ms: u32,
            ) -> impl Future<Output = ()> + Send {
                accessor.with(|mut s| s.get().pauses.push(ms));
                tokio::time::sleep(Duration::from_millis(ms.into()))
            }

            fn drain(
                accessor: &wasmtime::component::Accessor<State, Self>,
                data: wasmtime::component::StreamReader<u8>,
            ) -> impl Future<Output = u64> + Send {
                let (consumer, bytes) = collect();
                accessor
                    .with(|s| data.pipe(s, consumer))
                    .expect("the guest's stream");
                async move {
                    let bytes = bytes.await.expect("the stream ended");
                    let n = bytes.len() as u64;
                    accessor.with(|mut s| s.get().drained = Some(bytes));
                    n
                }
            }
        }

        /// Every export of `flows` on `component`, and `faults` when it
        /// has them (`faults`: the whole `concurrent-faults` world).
        async fn $name(component: &Component, faults: bool) {
            use $b::ConcurrentFaults;
            use $b::exports::witloom::test::flows::GuestIndices;
            let mut linker = Linker::<State>::new(engine());
            wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
            ConcurrentFaults::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).unwrap();
            let mut store = Store::new(
                engine(),
                State {
                    wasi: WasiCtx::builder().inherit_stderr().build(),
                    table: ResourceTable::new(),
                    drained: None,
                    pauses: Vec::new(),
                },
            );
            // A component of world `concurrent` has no `faults`: its exported
            // interface is found by its own indices.
            let pre = linker.instantiate_pre(component).unwrap();
            let flows = GuestIndices::new(&pre).unwrap();
            let instance = pre.instantiate_async(&mut store).await.unwrap();
            let flows = flows.load(&mut store, &instance).unwrap();
            let world = if faults {
                Some(ConcurrentFaults::new(&mut store, &instance).unwrap())
            } else {
                None
            };
            let checks = store.run_concurrent(async |a| {
                // An async export calling the host's async import.
                assert_eq!(
                    flows.call_shout(a, "héllo".into(), 5).await.unwrap(),
                    "HéLLO"
                );

                // A stream from the host, every byte summed by the guest.
                let bytes = pattern(LEN);
                let sum: u64 = bytes.iter().map(|b| u64::from(*b)).sum();
                let stream = a
                    .with(|s| wasmtime::component::StreamReader::new(s, bytes))
                    .unwrap();
                assert_eq!(flows.call_digest(a, stream).await.unwrap(), (LEN, sum));

                // A stream to the host, written after the call returned,
                // and a future saying how much was taken.
                let (stream, taken) = flows.call_produce(a, LEN).await.unwrap();
                let (consumer, bytes) = collect();
                let (count, counted) = take::<u64>();
                a.with(|mut s| {
                    stream.pipe(&mut s, consumer).unwrap();
                    taken.pipe(&mut s, count).unwrap();
                });
                assert!(bytes.await.unwrap() == pattern(LEN), "produce's bytes");
                assert_eq!(counted.await.unwrap(), LEN);

                // A future of a string.
                let reversed = flows.call_reverse(a, "stressed ✓".into()).await.unwrap();
                let (consumer, text) = take::<String>();
                a.with(|s| reversed.pipe(s, consumer)).unwrap();
                assert_eq!(text.await.unwrap(), "✓ desserts");

                // A stream from the guest into an async import.
                assert_eq!(flows.call_send(a, LEN).await.unwrap(), LEN);

                // An error-context, passed out.
                if let Some(world) = &world {
                    let e = world
                        .witloom_test_faults()
                        .call_fail(a, "boom".into())
                        .await
                        .unwrap();
                    assert!(matches!(
                        e.into_val(),
                        wasmtime::component::Val::ErrorContext(_)
                    ));
                }
            });
            tokio::time::timeout(Duration::from_secs(120), checks)
                .await
                .expect("the suite finished within two minutes")
                .unwrap();
            let state = store.data();
            assert_eq!(state.pauses, [5]);
            assert!(
                state.drained.as_deref() == Some(&pattern(LEN)[..]),
                "send's bytes reached the host"
            );
        }
    };
}

flows_suite!(flows_on_bindgen, theirs);
flows_suite!(flows_on_witloom_bindings, ours);

/// Builds `language`'s `flows` guest and runs the suite on both hosts.
fn run_flows(language: Language, world: &str) {
    let Some(wasm) = build_guest(language, world, &format!("flows/{language}")) else {
        return;
    };
    let component = Component::new(engine(), &wasm).unwrap();
    let faults = world == "concurrent-faults";
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        flows_on_bindgen(&component, faults).await;
        flows_on_witloom_bindings(&component, faults).await;
    });
}

#[test]
fn rust_passes_the_async_suite() {
    run_flows(Language::Rust, "concurrent-faults");
}

#[test]
fn c_passes_the_async_suite() {
    run_flows(Language::C, "concurrent");
}
