//! `witloom dev`: the loop of a day's work on an app. It builds and
//! composes the app, then serves it (its root exports a `wasi:http`
//! handler) or runs it (a `wasi:cli/run` command), and watches what it is
//! made from ([`watch`]). On each saved change it rebuilds only the
//! components whose fingerprint changed, recomposes, and then:
//! - a served app is swapped into the running server
//!   ([`witloom_serve::Reloader`]): requests in flight finish on the old
//!   component, new ones go to the new one, none is dropped and none sees
//!   a half-built app;
//! - a command is stopped if it still runs, and run again.
//!
//! A build or compose error is reported (the same diagnostics as `build`
//! and `compose`) and the last good app goes on serving; the next change
//! tries again. SIGINT or SIGTERM stops the loop: a server finishes its
//! requests in flight by the serve rules (a second signal exits at once).
//!
//! Everything is reported through [`Event`]s; the caller prints them.

mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use witloom_app::App;
use witloom_diag::Diagnostic;
use witloom_guest::app::{BuildOptions, build_app};
use witloom_guest::{Language, Profile};
use witloom_host::Entry;

/// How to develop an app.
pub struct DevOptions {
    /// The app's manifest.
    pub manifest: PathBuf,
    pub profile: Profile,
    /// Ask the toolchains for their own output.
    pub verbose: bool,
    /// How a served app is served.
    pub serve: witloom_serve::ServeOptions,
    /// The command that runs a command app's composed component (the
    /// caller's `witloom run FILE` with the user's flags).
    pub run: Box<dyn Fn(&Path) -> Command>,
    /// How long the sources must be quiet after a change before the
    /// rebuild starts (an editor's save is often several writes).
    pub debounce: Duration,
}

impl std::fmt::Debug for DevOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevOptions")
            .field("manifest", &self.manifest)
            .field("profile", &self.profile)
            .field("verbose", &self.verbose)
            .field("serve", &self.serve)
            .field("debounce", &self.debounce)
            .finish_non_exhaustive()
    }
}

