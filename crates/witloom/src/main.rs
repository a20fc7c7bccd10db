//! The `witloom` command line. It only parses arguments and calls the
//! libraries of each stage: one module per verb, each an `Args` with a
//! `run` (the shape of wasm-tools' `Opts::run`), and one error printer
//! here. Anything worth testing lives in the libraries.

mod bindgen;
mod build;
mod common;
mod compose;
mod dev;
mod doc;
mod doctor;
mod init;
mod input;
mod new;
mod package;
mod progress;
mod pull;
mod push;
mod registry;
mod run;
mod serve;
mod wit;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_diag::Diagnostic;

/// witloom: build, compose, run and document WebAssembly components from
/// one WIT-driven model.
#[derive(Parser, Debug)]
#[command(name = "witloom", version = version(false), long_version = version(true), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start an application: `DIR/` with a manifest, WIT (WASI included)
    /// and one component in C, Rust, Go, Python or JavaScript that builds
    /// and runs at once.
    Init(init::Args),
    /// Work with WIT: check it, or print its IR.
    #[command(subcommand)]
    Wit(wit::Args),
    /// Build the application's components into target/witloom/<name>.wasm.
    Build(build::Args),
    /// Compose components into one: plug a socket's imports with plugs'
    /// exports, or wire the components of ./witloom.toml.
    Compose(compose::Args),
    /// Build, compose and serve (or run) the app, then rebuild only what
    /// changed and swap it in on every saved change, dropping no request.
    Dev(dev::Args),
    /// Run a component on wasmtime: a `wasi:cli/run` command, or one export
    /// with --invoke. Nothing is granted unless asked for.
    Run(run::Args),
    /// Serve a component that exports `wasi:http/incoming-handler` over
    /// HTTP: a fresh instance per request, with the limits of `run` per
    /// request. Stops gracefully on SIGINT or SIGTERM.
    Serve(serve::Args),
    /// Push a component to an OCI registry as a CNCF wasm artifact
    /// (config application/vnd.wasm.config.v0+json, one application/wasm
    /// layer), annotated from witloom.toml. Prints REF@DIGEST.
    Push(push::Args),
    /// Pull a component from an OCI registry (or oci:DIR:TAG), verified
    /// against its digests before it is written.
    Pull(pull::Args),
    /// Write a component as an OCI image layout on disk: the artifact
    /// `push` sends, for air-gapped transfer or tools that read layouts.
    Package(package::Args),
    /// Create a component for a world in the application: `NAME/` with a
    /// skeleton in C, Rust, Go, Python or JavaScript that builds at once (you fill in the
    /// bodies), added to witloom.toml.
    New(new::Args),
    /// List each guest language's toolchain: found, version, what is
    /// missing and how to install it. Exits 1 if anything is missing.
    Doctor(doctor::Args),
    /// Write Rust host bindings for a world, for the wasmtime component
    /// API (what wasmtime's `bindgen!` would expand to, as plain source).
    Bindgen(bindgen::Args),
    /// Document WIT as Markdown pages or an HTML site: every world,
    /// interface, type and function, linked; for a witloom.toml, an
    /// application page with the wiring too.
    Doc(doc::Args),
}

fn main() -> ExitCode {
    let command = Cli::parse().command;
    if !matches!(command, Command::Serve(_) | Command::Dev(_)) {
        die_quietly_on_a_closed_pipe();
    }
    let result = match command {
        Command::Init(args) => args.run(),
        Command::Wit(args) => args.run(),
        Command::Build(args) => args.run(),
        Command::Compose(args) => args.run(),
        Command::Dev(args) => args.run(),
        Command::Run(args) => args.run(),
        Command::Serve(args) => args.run(),
        Command::Push(args) => args.run(),
        Command::Pull(args) => args.run(),
        Command::Package(args) => args.run(),
        Command::New(args) => args.run(),
        Command::Doctor(args) => args.run(),
        Command::Bindgen(args) => args.run(),
        Command::Doc(args) => args.run(),
    };
    result.unwrap_or_else(|diagnostic| {
        eprint!("{diagnostic}");
        ExitCode::FAILURE
    })
}

