//! The data of one request's store: WASI (environment only: no
//! directories, no stdin), `wasi:http`, and witloom's host capabilities
//! with the per-request memory limit.

use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};
use witloom_run::MemoryLimiter;
use witloom_run::host::{DatabasePool, WitloomHost};

pub(crate) struct RequestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: NoNetwork,
    pub(crate) limits: MemoryLimiter,
    pub(crate) host: WitloomHost,
}

impl RequestState {
    pub(crate) fn new(
        env: &[(String, String)],
        db: Option<Arc<DatabasePool>>,
        max_memory: Option<usize>,
        deadline: Option<std::time::Instant>,
    ) -> RequestState {
        let mut wasi = WasiCtx::builder();
        // A guest's prints go where the server's do, as with `wasmtime
        // serve`; it reads no stdin.
        wasi.inherit_stdout().inherit_stderr().envs(env);
        RequestState {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: NoNetwork,
            limits: MemoryLimiter { max: max_memory },
            host: WitloomHost::new(db).with_deadline(deadline),
        }
    }
}

impl WasiView for RequestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RequestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Outgoing requests are not granted: each is answered
/// `HTTP-request-denied` (the guest sees an error code, not a trap).
struct NoNetwork;

impl WasiHttpHooks for NoNetwork {
    fn send_request(
        &mut self,
        _request: hyper::Request<WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    hyper::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}
