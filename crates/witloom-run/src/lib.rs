//! Running components on wasmtime 48 with WASI 0.2 and 0.3, granting
//! nothing by default: no directories, no environment, only the standard
//! streams.
//!
//! [`run`] either runs a `wasi:cli/run` command (0.2's or 0.3's) or, with
//! [`RunOptions::invoke`], calls one export with WAVE-encoded arguments and
//! returns its result in WAVE. Every call is made as wasmtime's own `run`
//! makes it: asynchronously, on a tokio runtime of one thread, with the
//! store's component-model concurrency on, so that an `async func`, a
//! `stream` or a `future` (WASI 0.3, or an app's own) works the same
//! whether the host or another component calls it. A guest whose every
//! task waits for something nothing will deliver is stopped as a deadlock
//! rather than left to hang. Limits (memory, time, fuel, stack) turn a
//! hostile or buggy guest into an error that names the limit. Compiled code
//! is cached by content and engine settings (see [`cache`]) and instantiated
//! through `InstancePre`.

pub mod cache;
pub mod host;
mod invoke;
mod limits;
mod profile;

pub use host::IN_MEMORY;
pub use limits::{
    Limits, MemoryLimit, MemoryLimiter, ParseLimitError, Timer, WASM_STACK_RANGE, parse_duration,
    parse_size, parse_wasm_stack,
};
pub use profile::{ProfileOptions, Sampler};
pub use witloom_host::{Capabilities, Grant, NotProvided};

use std::path::{Path, PathBuf};
use wasmtime::component::{Component, InstancePre, Linker, ResourceTable, Val};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxView, WasiView};
use witloom_diag::{Cause, IoError};

/// What the guest may use, and how much.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// `(host directory, guest path)` preopens.
    pub dirs: Vec<(PathBuf, String)>,
    /// Environment variables the guest sees.
    pub env: Vec<(String, String)>,
    /// Call this export (`name(args…)` in WAVE) instead of `wasi:cli/run`.
    pub invoke: Option<String>,
    /// How much the whole run may use.
    pub limits: Limits,
    /// The largest result `--invoke` accepts from the guest (bytes of
    /// strings and list elements); `None` is [`DEFAULT_MAX_RESULT`]. The
    /// host copies a result out of the guest, so a guest could otherwise
    /// make the host hold and print anything its own memory can hold.
    pub max_result: Option<usize>,
    /// The SQLite database `witloom:host/sql` works on: a file (created
    /// if missing) or [`IN_MEMORY`]. `None` grants no database, and a
    /// component importing `sql` is refused at link time.
    pub sqlite: Option<PathBuf>,
    /// A PostgreSQL server for `witloom:host/sql` instead
    /// (`postgres://user@host:port/db`).
    pub postgres: Option<String>,
    /// Skip the compiled-code cache.
    pub no_cache: bool,
    /// Sample the guest and write its profile (`--profile OUT`).
    pub profile: Option<ProfileOptions>,
}

/// The database `witloom:host/sql` is granted, for up to `max` stores at
/// once: a SQLite file (or in memory), or a PostgreSQL server; none when
/// neither is given. `run` and `serve` both open it here.
pub fn grant_database(
    sqlite: Option<&std::path::Path>,
    postgres: Option<&str>,
    max: usize,
) -> Result<Option<std::sync::Arc<host::DatabasePool>>, RunError> {
    match (sqlite, postgres) {
        (Some(_), Some(_)) => Err(RunError::TwoDatabases),
        (Some(path), None) => host::DatabasePool::open(path, max)
            .map(Some)
            .map_err(|source| RunError::Database {
                what: format!("open the database `{}`", path.display()),
                source,
            }),
        (None, Some(url)) => host::DatabasePool::open_postgres(url, max)
            .map(Some)
            .map_err(|source| RunError::Database {
                what: format!("connect to PostgreSQL at `{}`", host::redact(url)),
                source,
            }),
        (None, None) => Ok(None),
    }
}

