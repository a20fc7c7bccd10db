//! The arguments `run` and `serve` share: what a guest may use (limits),
//! the database it is granted, its environment, and where its log goes.
//! One definition, so the two verbs cannot drift apart.

use std::path::PathBuf;

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

impl LimitArgs {
    /// The flags again, as arguments (for a `witloom run` to start).
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(n) = self.max_memory {
            args.extend(["--max-memory".to_string(), n.to_string()]);
        }
        if let Some(t) = self.timeout {
            args.extend(["--timeout".to_string(), format!("{}ms", t.as_millis())]);
        }
        if let Some(n) = self.fuel {
            args.extend(["--fuel".to_string(), n.to_string()]);
        }
        if let Some(n) = self.max_wasm_stack {
            args.extend(["--max-wasm-stack".to_string(), n.to_string()]);
        }
        args
    }
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

/// The database `witloom:host/sql` is granted: a SQLite file, an in-memory
/// SQLite database, or a PostgreSQL server. Without one, a component that
/// imports `sql` is refused.
#[derive(clap::Args, Debug)]
pub struct DatabaseArgs {
    /// Grant `witloom:host/sql` a SQLite database (`serve`: shared by every
    /// request): a file (created if missing), or in memory when PATH is
    /// left out (put the flag after FILE then).
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = witloom_run::IN_MEMORY)]
    pub sqlite: Option<PathBuf>,
    /// Grant `witloom:host/sql` a PostgreSQL server instead (which several
    /// `witloom serve` processes of one app can share):
    /// postgres://USER[:PASSWORD]@HOST:PORT/DB. The guests' SQL is the
    /// same (see docs/sql.md).
    #[arg(long, value_name = "URL", conflicts_with = "sqlite")]
    pub sql: Option<String>,
}

impl DatabaseArgs {
    /// The flags again, as arguments (for a `witloom run` to start).
    pub fn args(&self) -> Vec<String> {
        match (&self.sqlite, &self.sql) {
            (Some(path), _) if path.as_os_str() == witloom_run::IN_MEMORY => {
                vec!["--sqlite".to_string()]
            }
            (Some(path), _) => vec!["--sqlite".to_string(), path.display().to_string()],
            (None, Some(url)) => vec!["--sql".to_string(), url.clone()],
            (None, None) => Vec::new(),
        }
    }
}

/// A value on the command line that does not parse: clap shows it with
/// the flag it was given to.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    #[error("`{0}` has no name before `=`; write K=V")]
    NoName(String),
    #[error("`{0}` is not {1}")]
    NotPair(String, &'static str),
    #[error("`{0}` names no host directory; write HOST[::GUEST]")]
    NoHostDir(String),
    #[error("`{0}` names no guest path after `::`; write HOST::GUEST, or HOST alone")]
    NoGuestPath(String),
    #[error("the guest path `{0}` climbs with `..`; give the path the guest sees, such as `/data`")]
    GuestPathClimbs(String),
    #[error("must be at least 1")]
    Zero,
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("must be longer than 0")]
    ZeroInterval,
    #[error("`{0}` is not a platform; write OS/ARCH in lower case, e.g. wasi/wasm or linux/amd64")]
    Platform(String),
    #[error(transparent)]
    Limit(#[from] witloom_run::ParseLimitError),
}

/// `K=V`: an environment variable for the guest, with a name.
pub fn parse_env(kv: &str) -> Result<(String, String), ArgError> {
    match kv.split_once('=') {
        Some(("", _)) => Err(ArgError::NoName(kv.to_string())),
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => Err(ArgError::NotPair(kv.to_string(), "K=V")),
    }
}

/// `A=B`, trimmed on both sides; `what` is how the pair is written
/// (`WIT=RUST`), for the error.
pub fn parse_pair(s: &str, what: &'static str) -> Result<(String, String), ArgError> {
    s.split_once('=')
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .ok_or_else(|| ArgError::NotPair(s.to_string(), what))
}

/// `HOST[::GUEST]`: a host directory, and the path the guest sees it at
/// (the host path itself when left out, as `wasmtime run` does). Neither
/// may be empty, and a guest path given may not climb with `..`.
pub fn parse_dir(d: &str) -> Result<(PathBuf, String), ArgError> {
    let (host, guest, named) = match d.split_once("::") {
        Some((host, guest)) => (host, guest, true),
        None => (d, d, false),
    };
    if host.is_empty() {
        return Err(ArgError::NoHostDir(d.to_string()));
    }
    if guest.is_empty() {
        return Err(ArgError::NoGuestPath(d.to_string()));
    }
    if named && guest.split('/').any(|part| part == "..") {
        return Err(ArgError::GuestPathClimbs(guest.to_string()));
    }
    Ok((PathBuf::from(host), guest.to_string()))
}

/// A count that must be at least one: with none, every request would
/// wait for ever.
pub fn parse_count(s: &str) -> Result<usize, ArgError> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err(ArgError::Zero),
        Ok(n) => Ok(n),
        Err(_) => Err(ArgError::NotANumber(s.to_string())),
    }
}

/// `--profile-interval`: a duration, not zero (a sample at every
/// instruction would never let the guest run).
pub fn parse_interval(s: &str) -> Result<std::time::Duration, ArgError> {
    match witloom_run::parse_duration(s)? {
        d if d.is_zero() => Err(ArgError::ZeroInterval),
        d => Ok(d),
    }
}

/// Guests' `witloom:host/log` messages and the host's own log go to stderr
/// through `tracing`, filtered by `WITLOOM_LOG`: a level (trace, debug,
/// info, warn, error, off; default info), or a level and per-target ones,
/// as `RUST_LOG` takes them: `info,witloom::sql=debug`.
pub fn guest_log() {
    witloom_run::log_to_stderr(std::env::var("WITLOOM_LOG").ok().as_deref());
}
