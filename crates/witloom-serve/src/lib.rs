//! Serving `wasi:http` components: `witloom serve`.
//!
//! A [`Server`] compiles a component that exports an HTTP handler once
//! (through `witloom run`'s compiled-code cache) and links it once into an
//! `InstancePre`. A WASI 0.2 handler (`wasi:http/incoming-handler@0.2.x`)
//! answers every HTTP/1.1 request on a fresh instance in a fresh store, the
//! way `wasmtime serve` does for WASIp2: nothing a request does survives it
//! except what it wrote to the granted database. A WASI 0.3 handler
//! (`wasi:http/handler@0.3.x`, an `async func`) is served as `wasmtime
//! serve` serves WASIp3 ([`reuse`]): an instance takes many requests, one
//! after another and several at once ([`Reuse`]), and keeps its linear
//! memory between them.
//!
//! What a request may use is [`ServeOptions::limits`], the same limits as
//! `witloom run` applied per request. A request whose guest traps or runs
//! into a limit is answered `500` and logged with the limit's flag; one
//! that finds no room in the instance pool is answered `503`; the server
//! goes on either way. At most [`ServeOptions::max_concurrent_requests`]
//! guests run at once: further requests wait, in arrival order, for one to
//! finish (they are not refused).
//!
//! The host provides [`witloom_host::Capabilities::serve`]: WASI, the
//! `wasi:http` interfaces of the proxy world (outgoing requests are
//! refused with `HTTP-request-denied`: no network is granted), and
//! `witloom:host/{sql,log}`. Every request gets its own store, and the
//! database behind `sql` is one [`DatabasePool`] for all of them.
//!
//! Logs go through `tracing`: one access line per request (target
//! `witloom::access`), the reason for every failed request, and guests'
//! `witloom:host/log` messages, each inside the span of its request.

mod metrics;
mod reuse;
mod state;
mod timer;

pub use reuse::{DEFAULT_REUSE, Reuse};

use http_body_util::BodyExt;
use hyper::StatusCode;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};
use tracing::Instrument;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, PoolingAllocationConfig, Store};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use witloom_host::Wasi;
use witloom_run::host::{self, DatabasePool};
use witloom_run::{Capabilities, Limits, RunError};

use metrics::{Failure, Metrics};
use state::RequestState;

/// How a server listens and what each request may use.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen; port 0 picks a free one (see [`Server::local_addr`]).
    pub addr: SocketAddr,
    /// How much one request's guest may use.
    pub limits: Limits,
    /// The most requests served at once; the rest wait their turn.
    pub max_concurrent_requests: usize,
    /// The SQLite database `witloom:host/sql` works on, shared by every
    /// request. `None` grants no database.
    pub sqlite: Option<PathBuf>,
    /// A PostgreSQL server instead (`postgres://user@host:port/db`): what
    /// several servers of one app share.
    pub postgres: Option<String>,
    /// The most database connections open at once (requests beyond wait
    /// for one); `None` is one per concurrent request for SQLite, and
    /// [`DEFAULT_POSTGRES_CONNECTIONS`] for PostgreSQL, whose servers
    /// allow about a hundred in all.
    pub db_connections: Option<usize>,
    /// Environment variables every request's guest sees.
    pub env: Vec<(String, String)>,
    /// Skip the compiled-code cache.
    pub no_cache: bool,
    /// Cache compiled code in this directory rather than the user's cache
    /// (the containerd shim's `WITLOOM_CACHE_DIR`).
    pub cache_dir: Option<PathBuf>,
    /// How long shutdown waits for requests in flight before it stops
    /// them; `None` is the request timeout plus a second, or
    /// [`DEFAULT_SHUTDOWN_GRACE`] without one.
    pub shutdown_grace: Option<Duration>,
    /// The largest request body a guest is given, in bytes; `None` is no
    /// limit (the body is streamed to the guest, never held whole).
    pub max_body: Option<u64>,
    /// How long a WASI 0.3 handler's instances live
    /// (`--max-instance-reuse`, `--max-instance-concurrency`,
    /// `--instance-idle-timeout`); `None` fields take
    /// [`DEFAULT_REUSE`]'s, but for the concurrency when a database is
    /// granted, which is 1 (see [`Reuse`]). A WASI 0.2 handler always
    /// gets an instance per request.
    pub reuse: ReuseOptions,
    /// Where to serve Prometheus metrics (`GET /metrics`), on a listener
    /// of its own; `None` serves none ([`metrics`]).
    pub metrics: Option<SocketAddr>,
    /// `--profile`: sample the guests of every request into one profile,
    /// written when the server stops.
    pub profile: Option<witloom_run::ProfileOptions>,
}

/// [`ServeOptions::reuse`]: what the user said, each `None` for the
/// default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReuseOptions {
    pub max_requests: Option<usize>,
    pub concurrency: Option<usize>,
    pub idle: Option<Duration>,
}