/// Guests' `witloom:host/log` messages and the host's own log to stderr
/// through `tracing`, filtered by `filter` (a `WITLOOM_LOG` value: a level,
/// or a level and per-target ones as `RUST_LOG` takes them,
/// `info,witloom::sql=debug`; default, or unparsable: info). Colours only
/// on a terminal. A second call changes nothing.
pub fn log_to_stderr(filter: Option<&str>) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = filter
        .and_then(|l| l.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .with(filter)
        .try_init();
}

/// The default for [`RunOptions::max_result`]: 16 MiB.
pub const DEFAULT_MAX_RESULT: usize = 16 << 20;

/// How a run ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A command finished with this exit code (0: `run` returned ok).
    Exited(i32),
    /// An invoked export returned this (WAVE; empty when it returns
    /// nothing).
    Returned(String),
}

/// Why a run failed. Each variant's message is the headline; a foreign
/// failure (wasmtime's, the database's) is kept as its `source`, and what
/// to do is said in the [`Diagnostic`](witloom_diag::Diagnostic) it
/// converts into.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The component's file cannot be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The file is not a component: a core module, or not wasm at all.
    #[error("`{}` is {}", .path.display(), if *.core_module { "a core wasm module, not a component" } else { "not a WebAssembly component" })]
    NotAComponent { path: PathBuf, core_module: bool },
    /// wasmtime rejects the component.
    #[error("`{}` is not a valid component", .path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: Cause,
    },
    /// The component imports what the host does not provide.
    #[error("the component imports `{import}`, which `{}` does not provide ({why})", .host.host)]
    NotProvided {
        import: String,
        why: Box<NotProvided>,
        host: &'static Capabilities,
    },
    /// The component imports a capability that must be granted, and was
    /// not.
    #[error("the component imports `{import}` but no database was granted")]
    NotGranted { import: String, grant: Grant },
    /// Linking failed although every import is provided (their types
    /// differ from the host's): `what` was being linked.
    #[error("cannot link {what}")]
    Link {
        what: &'static str,
        #[source]
        source: Cause,
    },
    /// No `wasi:cli/run` to run.
    #[error("the component does not export `wasi:cli/run`, so it is not a command")]
    NotACommand,
    /// An HTTP handler: a server calls it per request (`witloom serve`).
    #[error("the component is {}, which a server answers requests with: it is not a command", .entry.describe())]
    Handler { entry: witloom_host::Entry },
    /// Two databases were granted.
    #[error("two databases were granted: a SQLite database and a PostgreSQL server")]
    TwoDatabases,
    /// The granted database cannot be opened or reached (`what` was being
    /// done: "open the database `x`").
    #[error("cannot {what}")]
    Database {
        what: String,
        #[source]
        source: host::DatabaseError,
    },
    /// A `--dir` cannot be granted.
    #[error("cannot open `{}` for --dir", .dir.display())]
    Preopen {
        dir: PathBuf,
        #[source]
        source: Cause,
    },
    /// wasmtime cannot be configured as asked (`what`: the step).
    #[error("cannot {what}")]
    Engine {
        what: &'static str,
        #[source]
        source: Cause,
    },
    /// A limit was reached: which (its flag), and how.
    #[error("{detail} ({limit})")]
    Limit { limit: &'static str, detail: String },
    /// The guest called `exit` with a code (where a code is not a result).
    #[error("the guest exited with code {0}")]
    Exited(i32),
    /// The guest trapped: wasmtime's trap and backtrace are the source.
    #[error("the guest trapped")]
    Trap(#[source] Cause),
    /// Every task of the guest waits for something that nothing left can
    /// deliver (wasmtime's `AsyncDeadlock`).
    #[error(
        "the guest can make no progress: every task waits for a future or stream that nothing will write or close"
    )]
    Deadlock(#[source] Cause),
    /// The `--invoke` expression does not fit the export.
    #[error("{0}")]
    Invoke(String),
}

