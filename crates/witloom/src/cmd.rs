//! The verbs that drive a library and report progress: argument plumbing
//! and printing only.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_guest::Profile;
use witloom_guest::app::{BuildOptions, Event, build_app};
use witloom_manifest::{Language, Manifest};

fn load_manifest(path: Option<PathBuf>) -> Result<Manifest, ExitCode> {
    let path = path.unwrap_or_else(|| PathBuf::from(witloom_manifest::FILE_NAME));
    Manifest::load(&path).map_err(|d| {
        eprint!("{d}");
        ExitCode::FAILURE
    })
}

pub fn build(manifest: Option<PathBuf>, release: bool, only: Vec<String>) -> ExitCode {
    let manifest = match load_manifest(manifest) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let total = if only.is_empty() {
        manifest.components.len()
    } else {
        only.len()
    };
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg}")
            .expect("a valid template")
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let opts = BuildOptions {
        profile: if release {
            Profile::Release
        } else {
            Profile::Debug
        },
        only,
    };
    let result = build_app(&manifest, &opts, &mut |event| match event {
        Event::Started { name, language } => {
            bar.set_message(format!("building {name} ({language})"))
        }
        Event::Finished(b) => {
            let how = if b.rebuilt {
                format!("built in {:.1}s", b.elapsed.as_secs_f64())
            } else {
                "up to date".to_string()
            };
            // `println` draws nothing when stderr is not a terminal.
            bar.suspend(|| {
                eprintln!(
                    "{:>9} {} ({}) -> {} ({} KiB, {how})",
                    "ok",
                    b.name,
                    b.language,
                    b.path.display(),
                    b.bytes.div_ceil(1024)
                )
            });
            bar.inc(1);
        }
    });
    bar.finish_and_clear();
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{e}");
            ExitCode::FAILURE
        }
    }
}