impl ReuseOptions {
    /// The reuse a server uses: the defaults where nothing was said, and
    /// one request at a time per instance when a database is granted (an
    /// instance has one connection, which concurrent requests would share
    /// mid-transaction).
    pub fn resolve(self, database: bool) -> Reuse {
        Reuse {
            max_requests: self
                .max_requests
                .unwrap_or(DEFAULT_REUSE.max_requests)
                .max(1),
            concurrency: self
                .concurrency
                .unwrap_or(if database {
                    1
                } else {
                    DEFAULT_REUSE.concurrency
                })
                .max(1),
            idle: self.idle.unwrap_or(DEFAULT_REUSE.idle),
        }
    }
}

/// The default for [`ServeOptions::db_connections`] on PostgreSQL.
pub const DEFAULT_POSTGRES_CONNECTIONS: usize = 10;

/// The default for [`ServeOptions::max_concurrent_requests`].
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 100;

/// How long in-flight requests may take to finish after a shutdown signal
/// when neither `--shutdown-grace` nor `--timeout` says.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How often the epoch ticks: the resolution of `--timeout`, and how long
/// a guest computes before it lets others run.
const TICK: Duration = Duration::from_millis(10);

/// How long a client may take to send a request's head.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            limits: Limits::default(),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            sqlite: None,
            postgres: None,
            db_connections: None,
            env: Vec::new(),
            no_cache: false,
            cache_dir: None,
            shutdown_grace: None,
            max_body: None,
            reuse: ReuseOptions::default(),
            metrics: None,
            profile: None,
        }
    }
}

/// Why a server cannot start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The component cannot be read, compiled or linked, or imports what
    /// is not provided or granted: as for `witloom run`.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The component exports no HTTP handler.
    #[error(
        "the component exports no HTTP handler (`wasi:http/incoming-handler@0.2.x` or `wasi:http/handler@0.3.x`), so it cannot serve HTTP"
    )]
    NotAHandler { exports: String },
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The async runtime or the signal handlers cannot be set up.
    #[error("cannot start the server")]
    Runtime(#[source] std::io::Error),
}

impl ServeError {
    /// This error as a diagnostic about the component at `component`
    /// (see [`RunError::about`]); a socket's failure is not the file's.
    pub fn about(self, component: &Path) -> witloom_diag::Diagnostic {
        match self {
            ServeError::Run(run) => run.about(component),
            ServeError::NotAHandler { .. } => {
                let mut d = witloom_diag::Diagnostic::from(self);
                d.message = format!("{}: {}", component.display(), d.message);
                d
            }
            other => other.into(),
        }
    }
}

impl From<ServeError> for witloom_diag::Diagnostic {
    fn from(e: ServeError) -> Self {
        use witloom_diag::Diagnostic;
        let headline = e.to_string();
        let because =
            |source: &std::io::Error| format!("caused by: {}", witloom_diag::io::reason(source));
        match e {
            ServeError::Run(run) => run.into(),
            ServeError::NotAHandler { exports } => Diagnostic::new(headline)
                .with_note(format!("it exports {exports}"))
                .with_help("run a command with `witloom run`"),
            ServeError::Bind { source, .. } => {
                let d = Diagnostic::new(headline).with_note(because(&source));
                match source.kind() {
                    std::io::ErrorKind::AddrInUse => d.with_help(
                        "another process listens there: pick another --addr (port 0: any free port)",
                    ),
                    std::io::ErrorKind::PermissionDenied => {
                        d.with_help("ports below 1024 need privileges: pick a higher port")
                    }
                    _ => d,
                }
            }
            ServeError::Runtime(source) => Diagnostic::new(headline).with_note(because(&source)),
        }
    }
}