impl RunError {
    /// What the user can do about it, when there is something.
    fn help(&self) -> Option<String> {
        Some(match self {
            RunError::NotAComponent {
                core_module: true, ..
            } => "build it with `witloom build`, or componentize it".to_string(),
            RunError::NotProvided { .. } => "compose in a component that exports it".to_string(),
            RunError::NotGranted { .. } => format!(
                "add `--sqlite PATH` (a SQLite file, created if missing), `--sqlite {}` (in memory) or `--sql postgres://USER@HOST:PORT/DB`",
                host::IN_MEMORY
            ),
            RunError::NotACommand => "call one of its exports with --invoke".to_string(),
            RunError::Handler { .. } => {
                "serve it with `witloom serve`, or call one of its exports with --invoke"
                    .to_string()
            }
            RunError::TwoDatabases => "give either --sqlite or --sql, not both".to_string(),
            RunError::Deadlock(_) => "a future must be written (or its writer dropped) and a stream closed before its reader can go on; see docs/async.md".to_string(),
            _ => return None,
        })
    }
}

impl RunError {
    /// This error as a diagnostic about the component at `component`:
    /// the path heads the message unless the message names it already, so
    /// that the user knows which file was refused.
    pub fn about(self, component: &Path) -> witloom_diag::Diagnostic {
        let named = matches!(
            self,
            RunError::Io(_) | RunError::NotAComponent { .. } | RunError::Invalid { .. }
        );
        let mut d = witloom_diag::Diagnostic::from(self);
        if !named {
            d.message = format!("{}: {}", component.display(), d.message);
        }
        d
    }
}

impl From<RunError> for witloom_diag::Diagnostic {
    fn from(e: RunError) -> Self {
        if let RunError::Io(io) = e {
            return io.into();
        }
        let mut d =
            witloom_diag::Diagnostic::new(e.to_string()).with_causes(witloom_diag::causes(&e));
        if let RunError::NotProvided { host, .. } = &e {
            d = d.with_note(format!("`{}` provides {}", host.host, host.summary()));
        }
        match e.help() {
            Some(help) => d.with_help(help),
            None => d,
        }
    }
}

/// A wasmtime failure as a [`Cause`], its context chain kept.
pub(crate) fn cause(e: wasmtime::Error) -> Cause {
    e.into_boxed_dyn_error()
}

/// The store's data: WASI and the limits.
pub struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: limits::MemoryLimiter,
    host: host::WitloomHost,
    /// `--profile`: the samples so far.
    profiler: Option<profile::Sampler>,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// An engine configured for `opts`' limits.
pub fn engine(opts: &RunOptions) -> Result<Engine, RunError> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    // `error-context` (📝), off by default in wasmtime 48 (`wasmtime run`
    // takes `-W component-model-error-context`): part of what async guests
    // pass, and what wit-bindgen's Rust async runtime may import.
    config.wasm_component_model_error_context(true);
    opts.limits.configure(&mut config);
    if opts.profile.is_some() {
        // Each epoch tick is a sample.
        config.epoch_interruption(true);
    }
    Engine::new(&config).map_err(|e| RunError::Engine {
        what: "configure wasmtime",
        source: cause(e),
    })
}

/// Runs the component at `path`.
pub fn run(path: &Path, opts: &RunOptions) -> Result<Outcome, RunError> {
    let engine = engine(opts)?;
    let component = load_file(&engine, path, opts.no_cache)?;
    run_component(&engine, &component, opts)
}