pub fn new(manifest: Option<PathBuf>, name: &str, lang: &str, world: &str) -> ExitCode {
    let manifest = manifest.unwrap_or_else(|| PathBuf::from(witloom_manifest::FILE_NAME));
    let language: Language = lang.parse().expect("clap checked the language");
    match witloom_guest::scaffold::new_component(&manifest, name, language, world) {
        Ok(files) => {
            for file in files {
                eprintln!("{:>9} {}", "created", file.display());
            }
            eprintln!(
                "{:>9} [components.{name}] to {}\n\nbuild it with: witloom build -c {name}",
                "added",
                manifest.display()
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            eprint!("{d}");
            ExitCode::FAILURE
        }
    }
}

pub fn doctor() -> ExitCode {
    let mut all_ready = true;
    for language in Language::ALL {
        let name = language.to_string();
        let tc = witloom_guest::toolchain(language);
        let version = tc.version.as_deref().unwrap_or("-");
        let detail = tc
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        if tc.ready() {
            println!("{name:<5} ready    {version}{detail}");
        } else {
            all_ready = false;
            println!("{name:<5} missing  {version}{detail}");
            for m in &tc.missing {
                println!("      - {}\n        install: {}", m.what, m.install);
            }
        }
    }
    if all_ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[derive(clap::Args, Debug)]
pub struct ComposeArgs {
    /// The socket component (plug mode); without it, the manifest's app.
    pub socket: Option<PathBuf>,
    /// A component whose exports plug the socket's imports (repeatable).
    #[arg(long = "plug", value_name = "PLUG.wasm", requires = "socket")]
    pub plugs: Vec<PathBuf>,
    /// Where to write the composed component [default: composed.wasm,
    /// or target/witloom/<app>.wasm for the manifest's app].
    #[arg(short, long, value_name = "OUT.wasm")]
    pub output: Option<PathBuf>,
    /// The application manifest [default: ./witloom.toml].
    #[arg(long, conflicts_with = "socket")]
    pub manifest: Option<PathBuf>,
    /// Check the wiring from the WIT worlds alone (nothing needs to be
    /// built) and report it; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Print the wiring as a graph instead of composing.
    #[arg(long, value_parser = ["dot", "mermaid"])]
    pub graph: Option<String>,
}

pub fn compose(args: ComposeArgs) -> ExitCode {
    match compose_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(d) => {
            eprint!("{d}");
            ExitCode::FAILURE
        }
    }
}

/// For `compose --check` on an application: the WASI its guests' language
/// runtimes import (wasi-libc, Go's wasip1 port and Rust's std all do),
/// which no WIT world declares. Read from the built components when every
/// one is built and their wiring plans; `None` otherwise.
fn runtime_wasi(manifest: &Manifest) -> Option<Vec<(String, Vec<usize>)>> {
    let parts = witloom_compose::app_parts(manifest, true).ok()?;
    let built = witloom_compose::plan(&parts, &witloom_compose::app_options(manifest)).ok()?;
    Some(
        built
            .host
            .into_iter()
            .filter(|(name, _)| witloom_host::kind_of(name) == Some(witloom_host::Kind::Wasi))
            .collect(),
    )
}

fn compose_inner(args: ComposeArgs) -> Result<(), witloom_ir::Diagnostic> {
    use witloom_compose::{GraphFormat, Host, Options, Part};
    let stem = |p: &std::path::Path| {
        p.file_stem().map_or_else(
            || "component".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    };
    let (parts, opts, default_out, manifest) = match &args.socket {
        Some(socket) => {
            let mut parts = vec![Part::from_file(&stem(socket), socket)?];
            for plug in &args.plugs {
                let mut name = stem(plug);
                while parts.iter().any(|p| p.name == name) {
                    name.push('\'');
                }
                parts.push(Part::from_file(&name, plug)?);
            }
            let opts = Options {
                root: Some(parts[0].name.clone()),
                host: Host::Anything,
                ..Options::default()
            };
            (parts, opts, PathBuf::from("composed.wasm"), None)
        }
        None => {
            let path = args
                .manifest
                .clone()
                .unwrap_or_else(|| PathBuf::from(witloom_manifest::FILE_NAME));
            let manifest = Manifest::load(&path)?;
            let built = !args.check && args.graph.is_none();
            let parts = witloom_compose::app_parts(&manifest, built)?;
            let out = manifest
                .target_dir()
                .join(format!("{}.wasm", manifest.app.name));
            let opts = witloom_compose::app_options(&manifest);
            (parts, opts, out, Some(manifest))
        }
    };
    let plan = witloom_compose::plan(&parts, &opts)?;
    if let Some(format) = &args.graph {
        let format = if format == "dot" {
            GraphFormat::Dot
        } else {
            GraphFormat::Mermaid
        };
        print!("{}", witloom_compose::graph(&plan, format));
        return Ok(());
    }
    if args.check {
        let Some(manifest) = &manifest else {
            print!("{}", plan.report());
            return Ok(());
        };
        let mut plan = plan;
        match runtime_wasi(manifest) {
            Some(wasi) => {
                for (name, users) in wasi {
                    if !plan.host.iter().any(|(n, _)| *n == name) {
                        plan.host.push((name, users));
                    }
                }
                print!("{}", plan.report());
            }
            None => {
                print!("{}", plan.report());
                println!(
                    "(and WASI, as the guests' language runtimes need it: `witloom build`, then check again, to list it)"
                );
            }
        }
        return Ok(());
    }
    let bytes = witloom_compose::encode(&parts, &plan)?;
    let out = args.output.unwrap_or(default_out);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            witloom_ir::Diagnostic::new(format!("cannot create `{}`: {e}", dir.display()))
        })?;
    }
    std::fs::write(&out, &bytes).map_err(|e| {
        witloom_ir::Diagnostic::new(format!("cannot write `{}`: {e}", out.display()))
    })?;
    eprintln!(
        "{:>9} {} ({} parts, {} wired inside, {} left for the host, {} KiB)",
        "composed",
        out.display(),
        parts.len(),
        plan.wires.len(),
        plan.host.len(),
        bytes.len().div_ceil(1024)
    );
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The component.
    pub file: PathBuf,
    /// Call this export instead, with WAVE arguments: `greet("world")`,
    /// `iface#func(1, [2, 3])`. The result is printed in WAVE.
    #[arg(long, value_name = "CALL")]
    pub invoke: Option<String>,
    /// Give the guest a host directory, optionally under another name
    /// (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<(PathBuf, String)>,
    /// Set an environment variable in the guest (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// The most linear memory the guest may have, e.g. 64MiB.
    #[arg(long, value_parser = witloom_run::parse_size)]
    pub max_memory: Option<usize>,
    /// Stop the guest after this long, e.g. 500ms or 2s.
    #[arg(long, value_parser = witloom_run::parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Stop the guest after this much fuel (about one unit per wasm
    /// instruction).
    #[arg(long)]
    pub fuel: Option<u64>,
    /// The most stack wasm code may use, e.g. 512KiB.
    #[arg(long, value_parser = witloom_run::parse_size)]
    pub max_wasm_stack: Option<usize>,
    /// The largest --invoke result the host accepts, e.g. 256MiB
    /// [default: 16MiB].
    #[arg(long, value_parser = witloom_run::parse_size)]
    pub max_result: Option<usize>,
    /// Grant `witloom:host/sql` a SQLite database: a file (created if
    /// missing), or in memory when PATH is left out (put the flag after
    /// FILE then). Without it, a component importing `sql` is refused.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = witloom_run::IN_MEMORY)]
    pub sqlite: Option<PathBuf>,
    /// Compile afresh instead of using the compiled-code cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Arguments for the guest.
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// Guests' `witloom:host/log` messages go to stderr through `tracing`, at
/// the level `WITLOOM_LOG` names (trace, debug, info, warn, error, off;
/// default info).
fn guest_log() {
    let level = std::env::var("WITLOOM_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_max_level(level)
        .try_init();
}

fn parse_dir(d: &str) -> Result<(PathBuf, String), String> {
    Ok(match d.split_once("::") {
        Some((host, guest)) => (PathBuf::from(host), guest.to_string()),
        None => (PathBuf::from(d), d.to_string()),
    })
}

fn parse_env(kv: &str) -> Result<(String, String), String> {
    kv.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{kv}` is not K=V"))
}

pub fn run(args: RunArgs) -> ExitCode {
    let file = args.file;
    let opts = witloom_run::RunOptions {
        args: args.args,
        dirs: args.dirs,
        env: args.env,
        invoke: args.invoke,
        max_memory: args.max_memory,
        timeout: args.timeout,
        fuel: args.fuel,
        max_wasm_stack: args.max_wasm_stack,
        max_result: args.max_result,
        sqlite: args.sqlite,
        no_cache: args.no_cache,
    };
    guest_log();
    match witloom_run::run(&file, &opts) {
        Ok(witloom_run::Outcome::Exited(code)) => ExitCode::from(code.clamp(0, 255) as u8),
        Ok(witloom_run::Outcome::Returned(value)) => {
            if !value.is_empty() {
                println!("{value}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}