/// A component ready to serve, bound to its address.
pub struct Server {
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    addr: SocketAddr,
    /// `--metrics`: its listener and address.
    metrics: Option<(std::net::TcpListener, SocketAddr)>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// How requests reach guests.
enum Handler {
    /// WASI 0.2: a fresh instance per request (each request's task holds
    /// the pre-instance, shared).
    P2(Arc<ProxyPre<RequestState>>),
    /// WASI 0.3: instances reused ([`reuse`]).
    P3(wasmtime_wasi_http::handler::ProxyHandler<reuse::Workers>),
}

impl Handler {
    fn wasi(&self) -> Wasi {
        match self {
            Handler::P2(_) => Wasi::P2,
            Handler::P3(_) => Wasi::P3,
        }
    }
}

/// What every request's task reads.
struct Shared {
    engine: Engine,
    /// What serves the next request: replaced whole by [`Reloader::swap`]
    /// (requests in flight keep the one they started on).
    handler: std::sync::RwLock<Arc<Handler>>,
    /// What a swapped-in component is checked and set up with, as the
    /// first was.
    reuse: Reuse,
    no_cache: bool,
    limits: Limits,
    grace: Duration,
    env: Vec<(String, String)>,
    db: Option<Arc<DatabasePool>>,
    max_body: Option<u64>,
    permits: Arc<Semaphore>,
    next_id: AtomicU64,
    /// Guests running now (their tasks can outlive their connections).
    guests: Guests,
    /// Set when shutdown's grace is over: every guest stops at its next
    /// tick.
    stopping: Arc<AtomicBool>,
    /// Set when shutdown begins.
    closing: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
    /// `--profile`: where it goes, and the samples so far.
    profile: Option<(witloom_run::ProfileOptions, Profiler)>,
}

/// The one profile of a server's guests, which every store's epoch
/// callback samples into; taken out once the server has stopped.
type Profiler = Arc<std::sync::Mutex<Option<witloom_run::Sampler>>>;

/// How many guest tasks are running, and a way to wait for none.
#[derive(Default)]
struct Guests {
    running: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
}

impl Guests {
    async fn none_running(&self) {
        loop {
            let idle = self.idle.notified();
            if self.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// One running guest; dropping it (however its task ends) counts it out.
struct GuestGuard(Arc<Shared>);

impl GuestGuard {
    fn enter(shared: &Arc<Shared>) -> GuestGuard {
        shared.guests.running.fetch_add(1, Ordering::SeqCst);
        GuestGuard(shared.clone())
    }
}

impl Drop for GuestGuard {
    fn drop(&mut self) {
        if self.0.guests.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.guests.idle.notify_waiters();
        }
    }
}

/// A guest stopped because the server shut down before it finished.
#[derive(Debug, thiserror::Error)]
#[error("stopped: the server shut down before the guest finished")]
struct ShutDown;

impl Server {
    /// Compiles and links the component at `path`, opens the granted
    /// database and binds `opts.addr`: everything that can fail before a
    /// request arrives fails here.
    pub fn new(path: &Path, opts: &ServeOptions) -> Result<Server, ServeError> {
        let bytes = witloom_diag::io::read(path).map_err(RunError::from)?;
        Server::from_bytes(path, &bytes, opts)
    }

    /// [`Server::new`] for a component already in memory (a host that
    /// was handed its bytes, such as the containerd shim); `path` names it
    /// in errors and is not read.
    pub fn from_bytes(
        path: &Path,
        bytes: &[u8],
        opts: &ServeOptions,
    ) -> Result<Server, ServeError> {
        let on_demand = || {
            Engine::new(&config(opts, false)).map_err(|e| RunError::Engine {
                what: "configure wasmtime",
                source: e.into_boxed_dyn_error(),
            })
        };
        let cache = witloom_run::cache_for(opts.no_cache, opts.cache_dir.as_deref());
        let load = |engine: &Engine| witloom_run::load_in(engine, path, bytes, cache.as_ref());
        let (engine, component) = match Engine::new(&config(opts, true)) {
            Ok(pooled) => match load(&pooled) {
                Ok(component) => (pooled, component),
                // The pool's slots have fixed sizes (memories, tables,
                // instance data) that a component may exceed and still run
                // when its instances are allocated on demand.
                Err(why) => {
                    let engine = on_demand()?;
                    let component = load(&engine)?;
                    tracing::info!(
                        "not using the pooling allocator: the component does not fit its slots ({}); allocating each instance on demand",
                        witloom_diag::one_line(&why)
                    );
                    (engine, component)
                }
            },
            Err(e) => {
                tracing::info!(
                    "not using the pooling allocator ({e:#}); allocating each instance on demand"
                );
                let engine = on_demand()?;
                let component = load(&engine)?;
                (engine, component)
            }
        };
        let database = opts.sqlite.is_some() || opts.postgres.is_some();
        let connections = opts.db_connections.unwrap_or(if opts.postgres.is_some() {
            DEFAULT_POSTGRES_CONNECTIONS
        } else {
            opts.max_concurrent_requests
        });
        let db = witloom_run::grant_database(
            opts.sqlite.as_deref(),
            opts.postgres.as_deref(),
            connections,
        )?;
        let listener =
            std::net::TcpListener::bind(opts.addr).map_err(|source| ServeError::Bind {
                addr: opts.addr,
                source,
            })?;
        listener
            .set_nonblocking(true)
            .map_err(ServeError::Runtime)?;
        let addr = listener.local_addr().map_err(ServeError::Runtime)?;
        let metrics_listener = match opts.metrics {
            Some(at) => {
                let l = std::net::TcpListener::bind(at)
                    .map_err(|source| ServeError::Bind { addr: at, source })?;
                l.set_nonblocking(true).map_err(ServeError::Runtime)?;
                let bound = l.local_addr().map_err(ServeError::Runtime)?;
                Some((l, bound))
            }
            None => None,
        };
        let metrics = Arc::new(Metrics::default());
        let stopping = Arc::new(AtomicBool::new(false));
        let closing = Arc::new(AtomicBool::new(false));
        let reuse = opts.reuse.resolve(database);
        let profile = match &opts.profile {
            Some(profile) => {
                let sampler = witloom_run::Sampler::new(&engine, &component, profile, None)?;
                Some((
                    profile.clone(),
                    Arc::new(std::sync::Mutex::new(Some(sampler))),
                ))
            }
            None => None,
        };
        let handler = handler_for(
            &engine,
            &component,
            HandlerParts {
                limits: &opts.limits,
                env: &opts.env,
                db: db.as_ref(),
                reuse,
                stopping: &stopping,
                closing: &closing,
                metrics: &metrics,
                profiler: profile.as_ref().map(|(_, p)| p),
            },
        )?;
        Ok(Server {
            shared: Arc::new(Shared {
                engine,
                handler: std::sync::RwLock::new(Arc::new(handler)),
                reuse,
                no_cache: opts.no_cache,
                limits: opts.limits.clone(),
                grace: opts.shutdown_grace.unwrap_or_else(|| {
                    opts.limits
                        .timeout
                        .map_or(DEFAULT_SHUTDOWN_GRACE, |t| t + Duration::from_secs(1))
                }),
                env: opts.env.clone(),
                db,
                max_body: opts.max_body,
                permits: Arc::new(Semaphore::new(opts.max_concurrent_requests.max(1))),
                next_id: AtomicU64::new(1),
                guests: Guests::default(),
                stopping,
                closing,
                metrics,
                profile,
            }),
            listener,
            addr,
            metrics: metrics_listener,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where its metrics are served (`--metrics`), if they are.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr)| *addr)
    }

    /// A handle that swaps the served component while the server runs.
    pub fn reloader(&self) -> Reloader {
        Reloader {
            shared: self.shared.clone(),
        }
    }

    /// Serves until `shutdown` completes; then stops accepting, lets the
    /// requests in flight finish (for at most
    /// [`ServeOptions::shutdown_grace`]), stops the guests still running,
    /// and returns. Call it inside a
    /// multi-threaded tokio runtime.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let listener =
            tokio::net::TcpListener::from_std(self.listener).map_err(ServeError::Runtime)?;
        // Epoch ticks: `--timeout`'s, or `--profile`'s samples (the
        // shorter interval when both).
        let profile_every = self.shared.profile.as_ref().map(|(p, _)| p.interval);
        let every = match (self.shared.limits.timeout, profile_every) {
            (None, None) => None,
            (Some(_), None) => Some(TICK),
            (None, Some(p)) => Some(p),
            (Some(_), Some(p)) => Some(p.min(TICK)),
        };
        let ticker = every.map(|every| Ticker::start(self.shared.engine.clone(), every));
        let exposition = match self.metrics {
            Some((listener, _)) => Some(tokio::spawn(serve_metrics(
                tokio::net::TcpListener::from_std(listener).map_err(ServeError::Runtime)?,
                self.shared.clone(),
            ))),
            None => None,
        };
        let (stop, stopping) = watch::channel(false);
        let mut connections = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            // Out of file descriptors and the like: wait a
                            // little rather than spin.
                            tracing::warn!("cannot accept a connection: {e}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    // No Nagle: a response's head, its body's chunks and
                    // its end go out as the guest writes them, not 40 ms
                    // later behind a delayed ACK (a streamed body is many
                    // small writes).
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::debug!("cannot set TCP_NODELAY for {peer}: {e}");
                    }
                    connections.spawn(connection(self.shared.clone(), stream, peer, stopping.clone()));
                }
                // Reap finished connections as we go, so the set stays small.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        self.shared.closing.store(true, Ordering::SeqCst);
        let in_flight = connections.len();
        tracing::info!("shutting down: {in_flight} connection(s) open");
        let _ = stop.send(true);
        let grace = self.shared.grace;
        let shared = self.shared.clone();
        let drained = tokio::time::timeout(grace, async {
            while connections.join_next().await.is_some() {}
            shared.guests.none_running().await;
        })
        .await;
        if drained.is_err() {
            let guests = self.shared.guests.running.load(Ordering::SeqCst);
            tracing::warn!(
                "after {}s, {} connection(s) are still open and {guests} guest(s) running; stopping them",
                grace.as_secs(),
                connections.len(),
            );
            // Guests stop at their next tick (or SQL statement); give
            // them a moment to unwind, then close what is left.
            self.shared.stopping.store(true, Ordering::SeqCst);
            let _ = tokio::time::timeout(Duration::from_secs(2), self.shared.guests.none_running())
                .await;
            // Abort what is left, waiting only briefly: a task queued on a
            // worker that a guest still occupies would never be reaped.
            connections.abort_all();
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                while connections.join_next().await.is_some() {}
            })
            .await;
        }
        drop(ticker);
        if let Some(exposition) = exposition {
            exposition.abort();
        }
        if let Some((profile, profiler)) = &self.shared.profile {
            let sampler = profiler
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(sampler) = sampler {
                sampler.finish(profile)?;
            }
        }
        Ok(())
    }
}

