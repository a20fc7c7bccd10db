//! HTTP servers the compat check and the serve benchmark start side by
//! side: `witloom serve` and a stock `wasmtime serve`, each on a free port
//! of 127.0.0.1, waited for (bounded) and stopped on drop.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Witloom,
    Wasmtime,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Witloom => "witloom serve",
            Kind::Wasmtime => "wasmtime serve",
        }
    }
}

/// A running server.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// Starts `tool serve` on `file` with `env` (`K=V`), on a free port,
    /// and waits (at most two minutes: the first start compiles) until it
    /// accepts connections. Its stderr goes to `log`.
    pub fn start(kind: Kind, tool: &Path, file: &Path, env: &[&str], log: &Path) -> Result<Server> {
        let args: Vec<String> = env
            .iter()
            .flat_map(|kv| ["--env".to_string(), kv.to_string()])
            .collect();
        Server::start_with(kind, tool, file, &args, log)
    }

    /// [`Server::start`] with any other `serve` arguments (`--sql URL`).
    pub fn start_with(
        kind: Kind,
        tool: &Path,
        file: &Path,
        args: &[String],
        log: &Path,
    ) -> Result<Server> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(tool);
        cmd.arg("serve").arg("--addr").arg(&addr);
        if kind == Kind::Wasmtime {
            // `wasmtime serve` links only the proxy world unless asked;
            // every language runtime's component imports `wasi:cli`
            // (environment, exit, stdio) beyond it, as witloom provides.
            cmd.arg("-Scli");
        }
        cmd.args(args);
        cmd.arg(file)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).with_context(|| log.display().to_string())?);
        if kind == Kind::Witloom {
            // Only the access log's warnings and errors: logging every
            // request would measure the terminal, not the server.
            cmd.env("WITLOOM_LOG", "warn");
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot run {}", tool.display()))?;
        let mut server = Server {
            child,
            url: format!("http://{addr}"),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(&addr).is_err() {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "{} exited ({status}) before listening:\n{}",
                    kind.name(),
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!("{} did not listen on {addr} within 2 minutes", kind.name());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The resident set now and at its peak, in KiB (`VmRSS`, `VmHWM`).
    pub fn rss_kib(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        };
        match (field("VmRSS:"), field("VmHWM:")) {
            (Some(now), Some(peak)) => Ok((now, peak)),
            _ => bail!("no VmRSS/VmHWM for pid {}", self.pid()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now (the OS's pick for port 0).
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// One request's answer: status, the headers named, the body.
pub type Answer = (u16, Vec<(String, String)>, String);

/// `method url` with `headers`, returning what `keep` names of the answer.
pub fn request(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    keep: &[&str],
) -> Result<Answer> {
    let mut response = match method {
        "GET" => {
            let mut r = agent.get(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.call()
        }
        _ => {
            let mut r = agent.post(url);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.send(&b"{}"[..])
        }
    }
    .with_context(|| format!("{method} {url}"))?;
    let kept = keep
        .iter()
        .filter_map(|k| {
            response
                .headers()
                .get(*k)
                .map(|v| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        })
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Ok((status, kept, body))
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}