/// The component in the file at `path`, compiled or (unless `no_cache`)
/// taken from the cache. A file the cache has recorded by its identity
/// (see [`cache`]) is not read at all; any other is read once, and refused
/// with an error that says what it is when it is not a component.
pub fn load_file(engine: &Engine, path: &Path, no_cache: bool) -> Result<Component, RunError> {
    let input = witloom_diag::io::Input::open(path, witloom_diag::io::MAX_FILE)?;
    let cache = if no_cache { None } else { user_cache() };
    let id = cache::FileId::of(input.metadata());
    // The digest recorded for this file, whose compiled code was not there
    // (or was refused): looked for once, not again below.
    let mut missed = None;
    if let (Some(cache), Some(id)) = (&cache, &id)
        && let Some(digest) = cache.recorded(id)
    {
        if let Some(component) = cache.get(engine, &digest) {
            return Ok(component);
        }
        missed = Some(digest);
    }
    let bytes = input.read()?;
    let Some(cache) = cache else {
        return compile(engine, path, &bytes);
    };
    let digest = cache::ContentDigest::of(&bytes);
    if missed == Some(digest) {
        let component = compile(engine, path, &bytes)?;
        cache.put(engine, &digest, &component);
        return Ok(component);
    }
    let component =
        cache.get_or_compile_digest(engine, &digest, || compile(engine, path, &bytes))?;
    if let Some(id) = &id {
        cache.record(id, &digest);
    }
    Ok(component)
}

/// Compiles (or, unless `no_cache`, takes from the cache) a component,
/// with errors that say what the file is when it is not a component.
pub fn load(
    engine: &Engine,
    path: &Path,
    bytes: &[u8],
    no_cache: bool,
) -> Result<Component, RunError> {
    load_in(engine, path, bytes, cache_for(no_cache, None).as_ref())
}

/// [`load`] with `cache` (none: compile).
pub fn load_in(
    engine: &Engine,
    path: &Path,
    bytes: &[u8],
    cache: Option<&cache::Cache>,
) -> Result<Component, RunError> {
    match cache {
        Some(cache) => cache.get_or_compile(engine, bytes, || compile(engine, path, bytes)),
        None => compile(engine, path, bytes),
    }
}

/// The cache to use: none with `no_cache`; the one in `dir` when given (a
/// host's own, such as the containerd shim's `WITLOOM_CACHE_DIR`); else
/// the user's. A directory the cache refuses is skipped with a warning.
pub fn cache_for(no_cache: bool, dir: Option<&Path>) -> Option<cache::Cache> {
    match (no_cache, dir) {
        (true, _) => None,
        (false, Some(dir)) => match cache::Cache::at(dir) {
            Ok(cache) => Some(cache),
            Err(why) => {
                tracing::warn!("not using the compiled-code cache: {why}");
                None
            }
        },
        (false, None) => user_cache(),
    }
}

/// Compiles `bytes`, read from `path`, refusing what is not a component.
fn compile(engine: &Engine, path: &Path, bytes: &[u8]) -> Result<Component, RunError> {
    if !wasmparser::Parser::is_component(bytes) {
        return Err(RunError::NotAComponent {
            path: path.to_path_buf(),
            core_module: wasmparser::Parser::is_core_wasm(bytes),
        });
    }
    Component::new(engine, bytes).map_err(|e| RunError::Invalid {
        path: path.to_path_buf(),
        source: cause(e),
    })
}

/// The user's compiled-code cache, if there is a usable one.
fn user_cache() -> Option<cache::Cache> {
    match cache::Cache::from_env() {
        Ok(cache) => cache,
        Err(why) => {
            // Once per process: a host that loads many components would
            // otherwise repeat it for each.
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| tracing::warn!("not using the compiled-code cache: {why}"));
            None
        }
    }
}