/// A command whose output goes into a closed pipe (`witloom wit ir DIR |
/// head -1`) stops there, as `cat` does, instead of panicking in
/// `println!`: Rust ignores SIGPIPE, so every write would fail with EPIPE.
/// `serve` and `dev` keep ignoring it: a server whose stdout reader went
/// away goes on serving (its ready line is written without `println!`).
#[allow(unsafe_code)]
fn die_quietly_on_a_closed_pipe() {
    // SAFETY: setting a signal's disposition to its default before any
    // thread is started touches no state of Rust's.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `-V`: witloom's version and the runtime's; `--version` adds the WIT
/// packages the runtime implements, by WASI version, and which of them
/// `run` and `serve` link.
fn version(long: bool) -> &'static str {
    static SHORT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static LONG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    // From constants: every command builds this, so no WIT is parsed.
    let version_of = |p: &'static str| p.split_once('@').map_or("", |(_, v)| v);
    let mut wasi_versions: Vec<&str> = witloom_host::WASI_PACKAGES
        .iter()
        .map(|p| version_of(p))
        .collect();
    // By number: 0.10 after 0.2.
    wasi_versions.sort_by_key(|v| {
        v.split('.')
            .map(|n| n.parse::<u64>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    wasi_versions.dedup();
    // Which hosts link a version's packages: `run` and `serve`, `run`
    // (all but `wasi:http`), or none.
    let hosts = |v: &str| {
        let of_v = || {
            witloom_host::WASI_PACKAGES
                .iter()
                .filter(move |p| version_of(p) == v)
        };
        let serve = of_v().all(|p| witloom_host::WASI_SERVE.contains(p));
        if serve && of_v().all(|p| witloom_host::WASI_RUN.contains(p)) {
            Linked::Both
        } else if serve && of_v().any(|p| witloom_host::WASI_RUN.contains(p)) {
            Linked::BothButRunHttp
        } else if of_v().any(|p| witloom_host::WASI_RUN.contains(p)) {
            Linked::Run
        } else {
            Linked::None
        }
    };
    let runtime = witloom_host::WASMTIME_VERSION;
    if !long {
        return SHORT.get_or_init(|| {
            let wasi: Vec<String> = wasi_versions
                .iter()
                .map(|v| match hosts(v) {
                    Linked::Both | Linked::BothButRunHttp => v.to_string(),
                    Linked::Run => format!("{v} (run)"),
                    Linked::None => format!("{v} (WIT only)"),
                })
                .collect();
            format!(
                "{} (wasmtime {runtime}, WASI {})",
                env!("CARGO_PKG_VERSION"),
                wasi.join(", ")
            )
        });
    }
    LONG.get_or_init(|| {
        let mut text = format!(
            "{}\nruntime: wasmtime {runtime}\n",
            env!("CARGO_PKG_VERSION")
        );
        for v in wasi_versions {
            let packages: Vec<&str> = witloom_host::WASI_PACKAGES
                .iter()
                .copied()
                .filter(|p| version_of(p) == v)
                .collect();
            let use_ = match hosts(v) {
                Linked::Both => "run and serve",
                Linked::BothButRunHttp => "run and serve; run: all but wasi:http",
                Linked::Run => "run links all but wasi:http; serve does not link it yet",
                Linked::None => {
                    "for WIT: wit deps, wit check, docs; run and serve do not link it yet"
                }
            };
            text.push_str(&format!("WASI {v} ({use_}): {}\n", packages.join(", ")));
        }
        text.push_str("and witloom:host (wit/host.wit), granted per run");
        text
    })
}

/// Which of witloom's hosts link a WASI version.
enum Linked {
    Both,
    /// `serve` all of it, `run` all but `wasi:http` (WASI 0.3: a handler
    /// is served, not run).
    BothButRunHttp,
    Run,
    None,
}

/// `--manifest`, or `./witloom.toml`.
fn manifest_path(manifest: Option<PathBuf>) -> PathBuf {
    manifest.unwrap_or_else(|| PathBuf::from(witloom_manifest::FILE_NAME))
}

/// What every verb's `run` returns: an exit code, or the one error to
/// print.
type Outcome = Result<ExitCode, Diagnostic>;
