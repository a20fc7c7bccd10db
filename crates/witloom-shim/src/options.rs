//! A container's settings: what `witloom run`'s and `witloom serve`'s flags
//! say on a command line, a container says in its environment (the OCI
//! spec's `process.env`: `ctr run --env`, a Pod's `env:`), one variable a
//! flag (`--timeout 2s` is `WITLOOM_TIMEOUT=2s`).
//!
//! The shim's own variables are taken out of what the guest sees: a
//! database URL with its password is the host's, not the guest's. Every
//! other variable is the guest's environment. A `WITLOOM_…` variable this
//! shim does not know is an error rather than ignored: a misspelt limit
//! would otherwise run the guest without it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use witloom_run::{Limits, ParseLimitError};

/// Where an HTTP handler listens when the container does not say: runwasi's
/// convention (its wasmtime shim reads the same variable), every address of
/// the container's network namespace, port 8080.
pub const DEFAULT_ADDR: &str = "0.0.0.0:8080";

/// The variable runwasi's shims read for the HTTP address.
pub const ADDR_VAR: &str = "WASMTIME_HTTP_PROXY_SOCKET_ADDR";

/// Every variable the shim reads, with the flag it stands for; the docs'
/// table and the unknown-variable error list them from here.
pub const SETTINGS: &[(&str, &str)] = &[
    (ADDR_VAR, "serve --addr (default 0.0.0.0:8080)"),
    ("WITLOOM_SQLITE", "--sqlite PATH (a file in a mount)"),
    (
        "WITLOOM_SQL",
        "--sql postgres://USER[:PASSWORD]@HOST:PORT/DB",
    ),
    ("WITLOOM_MAX_MEMORY", "--max-memory, e.g. 64MiB"),
    ("WITLOOM_TIMEOUT", "--timeout, e.g. 2s"),
    ("WITLOOM_FUEL", "--fuel N"),
    ("WITLOOM_MAX_WASM_STACK", "--max-wasm-stack, e.g. 1MiB"),
    ("WITLOOM_INVOKE", "run --invoke CALL (WAVE)"),
    ("WITLOOM_MAX_RESULT", "run --max-result SIZE"),
    (
        "WITLOOM_MAX_CONCURRENT_REQUESTS",
        "serve --max-concurrent-requests N",
    ),
    ("WITLOOM_DB_CONNECTIONS", "serve --db-connections N"),
    ("WITLOOM_MAX_BODY", "serve --max-body SIZE"),
    ("WITLOOM_SHUTDOWN_GRACE", "serve --shutdown-grace DURATION"),
    ("WITLOOM_MAX_INSTANCE_REUSE", "serve --max-instance-reuse N"),
    (
        "WITLOOM_MAX_INSTANCE_CONCURRENCY",
        "serve --max-instance-concurrency N",
    ),
    (
        "WITLOOM_INSTANCE_IDLE_TIMEOUT",
        "serve --instance-idle-timeout DURATION",
    ),
    ("WITLOOM_METRICS", "serve --metrics ADDR"),
    (
        "WITLOOM_CACHE_DIR",
        "a directory (a mount) for compiled code across starts",
    ),
    ("WITLOOM_LOG", "the log filter, as for the CLI (e.g. debug)"),
];

/// What a container's environment configures.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The guest's environment: the container's, less the shim's own
    /// variables.
    pub guest_env: Vec<(String, String)>,
    pub limits: Limits,
    pub sqlite: Option<PathBuf>,
    pub postgres: Option<String>,
    pub invoke: Option<String>,
    pub max_result: Option<usize>,
    pub addr: SocketAddr,
    pub max_concurrent_requests: Option<usize>,
    pub db_connections: Option<usize>,
    pub max_body: Option<u64>,
    pub shutdown_grace: Option<Duration>,
    pub reuse: witloom_serve::ReuseOptions,
    pub metrics: Option<SocketAddr>,
    /// `WITLOOM_CACHE_DIR`: where compiled code is kept across starts (a
    /// mount); none: each start compiles.
    pub cache_dir: Option<PathBuf>,
    /// `WITLOOM_LOG`: a `tracing` filter for the shim's log lines.
    pub log: Option<String>,
}

/// A variable of the container's environment the shim cannot use.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("the container sets `{name}`, which witloom's shim does not know")]
    Unknown { name: String },
    #[error("the container sets `{name}={value}`, which is not valid")]
    Invalid {
        name: &'static str,
        value: String,
        #[source]
        source: Invalid,
    },
}

/// Why a setting's value is refused.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    #[error(transparent)]
    Limit(#[from] ParseLimitError),
    #[error("`{0}` is not a whole number above 0")]
    Count(String),
    #[error("`{0}` is not an address; write e.g. 0.0.0.0:8080")]
    Addr(String),
    #[error("it is empty")]
    Empty,
}