/// Swaps the component a running [`Server`] serves (`witloom dev`).
#[derive(Clone)]
pub struct Reloader {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader").finish_non_exhaustive()
    }
}

impl Reloader {
    /// Compiles, checks and links the component `bytes`, read from `path`, as
    /// [`Server::new`] did the first (same engine, limits, grants and
    /// reuse), then makes it serve every request that arrives from now on.
    /// Requests in flight finish on the component they started on; WASI
    /// 0.3 instances of the old one end once their requests are done.
    /// Anything that fails leaves the old component serving. Blocks while
    /// it compiles: call it off the server's runtime.
    pub fn swap(&self, path: &Path, bytes: &[u8]) -> Result<Wasi, ServeError> {
        let shared = &self.shared;
        let component = witloom_run::load(&shared.engine, path, bytes, shared.no_cache)?;
        let handler = handler_for(
            &shared.engine,
            &component,
            HandlerParts {
                limits: &shared.limits,
                env: &shared.env,
                db: shared.db.as_ref(),
                reuse: shared.reuse,
                stopping: &shared.stopping,
                closing: &shared.closing,
                metrics: &shared.metrics,
                profiler: shared.profile.as_ref().map(|(_, p)| p),
            },
        )?;
        let wasi = handler.wasi();
        *shared
            .handler
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(handler);
        Ok(wasi)
    }
}

