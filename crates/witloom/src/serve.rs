//! `witloom serve`: a `wasi:http` component over HTTP: a WASI 0.2
//! handler on an instance per request, a WASI 0.3 handler on instances
//! reused for many.

use crate::common::{DatabaseArgs, LimitArgs, guest_log, parse_count, parse_env};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component: it exports `wasi:http/incoming-handler@0.2.x` or
    /// `wasi:http/handler@0.3.x`.
    file: PathBuf,
    #[command(flatten)]
    flags: ServeFlags,
}

/// How to serve, whatever is served: `serve`'s flags, which `dev` takes
/// too.
#[derive(clap::Args, Debug)]
pub struct ServeFlags {
    /// Where to listen (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    limits: LimitArgs,
    /// The most requests served at once; further requests wait (in order)
    /// until one finishes.
    #[arg(long, value_name = "N", default_value_t = witloom_serve::DEFAULT_MAX_CONCURRENT_REQUESTS, value_parser = parse_count)]
    max_concurrent_requests: usize,
    #[command(flatten)]
    database: DatabaseArgs,
    /// The most database connections open at once [default: one per
    /// concurrent request for SQLite, 10 for PostgreSQL].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    db_connections: Option<usize>,
    /// The largest request body a guest is given, e.g. 10MiB: a larger
    /// declared length is answered 413 before the guest runs, and a body
    /// that grows past it is cut (the guest's read fails) [default: no
    /// limit; bodies are streamed, never held whole].
    #[arg(long, value_name = "SIZE", value_parser = witloom_run::parse_size)]
    max_body: Option<usize>,
    /// Set an environment variable in the guest (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Compile afresh instead of using the compiled-code cache.
    #[arg(long)]
    no_cache: bool,
    /// How long a shutdown (SIGINT, SIGTERM) waits for requests in flight
    /// before it stops them [default: --timeout plus 1s, or 30s].
    #[arg(long, value_name = "DURATION", value_parser = witloom_run::parse_duration)]
    shutdown_grace: Option<std::time::Duration>,
    /// WASI 0.3 handlers: the most requests one instance serves before a
    /// fresh one takes over (1: an instance per request, nothing kept
    /// between requests) [default: 128].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_instance_reuse: Option<usize>,
    /// WASI 0.3 handlers: the most requests one instance serves at once
    /// [default: 16; 1 when a database is granted, whose connection an
    /// instance's requests share].
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_instance_concurrency: Option<usize>,
    /// WASI 0.3 handlers: how long an instance with no request is kept
    /// for the next one [default: 1s].
    #[arg(long, value_name = "DURATION", value_parser = witloom_run::parse_duration)]
    instance_idle_timeout: Option<std::time::Duration>,
    /// Serve Prometheus metrics at `GET /metrics` on this address (a port
    /// of its own; port 0: any free port, printed at start) [default: off].
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Sample the guests of every request and write, when the server
    /// stops, OUT.json (the Firefox profiler's format) and OUT.svg (a
    /// flame graph).
    #[arg(long, value_name = "OUT")]
    profile: Option<PathBuf>,
    /// How often --profile samples, e.g. 1ms.
    #[arg(long, value_name = "DURATION", default_value = "1ms", value_parser = crate::common::parse_interval, requires = "profile")]
    profile_interval: std::time::Duration,
}

impl ServeFlags {
    pub fn options(self) -> witloom_serve::ServeOptions {
        witloom_serve::ServeOptions {
            addr: self.addr,
            limits: self.limits.into(),
            max_concurrent_requests: self.max_concurrent_requests,
            sqlite: self.database.sqlite,
            postgres: self.database.sql,
            db_connections: self.db_connections,
            env: self.env,
            no_cache: self.no_cache,
            cache_dir: None,
            shutdown_grace: self.shutdown_grace,
            max_body: self.max_body.map(|n| n as u64),
            reuse: witloom_serve::ReuseOptions {
                max_requests: self.max_instance_reuse,
                concurrency: self.max_instance_concurrency,
                idle: self.instance_idle_timeout,
            },
            metrics: self.metrics,
            profile: self.profile.map(|out| witloom_run::ProfileOptions {
                out,
                interval: self.profile_interval,
            }),
        }
    }

    /// The flags of these that `witloom run` takes, as its arguments:
    /// what `dev` runs a command app with.
    pub fn run_args(&self) -> Vec<String> {
        let mut args = self.limits.args();
        args.extend(self.database.args());
        for (k, v) in &self.env {
            args.extend(["--env".to_string(), format!("{k}={v}")]);
        }
        if self.no_cache {
            args.push("--no-cache".to_string());
        }
        args
    }
}

/// The line that says where a server listens: on stdout, one line, so
/// that scripts can read the address (the first `http://` on it; the
/// metrics' is the second). Not `println!`: a reader that went away must
/// not stop the server.
pub fn print_ready(file: &std::path::Path, addr: SocketAddr, metrics: Option<SocketAddr>) {
    use std::io::Write;
    let metrics = metrics.map_or(String::new(), |at| {
        format!(" (metrics on http://{at}/metrics)")
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "serving {} on http://{addr}{metrics}", file.display())
        .and_then(|()| out.flush());
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        guest_log();
        let opts = self.flags.options();
        let file = self.file;
        let ready = |server: &witloom_serve::Server| {
            print_ready(&file, server.local_addr(), server.metrics_addr());
        };
        let profile = opts.profile.clone();
        witloom_serve::serve(&file, &opts, ready).map_err(|e| e.about(&file))?;
        if let Some(profile) = profile {
            crate::run::print_profile(&profile);
        }
        Ok(ExitCode::SUCCESS)
    }
}