impl From<SettingError> for witloom_diag::Diagnostic {
    fn from(e: SettingError) -> Self {
        let d = witloom_diag::Diagnostic::new(e.to_string()).with_causes(witloom_diag::causes(&e));
        match e {
            SettingError::Unknown { name } => {
                let known = || SETTINGS.iter().map(|(name, _)| *name);
                let d = d.with_note(format!(
                    "the shim reads {}",
                    known().collect::<Vec<_>>().join(", ")
                ));
                match witloom_diag::did_you_mean(&name, known()) {
                    Some(close) => d.with_help(format!(
                        "{close} (correct the name in the container's env; docs/deploy.md says what each one does)"
                    )),
                    None => d.with_help("correct the name in the container's env (or remove it); docs/deploy.md says what each one does"),
                }
            }
            SettingError::Invalid { .. } => {
                d.with_help("correct the value in the container's env (docs/deploy.md)")
            }
        }
    }
}

impl Settings {
    /// Reads `env` (`NAME=VALUE` entries, as in the OCI spec).
    pub fn from_env<S: AsRef<str>>(env: &[S]) -> Result<Settings, SettingError> {
        let mut s = Settings {
            guest_env: Vec::new(),
            limits: Limits::default(),
            sqlite: None,
            postgres: None,
            invoke: None,
            max_result: None,
            addr: DEFAULT_ADDR.parse().expect("the default address parses"),
            max_concurrent_requests: None,
            db_connections: None,
            max_body: None,
            shutdown_grace: None,
            reuse: witloom_serve::ReuseOptions::default(),
            metrics: None,
            cache_dir: None,
            log: None,
        };
        for entry in env {
            let entry = entry.as_ref();
            let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
            let Some(&(known, _)) = SETTINGS.iter().find(|(n, _)| *n == name) else {
                if name.starts_with("WITLOOM_") {
                    return Err(SettingError::Unknown {
                        name: name.to_string(),
                    });
                }
                s.guest_env.push((name.to_string(), value.to_string()));
                continue;
            };
            let bad = |source: Invalid| SettingError::Invalid {
                name: known,
                value: value.to_string(),
                source,
            };
            let text = || match value.trim() {
                "" => Err(bad(Invalid::Empty)),
                v => Ok(v.to_string()),
            };
            let size = || witloom_run::parse_size(value).map_err(|e| bad(e.into()));
            let duration = || witloom_run::parse_duration(value).map_err(|e| bad(e.into()));
            let count = || match value.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(bad(Invalid::Count(value.to_string()))),
            };
            let addr = || {
                value
                    .trim()
                    .parse::<SocketAddr>()
                    .map_err(|_| bad(Invalid::Addr(value.to_string())))
            };
            match known {
                ADDR_VAR => s.addr = addr()?,
                "WITLOOM_SQLITE" => s.sqlite = Some(PathBuf::from(text()?)),
                "WITLOOM_SQL" => s.postgres = Some(text()?),
                "WITLOOM_MAX_MEMORY" => s.limits.max_memory = Some(size()?),
                "WITLOOM_TIMEOUT" => s.limits.timeout = Some(duration()?),
                "WITLOOM_FUEL" => s.limits.fuel = Some(count()? as u64),
                "WITLOOM_MAX_WASM_STACK" => {
                    s.limits.max_wasm_stack =
                        Some(witloom_run::parse_wasm_stack(value).map_err(|e| bad(e.into()))?)
                }
                "WITLOOM_INVOKE" => s.invoke = Some(text()?),
                "WITLOOM_MAX_RESULT" => s.max_result = Some(size()?),
                "WITLOOM_MAX_CONCURRENT_REQUESTS" => s.max_concurrent_requests = Some(count()?),
                "WITLOOM_DB_CONNECTIONS" => s.db_connections = Some(count()?),
                "WITLOOM_MAX_BODY" => s.max_body = Some(size()? as u64),
                "WITLOOM_SHUTDOWN_GRACE" => s.shutdown_grace = Some(duration()?),
                "WITLOOM_MAX_INSTANCE_REUSE" => s.reuse.max_requests = Some(count()?),
                "WITLOOM_MAX_INSTANCE_CONCURRENCY" => s.reuse.concurrency = Some(count()?),
                "WITLOOM_INSTANCE_IDLE_TIMEOUT" => s.reuse.idle = Some(duration()?),
                "WITLOOM_METRICS" => s.metrics = Some(addr()?),
                "WITLOOM_CACHE_DIR" => s.cache_dir = Some(PathBuf::from(text()?)),
                "WITLOOM_LOG" => s.log = Some(text()?),
                _ => unreachable!("every name in SETTINGS is matched"),
            }
        }
        Ok(s)
    }

    /// `witloom run`'s options for a command given `args` (after its name)
    /// and the container's `mounts` ([`preopens`]): each is a directory the
    /// guest may use, at the same path, as `--dir M::M` grants it.
    pub fn run_options(&self, args: Vec<String>, mounts: Vec<PathBuf>) -> witloom_run::RunOptions {
        witloom_run::RunOptions {
            args,
            dirs: mounts
                .into_iter()
                .map(|m| {
                    let guest = m.to_string_lossy().into_owned();
                    (m, guest)
                })
                .collect(),
            env: self.guest_env.clone(),
            invoke: self.invoke.clone(),
            limits: self.limits.clone(),
            max_result: self.max_result,
            sqlite: self.sqlite.clone(),
            postgres: self.postgres.clone(),
            // The shim loads the component itself, cached only in
            // `WITLOOM_CACHE_DIR` (`compiled_code_cache`).
            no_cache: true,
            profile: None,
        }
    }

    /// The compiled-code cache: only the one `WITLOOM_CACHE_DIR` names.
    /// The user's cache of `witloom run` would be in the container's own
    /// filesystem, gone with the container.
    pub fn compiled_code_cache(&self) -> Option<witloom_run::cache::Cache> {
        let dir = self.cache_dir.as_deref()?;
        witloom_run::cache_for(false, Some(dir))
    }

    /// `witloom serve`'s options.
    pub fn serve_options(&self) -> witloom_serve::ServeOptions {
        witloom_serve::ServeOptions {
            addr: self.addr,
            limits: self.limits.clone(),
            max_concurrent_requests: self
                .max_concurrent_requests
                .unwrap_or(witloom_serve::DEFAULT_MAX_CONCURRENT_REQUESTS),
            sqlite: self.sqlite.clone(),
            postgres: self.postgres.clone(),
            db_connections: self.db_connections,
            env: self.guest_env.clone(),
            no_cache: self.cache_dir.is_none(),
            cache_dir: self.cache_dir.clone(),
            shutdown_grace: self.shutdown_grace,
            max_body: self.max_body,
            reuse: self.reuse,
            metrics: self.metrics,
            profile: None,
        }
    }
}