/// What a [`Handler`] is made with besides its component.
struct HandlerParts<'a> {
    limits: &'a Limits,
    env: &'a [(String, String)],
    db: Option<&'a Arc<DatabasePool>>,
    reuse: Reuse,
    stopping: &'a Arc<AtomicBool>,
    closing: &'a Arc<AtomicBool>,
    metrics: &'a Arc<Metrics>,
    profiler: Option<&'a Profiler>,
}

/// Checks that `component` is an HTTP handler the host can serve (its
/// imports granted) and links it into the [`Handler`] of its WASI.
fn handler_for(
    engine: &Engine,
    component: &Component,
    parts: HandlerParts<'_>,
) -> Result<Handler, ServeError> {
    let wasi = check_handler(engine, component)?;
    let imported =
        witloom_run::check_imports(engine, component, Capabilities::serve(), parts.db.is_some())?;
    let pre = link(engine, component, imported.wasi_0_3)?;
    let the_component = |e: wasmtime::Error| RunError::Link {
        what: "the component",
        source: e.into_boxed_dyn_error(),
    };
    Ok(match wasi {
        Wasi::P2 => Handler::P2(Arc::new(ProxyPre::new(pre).map_err(the_component)?)),
        Wasi::P3 => {
            let pre =
                wasmtime_wasi_http::p3::bindings::ServicePre::new(pre).map_err(the_component)?;
            Handler::P3(wasmtime_wasi_http::handler::ProxyHandler::new(
                reuse::Workers {
                    engine: engine.clone(),
                    pre: wasmtime_wasi_http::handler::ProxyPre::P3(pre),
                    limits: parts.limits.clone(),
                    env: parts.env.to_vec(),
                    db: parts.db.cloned(),
                    reuse: parts.reuse,
                    stopping: parts.stopping.clone(),
                    closing: parts.closing.clone(),
                    next_instance: AtomicU64::new(1),
                    metrics: parts.metrics.clone(),
                    profiler: parts.profiler.cloned(),
                },
            ))
        }
    })
}

/// Serves `GET /metrics` ([`metrics`]) on `listener` until aborted: the
/// counts of `shared`, and of its database.
async fn serve_metrics(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: hyper::Request<_>| {
                let found = req.method() == hyper::Method::GET && req.uri().path() == "/metrics";
                let response = if found {
                    let text = shared.metrics.render(shared.db.as_deref());
                    hyper::Response::builder()
                        .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
                        .body(http_body_util::Full::new(bytes::Bytes::from(text)))
                } else {
                    hyper::Response::builder()
                        .status(StatusCode::NOT_FOUND)
                        .body(http_body_util::Full::new(bytes::Bytes::from_static(
                            b"metrics are at GET /metrics\n",
                        )))
                };
                async move { response }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(timer::TokioTimer)
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(wasmtime_wasi_http::io::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Serves `path` until SIGINT or SIGTERM, on a runtime of its own; calls
/// `ready` with the address once it listens.
pub fn serve(
    path: &Path,
    opts: &ServeOptions,
    ready: impl FnOnce(&Server),
) -> Result<(), ServeError> {
    serve_until(path, opts, ready, None)
}

/// A future that stops a server: [`serve_until`]'s alternative to signals.
pub type Stop = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// [`serve`], stopped by `stop` when given (whoever holds it handles the
/// signals) rather than by SIGINT and SIGTERM.
pub fn serve_until(
    path: &Path,
    opts: &ServeOptions,
    ready: impl FnOnce(&Server),
    stop: Option<Stop>,
) -> Result<(), ServeError> {
    Server::new(path, opts)?.serve(ready, stop)
}

impl Server {
    /// Serves until `stop` completes or, without one, until SIGINT or
    /// SIGTERM, on a runtime of its own; calls `ready` once it listens.
    pub fn serve(self, ready: impl FnOnce(&Server), stop: Option<Stop>) -> Result<(), ServeError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        let server = self;
        let result = runtime.block_on(async move {
            let stop: Stop = match stop {
                Some(stop) => stop,
                // The handlers first: a signal right after the ready line must
                // find them (or it would kill the process outright).
                None => Box::pin(shutdown_signal().map_err(ServeError::Runtime)?),
            };
            ready(&server);
            server.run(stop).await
        });
        // A thread still blocked in host code (a SQL statement finishing)
        // does not hold the process up for long.
        runtime.shutdown_timeout(Duration::from_secs(5));
        result
    }
}

/// Completes on the first SIGINT or SIGTERM; a second one exits at once
/// (status 130), whatever is still running.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => tracing::info!("SIGINT received; finishing the requests in flight (again to exit at once)"),
            _ = term.recv() => tracing::info!("SIGTERM received; finishing the requests in flight (again to exit at once)"),
        }
        tokio::spawn(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            tracing::warn!("a second signal: exiting now");
            std::process::exit(130);
        });
    })
}

