//! Composition: components become one component, their exports plugged
//! into each other's imports.
//!
//! Three steps, each usable alone:
//! 1. [`plan`] reads each part's world (from a built component, or from WIT
//!    before anything is built), wires imports to exports by interface name
//!    and semver-compatible version (or as `[compose.with]` and a middleware
//!    `chain` say), checks
//!    the types on both sides of every wire in WIT terms, and orders the
//!    parts so providers come first. Errors name components, interfaces and
//!    types, never type indices.
//! 2. [`encode`] writes one component with `wasm-encoder`: it embeds the
//!    parts, imports what nobody inside provides (copying those import
//!    types out of the parts that need them), instantiates the parts in
//!    order with each other's exports as arguments, and exports what the
//!    root exports. The result is validated with `wasmparser` (all but
//!    the parts' function bodies, validated when the parts were read).
//! 3. [`graph`] draws the wiring as Graphviz dot or Mermaid.

mod check;
mod encode;
mod error;
mod graph;
mod wire;

pub use check::TypeMismatch;
pub use encode::{encode, encode_to};
pub use error::{ComposeError, SharedTypes};
pub use graph::{Edge, End, GraphFormat, edges, graph};
pub use wire::{Plan, Provider, Wire, plan};

use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use witloom_app::App;
use witloom_host::Capabilities;
use witloom_ir::{Loaded, WorldId};

/// One component to compose.
#[derive(Debug)]
pub struct Part {
    /// Its name in messages and graphs (the manifest's component name, or
    /// the file's stem).
    pub name: String,
    /// Its WIT: decoded from the component, or the WIT it is built from
    /// (shared with the other parts built from it).
    pub wit: Arc<Loaded>,
    /// Its world in `wit`.
    pub world: WorldId,
    /// The component binary, validated whole (as `witloom_ir` does when it
    /// reads one: [`Part::from_file`]); `None` when only its world is known
    /// (checking the wiring before the build). [`encode`] embeds it as it
    /// is and does not validate its function bodies again.
    pub bytes: Option<Arc<[u8]>>,
}

impl Part {
    /// A built component, read from `path`.
    pub fn from_file(name: &str, path: &Path) -> Result<Part, ComposeError> {
        let app = App::single(path)?;
        let c = &app.components()[0];
        Ok(Part {
            name: name.to_string(),
            wit: app.wit(c.wit).clone(),
            world: c.world,
            bytes: c.bytes.clone(),
        })
    }

    /// A component known only by the world it will implement.
    pub fn from_world(name: &str, wit: Arc<Loaded>, world: WorldId) -> Part {
        Part {
            name: name.to_string(),
            wit,
            world,
            bytes: None,
        }
    }
}

/// Who may be left to provide an import nobody inside provides.
#[derive(Debug, Clone, Copy)]
pub enum Host {
    /// Anything: unplugged imports become imports of the whole (like
    /// `wac plug`).
    Anything,
    /// Only what this host provides; anything else is an error.
    Runtime(&'static Capabilities),
}

impl Host {
    /// What `witloom run` provides.
    pub fn witloom() -> Host {
        Host::Runtime(Capabilities::run())
    }

    /// The host an application runs on: `witloom serve` when one of its
    /// components exports `wasi:http/incoming-handler` (an HTTP app, whose
    /// parts may import `wasi:http/types`), else `witloom run`.
    pub fn for_app(app: &App) -> Host {
        let http = app.components().iter().any(|c| {
            let exports = app.wit(c.wit).ir[c.world].exports.iter();
            witloom_host::Entry::among(exports.map(|e| e.name.as_str()))
                .is_some_and(witloom_host::Entry::is_http)
        });
        Host::Runtime(if http {
            Capabilities::serve()
        } else {
            Capabilities::run()
        })
    }
}

/// How to compose.
#[derive(Debug, Clone)]
pub struct Options {
    /// The part whose exports the whole exports; by default the only part
    /// whose exports nobody imports.
    pub root: Option<String>,
    /// Interface (`ns:pkg/iface`, with or without a version) → the part that
    /// provides it, when several could.
    pub with: IndexMap<String, String>,
    /// A middleware chain, outermost first: each part's imports that the
    /// next part exports are plugged with the next part's exports (before
    /// `with`), and each link must plug at least one.
    pub chain: Vec<String>,
    pub host: Host,
    /// Every part must provide something to another (true for `plug`,
    /// where a plug that fits no socket is a mistake).
    pub require_use: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            root: None,
            with: IndexMap::new(),
            chain: Vec::new(),
            host: Host::witloom(),
            require_use: true,
        }
    }
}

/// `ns:pkg/iface@1.2.3` → (`ns:pkg/iface`, `Some(1.2.3)`); plain names
/// have no version.
pub(crate) fn split_version(name: &str) -> (&str, Option<semver::Version>) {
    match name.rsplit_once('@') {
        Some((base, v)) if base.contains(':') => (base, semver::Version::parse(v).ok()),
        _ => (name, None),
    }
}

