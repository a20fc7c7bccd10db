//! `containerd-shim-witloom-v1`: witloom's runtime as a containerd shim, so
//! that a witloom app runs where containers run (`ctr run --runtime
//! io.containerd.witloom.v1`, a Kubernetes `RuntimeClass`).
//!
//! runwasi's `containerd-shim-wasm` does the containerd side: the shim
//! API, the container (namespaces, cgroups, the rootfs and mounts, by
//! youki's libcontainer) and the OCI spec. Inside the container it calls
//! [`Sandbox::run_wasi`](containerd_shim_wasm::sandbox::Sandbox::run_wasi),
//! which is where witloom takes over with the same runtime the CLI uses,
//! not a second host:
//! - a component exporting `wasi:cli/run` runs as `witloom run` runs it
//!   ([`witloom_run::run_component`]): its arguments are the container's
//!   (after the entrypoint), stdout and stderr are the task's, the exit
//!   code is the task's;
//! - a component exporting a `wasi:http` handler (0.2's or 0.3's) is
//!   served as `witloom serve` serves it ([`witloom_serve::Server`]) on
//!   `WASMTIME_HTTP_PROXY_SOCKET_ADDR` (runwasi's convention, default
//!   `0.0.0.0:8080`), and SIGTERM (`ctr task kill`, a Pod's deletion)
//!   drains the requests in flight as `serve` does.
//!
//! Grants and limits come from the container's environment
//! ([`options`]); with no database granted, a component importing
//! `witloom:host/sql` fails to start with `witloom run`'s message, on the
//! task's stderr. A command's guest is given the container's mounts (the
//! OCI spec's), each at its path, as `--dir` grants directories to
//! `witloom run`; not the image's own files, nor `/proc`, `/sys`, `/dev`,
//! nor the mounts holding the compiled-code cache or the SQLite database
//! ([`options::preopens`]).
//!
//! Compiled code is cached only where the container says
//! (`WITLOOM_CACHE_DIR`, a mount that outlives the container); without it
//! each start compiles the component (docs/deploy.md says what that
//! costs).

pub mod options;

use containerd_shim_wasm::sandbox::context::{RuntimeContext, Source};
use containerd_shim_wasm::shim::{Shim, Version};
use options::Settings;
use std::path::{Path, PathBuf};
use witloom_host::Entry;

/// The shim: `io.containerd.witloom.v1`.
#[derive(Debug)]
pub struct Witloom;

impl Shim for Witloom {
    type Sandbox = WitloomSandbox;

    fn name() -> &'static str {
        "witloom"
    }

    fn version() -> Version {
        containerd_shim_wasm::shim::version!()
    }
}

/// What runs a container's component (one per container).
#[derive(Debug, Default)]
pub struct WitloomSandbox;

impl containerd_shim_wasm::sandbox::Sandbox for WitloomSandbox {
    /// Every container that is not a Linux one is witloom's to run: what
    /// is wrong with it (no file, not a component) is then said on the
    /// task's stderr, where its user looks, rather than as runwasi's
    /// "can't handle spec".
    async fn can_handle(&self, _ctx: &impl RuntimeContext) -> anyhow::Result<()> {
        Ok(())
    }

    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> anyhow::Result<i32> {
        let start = Start::of(ctx);
        // witloom's runtime makes tokio runtimes of its own, which tokio
        // refuses inside the one this is called on: a thread of its own.
        let code = std::thread::Builder::new()
            .name("witloom".into())
            .spawn(move || start.run())?
            .join()
            .unwrap_or(EXIT_FAILURE);
        Ok(code)
    }
}

/// The exit code of a container that could not start its component (as
/// `witloom run` exits when it fails).
pub const EXIT_FAILURE: i32 = 1;

/// What the container asks for, taken out of the runtime context.
#[derive(Debug)]
struct Start {
    /// The spec's `process.args`, the entrypoint first.
    args: Vec<String>,
    env: Vec<String>,
    /// The component: a file in the container, or the image's wasm layer.
    component: Component,
}

#[derive(Debug)]
enum Component {
    File(PathBuf),
    Layer {
        name: String,
        bytes: Vec<u8>,
    },
    /// Something this shim cannot run, and why.
    Refused(String),
}