/// An engine's configuration for serving: the limits' settings and, when
/// `pooled`, the pooling allocator sized for the concurrency.
fn config(opts: &ServeOptions, pooled: bool) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // With a timeout, epochs also let each guest yield to the others at
    // every tick, and shutdown stop a guest that would not end. Without
    // one, no epoch checks are compiled in (what `wasmtime serve` does):
    // they cost throughput on every request.
    opts.limits.configure(&mut config);
    if opts.profile.is_some() {
        // Each epoch tick is a sample.
        config.epoch_interruption(true);
    }
    if !pooled {
        return config;
    }
    let n = u32::try_from(opts.max_concurrent_requests.max(1)).unwrap_or(u32::MAX);
    let mut pool = PoolingAllocationConfig::default();
    // A composed app is several core instances, each with its memory and
    // table; allow ten per request before the pool runs dry (a request
    // that finds it dry is answered 503).
    let cores = n.saturating_mul(10).max(1000);
    pool.total_component_instances(n.max(1000))
        .total_core_instances(cores)
        .total_memories(cores)
        .total_tables(cores)
        .total_stacks(n.max(1000));
    if let Some(max) = opts.limits.max_memory {
        // Reserve no more than a guest may have (rounded up to pages); the
        // limiter refuses growth past it first, naming `--max-memory`.
        pool.max_memory_size(max.div_ceil(1 << 16).saturating_mul(1 << 16));
    }
    config.allocation_strategy(pool);
    config
}