/// The parts of an application: its built components (each component's
/// artifact), or, with `built == false`, just the worlds they implement (to
/// check the wiring before building), sharing the app's resolved WIT.
pub fn app_parts(app: &App, built: bool) -> Result<Vec<Part>, ComposeError> {
    if app.components().is_empty() {
        let manifest = app
            .manifest
            .as_ref()
            .map_or_else(|| app.dir.clone(), |m| m.path.clone());
        return Err(ComposeError::NoComponents { manifest });
    }
    if !built {
        return Ok(app
            .components()
            .iter()
            .map(|c| Part::from_world(&c.name, app.wit(c.wit).clone(), c.world))
            .collect());
    }
    let mut files = Vec::with_capacity(app.components().len());
    for c in app.components() {
        if !c.artifact.is_file() {
            return Err(ComposeError::NotBuilt {
                component: c.name.clone(),
                artifact: c.artifact.clone(),
            });
        }
        files.push((c.name.clone(), c.artifact.clone()));
    }
    parts_from_files(&files)
}

/// Built components read as parts, named as given, in order: read,
/// validated and decoded on as many threads as there are cores when there
/// is enough to read to pay for them. An error is the first in that order.
pub fn parts_from_files(files: &[(String, PathBuf)]) -> Result<Vec<Part>, ComposeError> {
    let [_, rest @ ..] = files else {
        return Ok(Vec::new());
    };
    // Waking a second core costs about a millisecond on a small VM: more
    // than reading two small components takes.
    let size: u64 = rest
        .iter()
        .map(|(_, p)| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    if size < PARALLEL_PARTS {
        return files
            .iter()
            .map(|(name, path)| Part::from_file(name, path))
            .collect();
    }
    // As many threads as cores (this one included), each taking the next
    // file in turn.
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(files.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((name, path)) = files.get(i) else {
                return done;
            };
            done.push((i, Part::from_file(name, path)));
        }
    };
    let mut read: Vec<(usize, Result<Part, ComposeError>)> = std::thread::scope(|s| {
        let others: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut read = work();
        for other in others {
            read.extend(
                other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        read
    });
    read.sort_by_key(|(i, _)| *i);
    read.into_iter().map(|(_, part)| part).collect()
}

/// Bytes of components (besides the first) from which
/// [`parts_from_files`] reads them on threads of their own.
const PARALLEL_PARTS: u64 = 1 << 20;

/// The options an app's `[compose]` asks for.
pub fn app_options(app: &App) -> Options {
    let (root, with, chain) = match &app.manifest {
        Some(m) => (
            m.compose.root.clone(),
            m.compose.with.clone(),
            m.compose.chain.clone(),
        ),
        None => (None, IndexMap::new(), Vec::new()),
    };
    Options {
        root,
        with,
        chain,
        host: Host::for_app(app),
        require_use: true,
    }
}

/// What [`compose_app`] made.
#[derive(Debug, Clone)]
pub struct Composed {
    /// Where the app was written.
    pub path: PathBuf,
    pub parts: usize,
    /// Wires inside the app.
    pub wires: usize,
    /// Imports left for the host.
    pub host: usize,
    /// What the app exports (its root's exports), as the plan found them.
    pub exports: Vec<String>,
    pub bytes: usize,
    /// False when the app's one component, named like the app, is the app
    /// already: nothing was written (wrapping it into itself would nest it
    /// one level deeper on each compose).
    pub written: bool,
}

/// Composes an application's built components into `out` (by default
/// [`App::composed_artifact`]). The wiring from the worlds is checked
/// first, so that a wiring error is the same whether or not the components
/// are built; the output is validated before it replaces what was there.
pub fn compose_app(app: &App, out: Option<&Path>) -> Result<Composed, ComposeError> {
    let opts = app_options(app);
    plan(&app_parts(app, false)?, &opts)?;
    let parts = app_parts(app, true)?;
    let path = out.map_or_else(|| app.composed_artifact(), Path::to_path_buf);
    let plan = plan(&parts, &opts)?;
    if let [only] = app.components()
        && only.artifact == path
    {
        return Ok(Composed {
            path,
            parts: 1,
            wires: 0,
            host: plan.host.len(),
            exports: plan.exports,
            bytes: std::fs::metadata(&only.artifact).map_or(0, |m| m.len() as usize),
            written: false,
        });
    }
    let bytes = encode_to(&parts, &plan, &path)?;
    Ok(Composed::written(path, &parts, &plan, bytes))
}

impl Composed {
    /// What [`encode_to`] wrote to `path`: `bytes` of `parts` wired by
    /// `plan`.
    pub fn written(path: PathBuf, parts: &[Part], plan: &Plan, bytes: usize) -> Composed {
        Composed {
            path,
            parts: parts.len(),
            wires: plan.wires.len(),
            host: plan.host.len(),
            exports: plan.exports.clone(),
            bytes,
            written: true,
        }
    }
}

/// `compose --check` of an application: the wiring from its worlds alone,
/// and, when every component is built and the built ones wire too, the WASI
/// their language runtimes import (wasi-libc, Go's wasip1 port and Rust's
/// std all do), which no WIT world declares. The second value says whether
/// that WASI could be read.
pub fn check_app(app: &App) -> Result<(Plan, bool), ComposeError> {
    let opts = app_options(app);
    let mut plan = plan(&app_parts(app, false)?, &opts)?;
    let built = app_parts(app, true)
        .ok()
        .and_then(|parts| wire::plan(&parts, &opts).ok());
    let Some(built) = built else {
        return Ok((plan, false));
    };
    for (name, users) in built.host {
        if witloom_host::kind_of(&name) == Some(witloom_host::Kind::Wasi)
            && !plan.host.iter().any(|(n, _)| *n == name)
        {
            plan.host.push((name, users));
        }
    }
    Ok((plan, true))
}