/// Instantiates and runs an already compiled component.
pub fn run_component(
    engine: &Engine,
    component: &Component,
    opts: &RunOptions,
) -> Result<Outcome, RunError> {
    let entry = match opts.invoke {
        None => check_command(engine, component)?,
        Some(_) => None,
    };
    let Prepared {
        mut store,
        pre,
        _timer,
        _ticker,
    } = prepare_with(engine, component, opts, Calls::Async)?;
    // One thread does it all, unless PostgreSQL is granted: its client
    // blocks on a runtime of its own, which tokio allows only off a
    // worker (`block_in_place`, which a single-threaded runtime lacks).
    let runtime = if opts.postgres.is_some() {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .map_err(|e| RunError::Engine {
        what: "start the async runtime",
        source: Box::new(e),
    })?;
    let work = async {
        match (&opts.invoke, entry) {
            (Some(expr), _) => {
                invoke::call(
                    &mut store,
                    &pre,
                    component,
                    expr,
                    opts.max_result.unwrap_or(DEFAULT_MAX_RESULT),
                )
                .await
            }
            (None, entry) => command(&mut store, &pre, component, entry).await,
        }
    };
    let result = runtime.block_on(async {
        // The epoch deadline stops a guest that computes; a guest that
        // waits (on a host future, a sleep, a read) runs no code to stop,
        // so the same limit is kept here too, a little later.
        match opts.limits.timeout {
            Some(limit) => tokio::time::timeout(limit + WAIT_GRACE, work)
                .await
                .unwrap_or_else(|_| Err(Failure::Run(opts.limits.waited_too_long()))),
            None => work.await,
        }
    });
    // A profile is written however the guest ended: the one of a guest
    // that trapped or ran out of time is the one wanted most.
    drop(_ticker);
    if let (Some(profile), Some(sampler)) = (&opts.profile, store.data_mut().profiler.take()) {
        sampler.finish(profile)?;
    }
    result.map_err(|e| classify(e, opts))
}

/// How long past `--timeout` a guest that is waiting, not running, is
/// given before it is stopped from outside: the epoch deadline, which
/// names what the guest was doing, comes first whenever the guest runs.
const WAIT_GRACE: std::time::Duration = std::time::Duration::from_millis(50);

/// The command a component exports, 0.2's or 0.3's (what a component is,
/// `witloom_host::Entry` decides). An HTTP handler is refused here, as
/// such (a 0.3 one imports a `wasi:http` that `run` does not link); one
/// with no entry point at all is refused after linking, so that what it
/// imports and may not have is said first ([`RunError::NotACommand`]).
fn check_command(
    engine: &Engine,
    component: &Component,
) -> Result<Option<witloom_host::Entry>, RunError> {
    match entry(engine, component) {
        Some(entry @ witloom_host::Entry::Command(_)) => Ok(Some(entry)),
        Some(entry) => Err(RunError::Handler { entry }),
        None => Ok(None),
    }
}

/// What a compiled component is, by its exports (`witloom_host::Entry`
/// decides).
pub fn entry(engine: &Engine, component: &Component) -> Option<witloom_host::Entry> {
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    witloom_host::Entry::among(exports.iter().map(String::as_str))
}

/// A component linked with WASI, and a store holding `opts`' grants and
/// limits (the timeout clock starts here): ready to instantiate, for
/// callers that call exports themselves.
pub struct Prepared {
    pub store: Store<State>,
    pub pre: InstancePre<State>,
    _timer: Option<limits::Timer>,
    _ticker: Option<limits::Timer>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").finish_non_exhaustive()
    }
}

/// How the caller of [`prepare`] calls into the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Calls {
    /// Blocking calls (`instantiate`, `call`), outside any async runtime:
    /// WASI 0.2 is linked with its blocking host functions.
    Sync,
    /// `instantiate_async`, `call_async` on a tokio runtime, as `run` does.
    Async,
}

/// Links `component` and sets up its store for `opts`, for a caller that
/// makes blocking calls (`instantiate`, `call`) outside any async runtime.
/// WASI 0.3 is linked too, for a component that imports it, but its
/// functions are asynchronous: such a component needs `instantiate_async`
/// and `call_async` on a tokio runtime (what [`run_component`] does).
pub fn prepare(
    engine: &Engine,
    component: &Component,
    opts: &RunOptions,
) -> Result<Prepared, RunError> {
    prepare_with(engine, component, opts, Calls::Sync)
}