/// The directories a command's guest is given: the container's mounts
/// (from its `/proc/self/mountinfo`), which are the OCI spec's, as
/// `--dir` grants them to `witloom run`. Left out:
/// - the root (the image's filesystem: the component, nothing of the
///   guest's) and what the runtime mounts for any process (`/proc`,
///   `/sys`, `/dev` and what is under them, and pseudo filesystems);
/// - a mount holding `WITLOOM_CACHE_DIR` (a guest that could write
///   compiled code would choose what the next start runs) or the
///   `WITLOOM_SQLITE` database (the host's; the guest reaches it only
///   through `witloom:host/sql`): give the guest's files a mount of their
///   own.
///
/// Files mounted alone (`/etc/hosts`) are not directories and are left
/// out by the caller, which can tell.
pub fn preopens(mountinfo: &str, settings: &Settings) -> Vec<PathBuf> {
    const PSEUDO: &[&str] = &[
        "proc",
        "sysfs",
        "devpts",
        "mqueue",
        "cgroup",
        "cgroup2",
        "securityfs",
        "debugfs",
        "tracefs",
        "pstore",
        "bpf",
        "fusectl",
        "configfs",
        "hugetlbfs",
        "binfmt_misc",
        "autofs",
        "nsfs",
    ];
    let system = |p: &std::path::Path| ["/proc", "/sys", "/dev"].iter().any(|s| p.starts_with(s));
    let hosts: Vec<&std::path::Path> = [settings.cache_dir.as_deref(), settings.sqlite.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let mut found: Vec<PathBuf> = Vec::new();
    for line in mountinfo.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(point) = fields.get(4) else { continue };
        let Some(dash) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        let fstype = fields.get(dash + 1).copied().unwrap_or("");
        let point = PathBuf::from(unescape(point));
        if !point.is_absolute()
            || point == std::path::Path::new("/")
            || system(&point)
            || PSEUDO.contains(&fstype)
        {
            continue;
        }
        if !found.contains(&point) {
            found.push(point);
        }
    }
    // The host's files: the deepest mount holding each.
    let holders: Vec<PathBuf> = hosts
        .iter()
        .filter_map(|h| {
            found
                .iter()
                .filter(|m| h.starts_with(m))
                .max_by_key(|m| m.components().count())
                .cloned()
        })
        .collect();
    found.retain(|m| !holders.contains(m));
    found
}

/// A mount point as mountinfo writes it: space, tab, newline and
/// backslash as octal escapes (`\040`).
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .and_then(|d| {
                let n = d.iter().fold(0u32, |n, b| n * 8 + u32::from(b - b'0'));
                u8::try_from(n).ok()
            });
        if let Some(byte) = octal {
            out.push(byte);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