/// The WASI of the HTTP handler a component exports (what a component
/// is, `witloom_host::Entry` decides); anything else is refused, listing
/// what it exports instead.
fn check_handler(engine: &Engine, component: &Component) -> Result<Wasi, ServeError> {
    if let Some(witloom_host::Entry::Http(wasi)) = witloom_run::entry(engine, component) {
        return Ok(wasi);
    }
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    Err(ServeError::NotAHandler {
        exports: if exports.is_empty() {
            "nothing".to_string()
        } else {
            exports
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}

/// WASI, `wasi:http` and witloom's host, linked once: WASI 0.2 always
/// (language runtimes import it), WASI 0.3 when the component imports it.
fn link(
    engine: &Engine,
    component: &Component,
    wasi_0_3: bool,
) -> Result<wasmtime::component::InstancePre<RequestState>, RunError> {
    let link = |what: &'static str| {
        move |e: wasmtime::Error| RunError::Link {
            what,
            source: e.into_boxed_dyn_error(),
        }
    };
    let mut linker: Linker<RequestState> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(link("WASI"))?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
        .map_err(link("wasi:http"))?;
    if wasi_0_3 {
        wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(link("WASI 0.3"))?;
        wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(link("wasi:http 0.3"))?;
    }
    host::add_to_linker(&mut linker, |s: &mut RequestState| &mut s.host)
        .map_err(link("witloom:host"))?;
    linker
        .instantiate_pre(component)
        .map_err(link("the component"))
}

/// One client connection: HTTP/1.1 with keep-alive, closed gracefully when
/// the server stops.
async fn connection(
    shared: Arc<Shared>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    mut stopping: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, std::convert::Infallible>(shared.handle(req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        // A client gets this long to send a request's head (slow-header
        // clients would otherwise hold their connections forever).
        .timer(timer::TokioTimer)
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(wasmtime_wasi_http::io::TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = async { let _ = stopping.wait_for(|s| *s).await; } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!("connection from {peer}: {e}");
    }
}

/// Why a request got no answer from its guest.
struct Unanswered {
    status: StatusCode,
}

/// A response's body: a 0.2 guest's, a 0.3 guest's, or the server's own.
type Body = http_body_util::Either<HyperOutgoingBody, wasmtime_wasi_http::WasiBody>;

impl Shared {
    /// Answers one request and logs it.
    async fn handle(
        self: Arc<Self>,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Body> {
        use http_body_util::Either;
        let start = Instant::now();
        let arrival = self.metrics.arrived();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let span = tracing::info_span!("request", id);
        let handler = self
            .handler
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let response = match &*handler {
            Handler::P2(pre) => self
                .dispatch(pre.clone(), req, span.clone())
                .await
                .map(|r| r.map(Either::Left)),
            Handler::P3(handler) => self
                .dispatch_p3(handler, id, req, span.clone())
                .await
                .map(|r| r.map(Either::Right)),
        };
        let response = match response {
            Ok(response) => response,
            Err(Unanswered { status }) => plain(status).map(Either::Left),
        };
        let status = response.status();
        let elapsed = start.elapsed();
        arrival.answered(status.as_u16(), elapsed);
        tracing::info!(
            target: "witloom::access",
            parent: &span,
            %method,
            %path,
            status = status.as_u16(),
            duration = %format_args!("{:.1}ms", elapsed.as_secs_f64() * 1000.0),
        );
        response
    }

    /// Runs the guest on a fresh instance and waits for the response it
    /// sets. The guest runs in a task of its own, holding its concurrency
    /// permit, so it can go on streaming the body after the head is sent.
    async fn dispatch(
        self: &Arc<Self>,
        pre: Arc<ProxyPre<RequestState>>,
        req: hyper::Request<hyper::body::Incoming>,
        span: tracing::Span,
    ) -> Result<hyper::Response<HyperOutgoingBody>, Unanswered> {
        let req = self.bounded(req, &span, ErrorCode::from, |max| {
            ErrorCode::HttpRequestBodySize(Some(max))
        })?;
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let mut store = self.store();
        let (tx, rx) = tokio::sync::oneshot::channel();
        // What wasi:http cannot represent (no authority and no `Host`, a
        // `Host` that is not text) is the client's mistake.
        let req = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .map_err(|e| {
                tracing::debug!(parent: &span, "a request wasi:http cannot take: {e:#}");
                Unanswered {
                    status: StatusCode::BAD_REQUEST,
                }
            })?;
        let out = store
            .data_mut()
            .http()
            .new_response_outparam(tx)
            .map_err(|e| {
                tracing::error!(parent: &span, "cannot set up the response: {e:#}");
                Unanswered {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                }
            })?;
        let shared = self.clone();
        let guard = GuestGuard::enter(self);
        let guest = async move {
            let _permit = permit;
            let _guard = guard;
            let mut instantiated = false;
            let run = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                shared.metrics.instance_started();
                shared.metrics.instance_took_request();
                instantiated = true;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
            };
            let result = match shared.limits.timeout {
                // The epoch stops a guest that computes; this stops one
                // that waits (for a body that never comes, say).
                Some(t) => tokio::time::timeout(t, run)
                    .await
                    .unwrap_or_else(|_| Err(wasmtime::Error::new(wasmtime::Trap::Interrupt))),
                None => run.await,
            };
            // A request that fails after a commit of its own leaves that
            // write in place: the log says so, for the client that sees a
            // 500 and may retry.
            let committed = store.data().host.activity().committed;
            let kept = if committed {
                " (its SQL writes had committed, and they stay)"
            } else {
                ""
            };
            // The status to answer with when the guest set no response;
            // the reason is logged here, once.
            // How the instance ended, or why there was none.
            let ended = |failure: Option<Failure>| match (instantiated, failure) {
                (true, failure) => shared.metrics.instance_ended(failure),
                (false, Some(failure)) => shared.metrics.failed(failure),
                (false, None) => {}
            };
            result
                .map_err(|e| {
                    if e.is::<wasmtime::PoolConcurrencyLimitError>() {
                        tracing::warn!("no room for another instance: {e}");
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    if e.is::<ShutDown>() {
                        // The wasm backtrace wrapped around it says nothing
                        // more about why.
                        tracing::warn!("{ShutDown}{kept}");
                        ended(Some(Failure::Shutdown));
                    } else {
                        let error = shared.limits.explain(e);
                        ended(Some(if instantiated {
                            Failure::of(&error)
                        } else {
                            Failure::Instantiate
                        }));
                        tracing::warn!(
                            "the guest failed{kept}: {}",
                            witloom_diag::one_line(&error)
                        );
                    }
                    StatusCode::INTERNAL_SERVER_ERROR
                })
                .inspect(|()| ended(None))
        }
        .instrument(span.clone());
        let task = tokio::spawn(guest);
        match rx.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => {
                tracing::warn!(parent: &span, "the guest answered with an error: {code:?}");
                Err(Unanswered {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                })
            }
            // The guest dropped the response without setting it: it
            // failed (already logged), or returned without answering.
            Err(_) => match task.await {
                Ok(Ok(())) => {
                    tracing::warn!(parent: &span, "the guest returned without setting a response");
                    Err(Unanswered {
                        status: StatusCode::INTERNAL_SERVER_ERROR,
                    })
                }
                Ok(Err(status)) => Err(Unanswered { status }),
                Err(e) => {
                    tracing::error!(parent: &span, "the request's task failed: {e}");
                    Err(Unanswered {
                        status: StatusCode::INTERNAL_SERVER_ERROR,
                    })
                }
            },
        }
    }

    /// A request whose body is held to `--max-body`, its errors as the
    /// guest's WASI sees them (`error`, and `too_large` of the limit). A
    /// body declared too large is refused before a guest runs; one that
    /// turns out too large on the way (chunked, or a lying length) is cut
    /// at the limit, and the guest's read of it fails.
    fn bounded<E: 'static>(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
        span: &tracing::Span,
        error: fn(hyper::Error) -> E,
        too_large: fn(u64) -> E,
    ) -> Result<
        hyper::Request<http_body_util::combinators::UnsyncBoxBody<bytes::Bytes, E>>,
        Unanswered,
    > {
        let Some(max) = self.max_body else {
            return Ok(req.map(|body| body.map_err(error).boxed_unsync()));
        };
        let declared = req
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max) {
            tracing::debug!(parent: span, "a body of {declared:?} bytes, over --max-body");
            return Err(Unanswered {
                status: StatusCode::PAYLOAD_TOO_LARGE,
            });
        }
        let limit = usize::try_from(max).unwrap_or(usize::MAX);
        Ok(req.map(|body| {
            http_body_util::Limited::new(body, limit)
                .map_err(move |e| match e.downcast::<hyper::Error>() {
                    Ok(e) => error(*e),
                    // Limited's only other error: the limit.
                    Err(_) => too_large(max),
                })
                .boxed_unsync()
        }))
    }

    /// Hands the request to a WASI 0.3 instance ([`reuse`]) and waits for
    /// its response's head; the body streams from the instance after. A
    /// request that gets no response is answered here, its reason logged.
    async fn dispatch_p3(
        self: &Arc<Self>,
        handler: &wasmtime_wasi_http::handler::ProxyHandler<reuse::Workers>,
        id: u64,
        req: hyper::Request<hyper::body::Incoming>,
        span: tracing::Span,
    ) -> Result<hyper::Response<wasmtime_wasi_http::WasiBody>, Unanswered> {
        use wasmtime_wasi_http::handler::{ExpirationError, InstantiationError, TrapOrPanicError};
        let req = self.bounded(req, &span, wasmtime_wasi_http::Error::Hyper, |max| {
            wasmtime_wasi_http::Error::HttpRequestBodySize(Some(max))
        })?;
        let _permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let _guard = GuestGuard::enter(self);
        let e = match handler.handle(id, req).instrument(span.clone()).await {
            Ok(response) => return Ok(response),
            Err(e) => e,
        };
        let failed = |status| Err(Unanswered { status });
        if e.is::<ExpirationError>() {
            let after = self.limits.timeout.map_or(String::new(), |t| {
                format!(" (--timeout {}ms)", t.as_millis())
            });
            tracing::warn!(parent: &span, "the guest did not answer in time{after}");
            return failed(StatusCode::INTERNAL_SERVER_ERROR);
        }
        let e = match e.downcast::<InstantiationError<u64>>() {
            Ok(i) => {
                if i.error.is::<wasmtime::PoolConcurrencyLimitError>() {
                    tracing::warn!(parent: &span, "no room for another instance: {}", i.error);
                    return failed(StatusCode::SERVICE_UNAVAILABLE);
                }
                // The error itself, for `explain` to classify by its type,
                // unless other queued requests share it.
                let error = Arc::try_unwrap(i.error)
                    .unwrap_or_else(|shared| wasmtime::format_err!("{shared:?}"));
                tracing::warn!(
                    parent: &span,
                    "the guest failed as it was instantiated: {}",
                    witloom_diag::one_line(&self.limits.explain(error))
                );
                return failed(StatusCode::INTERNAL_SERVER_ERROR);
            }
            Err(e) => e,
        };
        if e.is::<TrapOrPanicError>() {
            // Its instance's end is logged with the reason.
            tracing::warn!(parent: &span, "the guest's instance failed before it answered");
            return failed(StatusCode::INTERNAL_SERVER_ERROR);
        }
        if let Some(code) =
            e.downcast_ref::<wasmtime_wasi_http::p3::bindings::http::types::ErrorCode>()
        {
            tracing::warn!(parent: &span, "the guest answered with an error: {code:?}");
            return failed(StatusCode::INTERNAL_SERVER_ERROR);
        }
        tracing::warn!(
            parent: &span,
            "the guest failed: {}",
            witloom_diag::one_line(&self.limits.explain(e))
        );
        failed(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// A fresh store for one request, with the per-request limits.
    fn store(&self) -> Store<RequestState> {
        let deadline = self.limits.timeout.map(|t| Instant::now() + t);
        let store = Store::new(
            &self.engine,
            RequestState::new(&self.env, self.db.clone(), self.limits.max_memory, deadline),
        );
        limited(
            store,
            &self.limits,
            &self.stopping,
            deadline,
            self.profile.as_ref().map(|(_, p)| p),
        )
    }
}

/// `store` with `limits` applied: its memory limiter and fuel, and (when
/// `--timeout` turns epoch ticks on) at every tick: a stop if the server
/// is shutting down or `deadline` has passed, else a yield to the other
/// tasks before the guest goes on.
fn limited(
    mut store: Store<RequestState>,
    limits: &Limits,
    stopping: &Arc<AtomicBool>,
    deadline: Option<Instant>,
    profiler: Option<&Profiler>,
) -> Store<RequestState> {
    store.limiter(|s| &mut s.limits);
    if let Some(fuel) = limits.fuel {
        // Only fails when fuel is not configured, and it is.
        let _ = store.set_fuel(fuel);
    }
    if limits.timeout.is_none() && profiler.is_none() {
        return store;
    }
    let stopping = stopping.clone();
    let profiler = profiler.cloned();
    let timed = limits.timeout.is_some();
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |ctx| {
        if let Some(profiler) = &profiler
            && let Some(sampler) = profiler
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_mut()
        {
            sampler.sample(&ctx);
        }
        if !timed {
            return Ok(wasmtime::UpdateDeadline::Continue(1));
        }
        if stopping.load(Ordering::Relaxed) {
            return Err(wasmtime::Error::new(ShutDown));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(wasmtime::UpdateDeadline::Interrupt);
        }
        Ok(wasmtime::UpdateDeadline::YieldCustom(
            1,
            Box::pin(tokio::task::yield_now()),
        ))
    });
    store
}

/// A response with only a status line's text as its body.
fn plain(status: StatusCode) -> hyper::Response<HyperOutgoingBody> {
    let text = format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    let body = http_body_util::Full::new(bytes::Bytes::from(text))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = hyper::Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Advances the engine's epoch every [`TICK`] while the server runs, so
/// that each request's deadline (in ticks) interrupts its guest.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine, every: Duration) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(every);
                engine.increment_epoch();
            }
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