/// Links `component` and sets up its store for `opts`, for a caller that
/// calls asynchronously (`instantiate_async`, `call_async`,
/// `run_concurrent`) on a tokio runtime, as [`run_component`] does: what a
/// component that imports WASI 0.3, or exports async functions, needs.
pub fn prepare_async(
    engine: &Engine,
    component: &Component,
    opts: &RunOptions,
) -> Result<Prepared, RunError> {
    prepare_with(engine, component, opts, Calls::Async)
}

fn prepare_with(
    engine: &Engine,
    component: &Component,
    opts: &RunOptions,
    calls: Calls,
) -> Result<Prepared, RunError> {
    let imported = check_imports(
        engine,
        component,
        Capabilities::run(),
        opts.sqlite.is_some() || opts.postgres.is_some(),
    )?;
    let mut linker: Linker<State> = Linker::new(engine);
    match calls {
        Calls::Sync => wasmtime_wasi::p2::add_to_linker_sync(&mut linker),
        Calls::Async => wasmtime_wasi::p2::add_to_linker_async(&mut linker),
    }
    .map_err(|e| RunError::Link {
        what: "WASI 0.2",
        source: cause(e),
    })?;
    if imported.wasi_0_3 {
        wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(|e| RunError::Link {
            what: "WASI 0.3",
            source: cause(e),
        })?;
    }
    host::add_to_linker(&mut linker, |s: &mut State| &mut s.host).map_err(|e| RunError::Link {
        what: "witloom:host",
        source: cause(e),
    })?;
    let db = grant_database(opts.sqlite.as_deref(), opts.postgres.as_deref(), 1)?;
    let pre = linker
        .instantiate_pre(component)
        .map_err(|e| RunError::Link {
            what: "the component",
            source: cause(e),
        })?;

    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio()
        .arg("main")
        .args(&opts.args)
        .envs(&opts.env)
        // File operations on this thread rather than tokio's blocking
        // pool, as `wasmtime run` does: a 10 MB file through 0.3's
        // streams took 3 times as long with a thread handoff per read. Not
        // under `--timeout`, whose clock cannot stop a blocked thread.
        .allow_blocking_current_thread(opts.limits.timeout.is_none());
    for (dir, guest) in &opts.dirs {
        wasi.preopened_dir(dir, guest, FsPerms::ReadWrite)
            .map_err(|e| RunError::Preopen {
                dir: dir.clone(),
                source: cause(e),
            })?;
    }
    let mut store = Store::new(
        engine,
        State {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limits: limits::MemoryLimiter {
                max: opts.limits.max_memory,
            },
            host: host::WitloomHost::new(db)
                .with_deadline(opts.limits.timeout.map(|t| std::time::Instant::now() + t)),
            profiler: None,
        },
    );
    store.limiter(|h| &mut h.limits);
    if let Some(fuel) = opts.limits.fuel {
        store.set_fuel(fuel).map_err(|e| RunError::Engine {
            what: "set the guest's fuel",
            source: cause(e),
        })?;
    }
    let _timer = opts.limits.timeout.map(|t| {
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
        limits::Timer::start(engine.clone(), t)
    });
    let _ticker = match &opts.profile {
        Some(profile) => {
            let deadline = opts.limits.timeout.map(|t| std::time::Instant::now() + t);
            store.data_mut().profiler =
                Some(profile::Sampler::new(engine, component, profile, deadline)?);
            // Every tick samples; the tick past `--timeout` stops the
            // guest, as the timeout's own epoch would.
            store.set_epoch_deadline(1);
            store.epoch_deadline_callback(|mut ctx| {
                let mut sampler = ctx.data_mut().profiler.take();
                let go_on = sampler.as_mut().is_none_or(|s| s.sample(&ctx));
                ctx.data_mut().profiler = sampler;
                if go_on {
                    Ok(wasmtime::UpdateDeadline::Continue(1))
                } else {
                    Err(wasmtime::Error::new(wasmtime::Trap::Interrupt))
                }
            });
            Some(limits::Timer::every(engine.clone(), profile.interval))
        }
        None => None,
    };
    Ok(Prepared {
        store,
        pre,
        _timer,
        _ticker,
    })
}