/// What happens, as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// Building: each component's progress.
    Build(witloom_guest::app::Event<'a>),
    /// The app is built and composed to `path`.
    Composed(&'a witloom_compose::Composed),
    /// The first good app is served.
    Serving {
        path: &'a Path,
        addr: SocketAddr,
        metrics: Option<SocketAddr>,
    },
    /// A new app serves from now on.
    Reloaded(&'a Reload),
    /// Rebuilt, and the composed app is byte for byte the one serving.
    Unchanged,
    /// A command app started.
    Running { path: &'a Path },
    /// A command app ended by itself.
    Exited(ExitStatus),
    /// Watching again after a change: these paths changed.
    Changed(&'a [PathBuf]),
    /// A build, compose or swap failed; the last good app, if any, keeps
    /// serving, and the next change tries again.
    Failed(&'a Diagnostic),
    /// A signal came: stopping.
    Stopping,
}

/// What one reload did, and how long each step took.
#[derive(Debug, Clone)]
pub struct Reload {
    /// The components rebuilt: name, language, time.
    pub rebuilt: Vec<(String, Language, Duration)>,
    pub build: Duration,
    pub compose: Duration,
    /// Compiling and linking the new app, and swapping it in (or, for a
    /// command, starting it again).
    pub swap: Duration,
    /// From the first change seen to the new app in place.
    pub total: Duration,
}

/// What the loop hears.
enum Message {
    /// A file event from the watcher.
    Fs(notify::Result<notify::Event>),
    /// SIGINT or SIGTERM.
    Stop,
    /// The server listens.
    Listening {
        addr: SocketAddr,
        metrics: Option<SocketAddr>,
        reloader: witloom_serve::Reloader,
    },
    /// The server stopped (after a stop, or because it could not start):
    /// whether it could not bind its address, and its error.
    ServerEnded(Result<(), (bool, Diagnostic)>),
}

/// The app being served or run.
enum Running {
    Nothing,
    Served {
        /// The composed app's path.
        path: PathBuf,
        reloader: Option<witloom_serve::Reloader>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: std::thread::JoinHandle<()>,
    },
    Command(Option<Child>),
}

/// Runs the loop until SIGINT or SIGTERM. Fails only when it cannot start
/// (the manifest does not load, the server cannot bind, nothing can be
/// watched); build and compose errors are [`Event::Failed`].
pub fn dev(opts: DevOptions, on_event: &mut dyn FnMut(Event<'_>)) -> Result<(), Diagnostic> {
    let (tx, rx) = std::sync::mpsc::channel();
    on_signals(tx.clone())?;
    let watcher_tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = watcher_tx.send(Message::Fs(event));
    })
    .map_err(|e| Diagnostic::new(format!("cannot watch the sources: {e}")))?;
    let mut app = App::load(&opts.manifest)?;
    let mut roots = watch::Roots::of(&app);
    roots.watch(&mut watcher)?;

    let mut running = Running::Nothing;
    // The bytes of the app in place, to skip a swap that changes nothing.
    let mut serving: Option<Vec<u8>> = None;
    let mut changed_at = Instant::now();
    let mut loaded = true;
    loop {
        // Build, compose, put in place; not while the manifest does not
        // load (that would only repeat the last app).
        if loaded {
            let placed = cycle(&app, &opts, on_event).and_then(|(composed, mut reload)| {
                let bytes = witloom_diag::io::read(&composed.path)?;
                if serving.as_ref() == Some(&bytes) {
                    on_event(Event::Unchanged);
                    return Ok(());
                }
                let swap = Instant::now();
                let first = place(&composed, &bytes, &mut running, &opts, &tx, on_event)?;
                serving = Some(bytes);
                reload.swap = swap.elapsed();
                reload.total = changed_at.elapsed();
                if !first {
                    on_event(Event::Reloaded(&reload));
                }
                Ok(())
            });
            if let Err(d) = placed {
                on_event(Event::Failed(&d));
            }
        }
        // Then wait for the next change (or the end).
        let changes = match wait(&rx, &roots, &mut running, &opts, on_event)? {
            Waited::Changed(paths) => paths,
            Waited::NotStarted => {
                serving = None;
                loaded = false;
                continue;
            }
            Waited::Stop => {
                on_event(Event::Stopping);
                return stop(running, &rx);
            }
        };
        changed_at = Instant::now();
        on_event(Event::Changed(&changes));
        // The manifest may name other sources and WIT now.
        loaded = false;
        match App::load(&opts.manifest) {
            Ok(now) => {
                app = now;
                loaded = true;
                let now = watch::Roots::of(&app);
                if now != roots {
                    roots.unwatch(&mut watcher);
                    roots = now;
                    roots.watch(&mut watcher)?;
                }
            }
            Err(e) => on_event(Event::Failed(&e.into())),
        }
    }
}

/// Builds what changed and composes: the composed app, and the times.
fn cycle(
    app: &App,
    opts: &DevOptions,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<(witloom_compose::Composed, Reload), Diagnostic> {
    let started = Instant::now();
    let build_opts = BuildOptions {
        profile: opts.profile,
        only: Vec::new(),
        verbose: opts.verbose,
    };
    let built = build_app(app, &build_opts, &mut |e| on_event(Event::Build(e)))?;
    let build = started.elapsed();
    let composing = Instant::now();
    let composed = witloom_compose::compose_app(app, None)?;
    let compose = composing.elapsed();
    on_event(Event::Composed(&composed));
    Ok((
        composed,
        Reload {
            rebuilt: built
                .into_iter()
                .filter(|b| b.rebuilt)
                .map(|b| (b.name, b.language, b.elapsed))
                .collect(),
            build,
            compose,
            swap: Duration::ZERO,
            total: Duration::ZERO,
        },
    ))
}

/// Puts a newly composed app in place: the first starts the server (or
/// the command); later ones are swapped in (or re-run). True for the
/// first.
fn place(
    composed: &witloom_compose::Composed,
    bytes: &[u8],
    running: &mut Running,
    opts: &DevOptions,
    tx: &Sender<Message>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<bool, Diagnostic> {
    let path = composed.path.as_path();
    let Some(entry) = Entry::among(composed.exports.iter().map(String::as_str)) else {
        return Err(Diagnostic::new(format!(
            "`{}` exports neither a `wasi:http` handler nor `wasi:cli/run`: there is nothing to serve or run",
            path.display()
        ))
        .with_help("the app's root component exports what `witloom dev` serves or runs"));
    };
    match running {
        Running::Nothing if entry.is_http() => {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let serve = opts.serve.clone();
            let file = path.to_path_buf();
            let tx = tx.clone();
            let thread = std::thread::spawn(move || {
                let ready = |server: &witloom_serve::Server| {
                    let _ = tx.send(Message::Listening {
                        addr: server.local_addr(),
                        metrics: server.metrics_addr(),
                        reloader: server.reloader(),
                    });
                };
                let stop: witloom_serve::Stop = Box::pin(async move {
                    let _ = stopped.await;
                });
                let result =
                    witloom_serve::serve_until(&file, &serve, ready, Some(stop)).map_err(|e| {
                        let bind = matches!(e, witloom_serve::ServeError::Bind { .. });
                        (bind, e.about(&file))
                    });
                let _ = tx.send(Message::ServerEnded(result));
            });
            *running = Running::Served {
                path: path.to_path_buf(),
                reloader: None,
                stop: Some(stop),
                thread,
            };
            Ok(true)
        }
        Running::Nothing => {
            *running = Running::Command(Some(start(path, opts)?));
            on_event(Event::Running { path });
            Ok(true)
        }
        Running::Served { reloader, .. } => {
            if !entry.is_http() {
                return Err(
                    Diagnostic::new("the app is a command now, no longer an HTTP handler")
                        .with_help("stop `witloom dev` and start it again to run it"),
                );
            }
            let Some(reloader) = reloader else {
                return Err(Diagnostic::new("the server has not started yet"));
            };
            reloader.swap(path, bytes).map_err(|e| e.about(path))?;
            Ok(false)
        }
        Running::Command(child) => {
            if entry.is_http() {
                return Err(
                    Diagnostic::new("the app is an HTTP handler now, no longer a command")
                        .with_help("stop `witloom dev` and start it again to serve it"),
                );
            }
            if let Some(mut old) = child.take() {
                let _ = old.kill();
                let _ = old.wait();
            }
            *child = Some(start(path, opts)?);
            on_event(Event::Running { path });
            Ok(false)
        }
    }
}

/// Starts a command app.
fn start(path: &Path, opts: &DevOptions) -> Result<Child, Diagnostic> {
    (opts.run)(path)
        .spawn()
        .map_err(|e| Diagnostic::new(format!("cannot run `{}`: {e}", path.display())))
}

enum Waited {
    Changed(Vec<PathBuf>),
    Stop,
    /// The first app could not be served: wait for a change to try again.
    NotStarted,
}

/// Waits for a change that counts, then for the sources to be quiet for
/// the debounce time (at most ten times that in all). Meanwhile it notes
/// the server's start and a command's end.
fn wait(
    rx: &Receiver<Message>,
    roots: &watch::Roots,
    running: &mut Running,
    opts: &DevOptions,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Waited, Diagnostic> {
    let mut changed: Vec<PathBuf> = Vec::new();
    let mut first: Option<Instant> = None;
    loop {
        // A command's end is polled; nothing else needs a timeout before
        // the first change.
        let timeout = match (first, &running) {
            (Some(_), _) => opts.debounce,
            (None, Running::Command(Some(_))) => Duration::from_millis(100),
            (None, _) => Duration::from_secs(3600),
        };
        let message = match rx.recv_timeout(timeout) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return Ok(Waited::Stop),
        };
        let quiet = message.is_none();
        if let Running::Command(slot) = running
            && let Some(child) = slot
            && let Ok(Some(status)) = child.try_wait()
        {
            *slot = None;
            on_event(Event::Exited(status));
        }
        match message {
            Some(Message::Fs(Ok(event))) if watch::is_change(&event) => {
                for path in event.paths {
                    if roots.counts(&path) && !changed.contains(&path) {
                        changed.push(path);
                        first.get_or_insert_with(Instant::now);
                    }
                }
            }
            Some(Message::Fs(_)) => {}
            Some(Message::Stop) => return Ok(Waited::Stop),
            Some(Message::Listening {
                addr,
                metrics,
                reloader,
            }) => {
                if let Running::Served {
                    reloader: slot,
                    path,
                    ..
                } = running
                {
                    *slot = Some(reloader);
                    on_event(Event::Serving {
                        path,
                        addr,
                        metrics,
                    });
                }
            }
            // It ended without being stopped: it could not start. Its
            // address taken is the end of `dev`; anything else about the
            // app (an import it cannot link, say) waits for a fix, as a
            // build error does.
            Some(Message::ServerEnded(Err((true, bind)))) => return Err(bind),
            Some(Message::ServerEnded(Err((false, why)))) => {
                on_event(Event::Failed(&why));
                *running = Running::Nothing;
                return Ok(Waited::NotStarted);
            }
            Some(Message::ServerEnded(Ok(()))) => return Ok(Waited::Stop),
            None => {}
        }
        if let Some(since) = first
            && (quiet || since.elapsed() >= opts.debounce * 10)
        {
            return Ok(Waited::Changed(changed));
        }
    }
}

/// Stops what runs: a server finishes its requests in flight (the serve
/// rules), a command is killed.
fn stop(running: Running, rx: &Receiver<Message>) -> Result<(), Diagnostic> {
    match running {
        Running::Nothing => Ok(()),
        Running::Command(child) => {
            if let Some(mut child) = child {
                let _ = child.kill();
                let _ = child.wait();
            }
            Ok(())
        }
        Running::Served { stop, thread, .. } => {
            if let Some(stop) = stop {
                let _ = stop.send(());
            }
            let _ = thread.join();
            // The server's own error, if it had one.
            while let Ok(message) = rx.try_recv() {
                if let Message::ServerEnded(result) = message {
                    return result.map_err(|(_, why)| why);
                }
            }
            Ok(())
        }
    }
}

/// Sends [`Message::Stop`] on the first SIGINT or SIGTERM; a second
/// exits at once (status 130), as `serve` does.
fn on_signals(tx: Sender<Message>) -> Result<(), Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| Diagnostic::new(format!("cannot set up signal handling: {e}")))?;
    let signals = runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        ))
    });
    let (mut int, mut term) =
        signals.map_err(|e| Diagnostic::new(format!("cannot set up signal handling: {e}")))?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            for _ in 0..2 {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                if tx.send(Message::Stop).is_err() {
                    break;
                }
            }
            std::process::exit(130);
        });
    });
    Ok(())
}
