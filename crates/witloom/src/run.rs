//! `witloom run`: a command, or one export called with WAVE arguments, on
//! wasmtime with only what is granted.

use std::path::PathBuf;
use std::process::ExitCode;
use witloom_diag::Diagnostic;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component.
    file: PathBuf,
    /// Call this export instead, with WAVE arguments: `greet("world")`,
    /// `iface#func(1, [2, 3])`. The result is printed in WAVE.
    #[arg(long, value_name = "CALL")]
    invoke: Option<String>,
    /// Give the guest a host directory, optionally under another name
    /// (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    dirs: Vec<(PathBuf, String)>,
    /// Set an environment variable in the guest (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    env: Vec<(String, String)>,
    #[command(flatten)]
    limits: LimitArgs,
    /// The largest --invoke result the host accepts, e.g. 256MiB
    /// [default: 16MiB].
    #[arg(long, value_parser = witloom_run::parse_size)]
    max_result: Option<usize>,
    /// Grant `witloom:host/sql` a SQLite database: a file (created if
    /// missing), or in memory when PATH is left out (put the flag after
    /// FILE then). Without it, a component importing `sql` is refused.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = witloom_run::IN_MEMORY)]
    sqlite: Option<PathBuf>,
    /// Grant `witloom:host/sql` a PostgreSQL server instead:
    /// postgres://USER[:PASSWORD]@HOST:PORT/DB. The guests' SQL is the
    /// same (see docs/compose-and-run.md).
    #[arg(long, value_name = "URL", conflicts_with = "sqlite")]
    sql: Option<String>,
    /// Compile afresh instead of using the compiled-code cache.
    #[arg(long)]
    no_cache: bool,
    /// Arguments for the guest's `main` (a command; with --invoke, pass
    /// values in the call instead).
    #[arg(last = true, conflicts_with = "invoke")]
    args: Vec<String>,
}

/// How much a guest may use: the same flags for `run` (per run) and
/// `serve` (per request).
#[derive(clap::Args, Debug)]
pub struct LimitArgs {
    /// The most linear memory the guest may have, e.g. 64MiB.
    #[arg(long, value_parser = witloom_run::parse_size)]
    max_memory: Option<usize>,
    /// Stop the guest after this long, e.g. 500ms or 2s.
    #[arg(long, value_parser = witloom_run::parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Stop the guest after this much fuel (about one unit per wasm
    /// instruction).
    #[arg(long)]
    fuel: Option<u64>,
    /// The most stack wasm code may use, from 4KiB to 4MiB [default:
    /// 512KiB].
    #[arg(long, value_parser = witloom_run::parse_wasm_stack)]
    max_wasm_stack: Option<usize>,
}

impl From<LimitArgs> for witloom_run::Limits {
    fn from(a: LimitArgs) -> Self {
        witloom_run::Limits {
            max_memory: a.max_memory,
            timeout: a.timeout,
            fuel: a.fuel,
            max_wasm_stack: a.max_wasm_stack,
        }
    }
}

/// Guests' `witloom:host/log` messages go to stderr through `tracing`, at
/// the level `WITLOOM_LOG` names (trace, debug, info, warn, error, off;
/// default info).
pub fn guest_log() {
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

/// `HOST[::GUEST]`: a host directory, and the path the guest sees it at
/// (the host path itself when left out, as `wasmtime run` does). Neither
/// may be empty, and a guest path given may not climb with `..`.
pub fn parse_dir(d: &str) -> Result<(PathBuf, String), String> {
    let (host, guest, named) = match d.split_once("::") {
        Some((host, guest)) => (host, guest, true),
        None => (d, d, false),
    };
    if host.is_empty() {
        return Err(format!(
            "`{d}` names no host directory; write HOST[::GUEST]"
        ));
    }
    if guest.is_empty() {
        return Err(format!(
            "`{d}` names no guest path after `::`; write HOST::GUEST, or HOST alone"
        ));
    }
    if named && guest.split('/').any(|part| part == "..") {
        return Err(format!(
            "the guest path `{guest}` climbs with `..`; give the path the guest sees, such as `/data`"
        ));
    }
    Ok((PathBuf::from(host), guest.to_string()))
}

/// `K=V`: an environment variable for the guest, with a name.
pub fn parse_env(kv: &str) -> Result<(String, String), String> {
    match kv.split_once('=') {
        Some(("", _)) => Err(format!("`{kv}` has no name before `=`; write K=V")),
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => Err(format!("`{kv}` is not K=V")),
    }
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let file = self.file;
        let opts = witloom_run::RunOptions {
            args: self.args,
            dirs: self.dirs,
            env: self.env,
            invoke: self.invoke,
            limits: self.limits.into(),
            max_result: self.max_result,
            sqlite: self.sqlite,
            postgres: self.sql,
            no_cache: self.no_cache,
        };
        guest_log();
        match witloom_run::run(&file, &opts) {
            Ok(witloom_run::Outcome::Exited(code)) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
            Ok(witloom_run::Outcome::Returned(value)) => {
                if !value.is_empty() {
                    println!("{value}");
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => Err(Diagnostic::new(format!("{}: {e}", file.display()))),
        }
    }
}
