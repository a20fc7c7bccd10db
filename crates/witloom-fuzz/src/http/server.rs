//! The `witloom serve` under test: the handler it serves (built once per
//! work directory), the process, its address, its log and its peak memory.

use crate::Config;
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The guest's time limit per request: answers come well within a case's
/// deadline unless the server itself is stuck.
const GUEST_TIMEOUT: &str = "2s";
/// `--max-body` as the flag spells [`super::MAX_BODY`].
const MAX_BODY_FLAG: &str = "1MiB";
/// How long the first start (which compiles the component) may take.
const START_DEADLINE: Duration = Duration::from_secs(180);

/// The handler component of WASI `wasi` (`0.2`, or `0.3`: instances
/// reused), built once per work directory.
pub(super) fn handler_component(cfg: &Config, wasi: &str) -> Result<PathBuf> {
    let app = cfg.work.join(if wasi == "0.2" {
        "http-app".to_string()
    } else {
        format!("http-app-{}", wasi.replace('.', "-"))
    });
    if let Some(wasm) = built(&app) {
        return Ok(wasm);
    }
    // A half-made app (an interrupted init) is started afresh.
    if !app.join("witloom.toml").exists() && app.exists() {
        std::fs::remove_dir_all(&app)?;
    }
    if !app.exists() {
        let mut init = Command::new(&cfg.witloom);
        init.args(["init", path_str(&app)?, "--lang", "c", "--template", "http"])
            .args(["--wasi", wasi])
            .env("NO_COLOR", "1");
        let out = crate::exec(init, Duration::from_secs(60))?;
        if out.code != Some(0) {
            bail!(
                "witloom init failed ({}):\n{}",
                out.key(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let mut build = Command::new(&cfg.witloom);
    build
        .args(["build", "--manifest", path_str(&app.join("witloom.toml"))?])
        .env("NO_COLOR", "1");
    // C: no network, no crate downloads, a second or two.
    let out = crate::exec(build, Duration::from_secs(300))?;
    if out.code != Some(0) {
        bail!(
            "witloom build of the http handler failed ({}):\n{}",
            out.key(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    built(&app).context("witloom build succeeded but left no target/witloom/*.wasm")
}

fn built(app: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(app.join("target/witloom")).ok()?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    found.sort();
    // `handler.wasm` when there (the composed app is the other file).
    found
        .iter()
        .find(|p| p.file_name().is_some_and(|n| n == "handler.wasm"))
        .or(found.first())
        .cloned()
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .with_context(|| format!("{} is not UTF-8", p.display()))
}

/// Whether this binary's `serve` takes `--max-body`.
pub(super) fn has_max_body(cfg: &Config) -> Result<bool> {
    let mut help = Command::new(&cfg.witloom);
    help.args(["serve", "--help"]);
    let out = crate::exec(help, Duration::from_secs(30))?;
    Ok(String::from_utf8_lossy(&out.stdout).contains("--max-body"))
}

/// A running `witloom serve`, killed when dropped.
pub(super) struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
    /// The handler served, for a restart.
    pub file: PathBuf,
    pub max_body: Option<u64>,
    /// The largest VmHWM sampled, in KiB.
    pub peak_kib: u64,
}

impl Server {
    pub fn start(
        cfg: &Config,
        file: &Path,
        max_body: Option<u64>,
        dir: &Path,
        n: u64,
    ) -> Result<Server> {
        let log = dir.join("logs").join(format!("serve-{n}.log"));
        let mut cmd = Command::new(&cfg.witloom);
        cmd.args([
            "serve",
            path_str(file)?,
            "--addr",
            "127.0.0.1:0",
            "--timeout",
            GUEST_TIMEOUT,
        ]);
        if max_body.is_some() {
            cmd.args(["--max-body", MAX_BODY_FLAG]);
        }
        let mut child = cmd
            .env("WITLOOM_CACHE_DIR", cfg.work.join("cache"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("starting witloom serve")?;
        let stdout = child.stdout.take().context("piped stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        // The first line names the address; the rest is drained so the
        // server never blocks on a full pipe. The thread ends with the
        // process (its pipe closes).
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = rx.recv_timeout(START_DEADLINE).unwrap_or_default();
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .and_then(|a| a.trim_end_matches('/').parse::<SocketAddr>().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "witloom serve printed no address ({line:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        Ok(Server {
            child,
            addr,
            log,
            file: file.to_path_buf(),
            max_body,
            peak_kib: 0,
        })
    }

    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("cannot wait: {e}")),
        }
    }

    /// Keeps the largest VmHWM seen (the kernel's peak resident set).
    pub fn sample_rss(&mut self) {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
        else {
            return;
        };
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
        if let Some(kib) = hwm {
            self.peak_kib = self.peak_kib.max(kib);
        }
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read(&self.log).unwrap_or_default();
        String::from_utf8_lossy(&log[log.len().saturating_sub(8 << 10)..]).into_owned()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