/// What a component's imports ask of the host, beyond each being
/// provided: found while [`check_imports`] goes through them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    /// Whether any import is of WASI 0.3: only then is 0.3 linked (its
    /// ~90 host functions cost about 45 µs of every run's linking).
    pub wasi_0_3: bool,
}

/// Refuses, before linking, a component that imports what `host` does
/// not provide, or what must be granted and was not (a database, unless
/// `database_granted`).
pub fn check_imports(
    engine: &Engine,
    component: &Component,
    host: &'static Capabilities,
    database_granted: bool,
) -> Result<Imported, RunError> {
    let mut imported = Imported::default();
    for (import, _) in component.component_type().imports(engine) {
        match host.check(import) {
            Err(why) => {
                return Err(RunError::NotProvided {
                    import: import.to_string(),
                    why: Box::new(why),
                    host,
                });
            }
            Ok(provision) => {
                if let Some(grant @ Grant::Database) = provision.grant
                    && !database_granted
                {
                    return Err(RunError::NotGranted {
                        import: import.to_string(),
                        grant,
                    });
                }
                imported.wasi_0_3 |= provision.wasi == Some(witloom_host::Wasi::P3);
            }
        }
    }
    Ok(imported)
}

/// What failed while running: the error from wasmtime, or ours.
pub(crate) enum Failure {
    Wasmtime(wasmtime::Error),
    Run(RunError),
}

impl From<wasmtime::Error> for Failure {
    fn from(e: wasmtime::Error) -> Self {
        Failure::Wasmtime(e)
    }
}

/// Runs the command `entry` (0.2's or 0.3's `wasi:cli/run`): its `run`
/// is `func() -> result` in both, lifted synchronously in 0.2 and
/// asynchronously in 0.3, and one asynchronous call makes either.
async fn command(
    store: &mut Store<State>,
    pre: &InstancePre<State>,
    component: &Component,
    entry: Option<witloom_host::Entry>,
) -> Result<Outcome, Failure> {
    let engine = store.engine().clone();
    let run = entry.and_then(|entry| {
        let name = component
            .component_type()
            .exports(&engine)
            .map(|(name, _)| name)
            .find(|name| witloom_host::Entry::of_export(name) == Some(entry))?
            .to_string();
        let instance = component.get_export_index(None, &name)?;
        component.get_export_index(Some(&instance), entry.function())
    });
    let run = run.ok_or(Failure::Run(RunError::NotACommand))?;
    let instance = pre.instantiate_async(&mut *store).await?;
    // Called as a `Func`, not a `TypedFunc`: wasmtime 48.0.10's typed
    // asynchronous call panics in the host when an async export returns
    // without a result (fixed in 48.0.11, which this registry cannot
    // resolve; see Cargo.toml), where the untyped call traps.
    let run = instance
        .get_func(&mut *store, run)
        .ok_or(Failure::Run(RunError::NotACommand))?;
    // `run: func() -> result`, or this is not WASI's `run`.
    let ty = run.ty(&*store);
    if ty.params().len() != 0
        || !matches!(ty.results().collect::<Vec<_>>().as_slice(), [wasmtime::component::Type::Result(r)] if r.ok().is_none() && r.err().is_none())
    {
        return Err(Failure::Run(RunError::NotACommand));
    }
    let mut result = [Val::Bool(false)];
    match run.call_async(&mut *store, &[], &mut result).await {
        Ok(()) => match &result[0] {
            Val::Result(Ok(_)) => Ok(Outcome::Exited(0)),
            _ => Ok(Outcome::Exited(1)),
        },
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Ok(Outcome::Exited(exit.0)),
            None => Err(e.into()),
        },
    }
}

/// Names the limit a trap comes from, or says what trapped.
fn classify(failure: Failure, opts: &RunOptions) -> RunError {
    match failure {
        Failure::Run(r) => r,
        Failure::Wasmtime(e) => opts.limits.explain(e),
    }
}