impl Start {
    fn of(ctx: &impl RuntimeContext) -> Start {
        let entry = ctx.entrypoint();
        let component = match entry.source {
            Source::File(path) => Component::File(path),
            Source::Oci([layer]) => Component::Layer {
                name: entry.name.unwrap_or_else(|| "component".into()),
                bytes: layer.layer.clone(),
            },
            Source::Oci(layers) => Component::Refused(format!(
                "the image has {} wasm layers; witloom runs one component (compose the app into one with `witloom compose`)",
                layers.len()
            )),
        };
        Start {
            args: ctx.args().to_vec(),
            env: ctx.envs().to_vec(),
            component,
        }
    }

    /// Runs or serves the component; errors are written to the task's
    /// stderr as the CLI writes them.
    fn run(self) -> i32 {
        match self.try_run() {
            Ok(code) => code,
            Err(diagnostic) => {
                eprint!("{diagnostic}");
                EXIT_FAILURE
            }
        }
    }

    fn try_run(self) -> Result<i32, witloom_diag::Diagnostic> {
        let settings = Settings::from_env(&self.env)?;
        // The server's access log and the guests' `log` calls go to the
        // task's stderr, as the CLI's go to its own.
        witloom_run::log_to_stderr(settings.log.as_deref());
        let (path, bytes) = match self.component {
            Component::File(path) => {
                let bytes = witloom_diag::io::read(&path)?;
                (path, bytes)
            }
            Component::Layer { name, bytes } => (PathBuf::from(format!("{name}.wasm")), bytes),
            Component::Refused(why) => return Err(witloom_diag::Diagnostic::new(why)),
        };
        match entry_of(&bytes) {
            Some(Entry::Http(_)) if settings.invoke.is_none() => serve(&path, &bytes, &settings),
            _ => run(
                &path,
                &bytes,
                &settings,
                self.args.into_iter().skip(1).collect(),
            ),
        }
    }
}

/// Runs a command (or `WITLOOM_INVOKE`'s call), as `witloom run` does.
fn run(
    path: &Path,
    bytes: &[u8],
    settings: &Settings,
    args: Vec<String>,
) -> Result<i32, witloom_diag::Diagnostic> {
    exit_on_signals();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mounts = options::preopens(&mountinfo, settings)
        .into_iter()
        .filter(|m| m.is_dir())
        .collect();
    let opts = settings.run_options(args, mounts);
    let about = |e: witloom_run::RunError| e.about(path);
    let engine = witloom_run::engine(&opts).map_err(about)?;
    let cache = settings.compiled_code_cache();
    let component = witloom_run::load_in(&engine, path, bytes, cache.as_ref()).map_err(about)?;
    match witloom_run::run_component(&engine, &component, &opts).map_err(about)? {
        witloom_run::Outcome::Exited(code) => Ok(code),
        witloom_run::Outcome::Returned(value) => {
            if !value.is_empty() {
                println!("{value}");
            }
            Ok(0)
        }
    }
}

/// Serves an HTTP handler, as `witloom serve` does, until SIGTERM or
/// SIGINT (which drain the requests in flight).
fn serve(path: &Path, bytes: &[u8], settings: &Settings) -> Result<i32, witloom_diag::Diagnostic> {
    let opts = settings.serve_options();
    let server =
        witloom_serve::Server::from_bytes(path, bytes, &opts).map_err(|e| e.about(path))?;
    let ready = |server: &witloom_serve::Server| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "serving {} on http://{}",
            path.display(),
            server.local_addr()
        )
        .and_then(|()| out.flush());
    };
    server.serve(ready, None).map_err(|e| e.about(path))?;
    Ok(0)
}

/// What the component is, from its top-level exports, read without
/// compiling it (the server compiles it with an engine of its own).
fn entry_of(bytes: &[u8]) -> Option<Entry> {
    let mut depth = 0usize;
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.ok()? {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentExportSection(exports) if depth == 0 => {
                for export in exports {
                    names.push(export.ok()?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Entry::among(names.iter().map(String::as_str))
}

/// A command ends on SIGTERM or SIGINT with the shell's status (128 + the
/// signal). The component runs as the container's first process, for
/// which the kernel ignores any signal without a handler: without these,
/// `ctr task kill` could not stop it.
#[allow(unsafe_code)]
fn exit_on_signals() {
    extern "C" fn exit(signal: libc::c_int) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(128 + signal) }
    }
    for signal in [libc::SIGTERM, libc::SIGINT] {
        // SAFETY: installing a handler that only calls `_exit`.
        unsafe {
            libc::signal(signal, exit as *const () as libc::sighandler_t);
        }
    }
}
