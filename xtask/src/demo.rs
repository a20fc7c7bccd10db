//! `cargo xtask demo`: the README's main job, the way a user would type it
//! with the `witloom` CLI (every command is printed before it runs):
//! 1. the wordstats example (a C kernel, a Go formatter, a Python
//!    readability stage, a Rust flow) is
//!    built, checked, composed into one command and run on an embedded
//!    SQLite database;
//! 2. the notes example (a WASI 0.3 app: a C gate and a Rust etag
//!    middleware in front of a Rust API, Go pages) gets its WASI WIT (`wit
//!    deps`), is built, checked, composed into one HTTP handler and served
//!    by `witloom serve` on a free port of 127.0.0.1, and a few requests
//!    show it working (a conditional `GET` answered 304 by the etag
//!    middleware among them); then the server is stopped (SIGTERM), or,
//!    with `--serve`, left running until Ctrl-C so that you can open its
//!    page.
//!
//! `--db PATH` picks wordstats' database (default
//! `examples/wordstats/target/wordstats.db`, kept between demos, so totals
//! grow), `--notes-db PATH` the notes' (default
//! `examples/notes/target/notes.db`); `WITLOOM_BIN` runs a `witloom` built
//! elsewhere instead of building the release one (the end-to-end test uses
//! its own).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "usage: cargo xtask demo [--db PATH] [--notes-db PATH] [--serve]";

pub fn run(args: &[&str]) -> Result<()> {
    let root = crate::root();
    let example = root.join("examples/wordstats");
    let mut db = example.join("target/wordstats.db");
    let mut notes_db = root.join("examples/notes/target/notes.db");
    let mut serve = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "--db" => db = PathBuf::from(args.next().context(USAGE)?),
            "--notes-db" => notes_db = PathBuf::from(args.next().context(USAGE)?),
            "--serve" => serve = true,
            _ => bail!(USAGE),
        }
    }

    crate::setup::guests()?;
    let witloom = match std::env::var_os("WITLOOM_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => {
            // Cargo's own progress, not `--quiet`: a cold release build
            // takes minutes, and a still screen looks like a hang.
            println!("demo: building witloom (release; cargo shows its progress)");
            crate::run(crate::cargo().args(["build", "--release", "-p", "witloom"]))?;
            crate::target_dir().join("release/witloom")
        }
    };
    // Which guest toolchains are ready, or what to install.
    let doctor = Command::new(&witloom)
        .arg("doctor")
        .status()
        .with_context(|| format!("cannot run `{}`", witloom.display()))?;
    if !doctor.success() {
        bail!(
            "a guest toolchain is missing; install what `witloom doctor` says above, then run `cargo xtask demo` again"
        );
    }
    // WASI's WIT comes from cargo's registry, never from the repository.
    witloom_testkit::link_wasi_deps(example.clone());

    let app = example.join("target/wordstats.wasm");
    step(&witloom, &example, &["build", "--release"])?;
    step(&witloom, &example, &["compose", "--check"])?;
    step(
        &witloom,
        &example,
        &["compose", "-o", "target/wordstats.wasm"],
    )?;
    if let Some(dir) = db.parent() {
        witloom_diag::io::create_dir_all(dir)?;
    }
    let db_arg = db.to_str().context("the database path is not UTF-8")?;
    step(
        &witloom,
        &example,
        &[
            "run",
            "target/wordstats.wasm",
            "--sqlite",
            db_arg,
            "--dir",
            "texts::/texts",
            "--",
            "/texts/loom.txt",
            "/texts/river.txt",
        ],
    )?;
    println!(
        "\ndemo: the app is {} ({} KiB); its counts are in {} (run the demo again and the totals grow)",
        app.display(),
        witloom_diag::io::metadata(&app)?.len().div_ceil(1024),
        db.display()
    );
    notes(&witloom, &notes_db, serve)
}

/// The token the demo gives the notes' gate.
const TOKEN: &str = "demo-token";

/// Builds, composes and serves the notes example, and talks to it.
fn notes(witloom: &Path, db: &Path, serve: bool) -> Result<()> {
    let example = crate::root().join("examples/notes");
    println!("\n\ndemo: the notes service (examples/notes)");
    step(witloom, &example, &["wit", "deps"])?;
    step(witloom, &example, &["build", "--release"])?;
    step(witloom, &example, &["compose", "--check"])?;
    step(witloom, &example, &["compose"])?;
    if let Some(dir) = db.parent() {
        witloom_diag::io::create_dir_all(dir)?;
    }
    let db_arg = db.to_str().context("the database path is not UTF-8")?;
    let token = format!("NOTES_TOKEN={TOKEN}");
    let args = [
        "serve",
        "target/witloom/notes.wasm",
        "--sqlite",
        db_arg,
        "--env",
        &token,
        "--addr",
        "127.0.0.1:0",
        "--timeout",
        "10s",
    ];
    println!("\n$ witloom {} &", args.join(" "));
    let log = example.join("target/serve.log");
    let mut server = Server(
        Command::new(witloom)
            .args(args)
            .current_dir(&example)
            .stdout(std::process::Stdio::piped())
            .stderr(
                std::fs::File::create(&log)
                    .with_context(|| format!("cannot create {}", log.display()))?,
            )
            .spawn()
            .with_context(|| format!("cannot run {}", witloom.display()))?,
    );
    let url = server.address(&log)?;
    println!("serving on {url} (its log: {})", log.display());

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let show = |method: &str, path: &str, token: bool, body: Option<&str>| -> Result<u16> {
        let auth = if token {
            format!(" -H 'authorization: Bearer {TOKEN}'")
        } else {
            String::new()
        };
        let data = body.map_or(String::new(), |b| format!(" -d '{b}'"));
        println!("\n$ curl -X {method} {url}{path}{auth}{data}");
        let target = format!("{url}{path}");
        let mut response = match (method, body) {
            ("GET", _) => agent.get(&target).call(),
            ("DELETE", _) => {
                let r = agent.delete(&target);
                if token {
                    r.header("authorization", format!("Bearer {TOKEN}"))
                } else {
                    r
                }
                .call()
            }
            (_, body) => {
                let r = agent
                    .post(&target)
                    .header("content-type", "application/json");
                if token {
                    r.header("authorization", format!("Bearer {TOKEN}"))
                } else {
                    r
                }
                .send(body.unwrap_or("").as_bytes())
            }
        }
        .with_context(|| format!("{method} {target}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        println!("{status} {}", text.trim_end());
        Ok(status)
    };
    let note = r#"{"title":"Try witloom serve","body":"C gate, Rust API, Go pages"}"#;
    let refused = show("POST", "/api/notes", false, Some(note))?;
    let created = show("POST", "/api/notes", true, Some(note))?;
    let listed = show("GET", "/api/notes", false, None)?;
    let revalidated = revalidate(&agent, &url)?;
    let page = agent
        .get(&format!("{url}/"))
        .call()
        .context("GET /")?
        .body_mut()
        .read_to_string()
        .unwrap_or_default();
    println!(
        "\n$ curl {url}/\n(the home page: {} bytes of HTML, {} note(s) on it)",
        page.len(),
        page.matches("<article").count()
    );
    if (refused, created, listed, revalidated) != (401, 201, 200, 304) {
        bail!(
            "the notes service answered {refused}, {created}, {listed}, {revalidated}; expected 401, 201, 200, 304 (see {})",
            log.display()
        );
    }
    if serve {
        println!("\ndemo: open {url}/ in a browser (token: {TOKEN}); Ctrl-C stops the server");
        let status = server.0.wait()?;
        println!("demo: the server stopped ({status})");
        return Ok(());
    }
    let code = server.stop()?;
    println!(
        "\ndemo: the server stopped on SIGTERM (exit {code}); the notes are in {}. Serve them yourself with:\n  cd examples/notes && witloom serve target/witloom/notes.wasm --sqlite {} --env {token}",
        db.display(),
        db.display()
    );
    if code != 0 {
        bail!(
            "witloom serve exited {code} on SIGTERM (see {})",
            log.display()
        );
    }
    Ok(())
}

/// The etag middleware at work: the list's tag, then a `GET` naming it,
/// answered 304 with no body. Returns the second status.
fn revalidate(agent: &ureq::Agent, url: &str) -> Result<u16> {
    let target = format!("{url}/api/notes");
    let first = agent.get(&target).call().context("GET /api/notes")?;
    let tag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .context("the list came without an etag")?
        .to_string();
    println!("\n$ curl -sI {target} | grep etag\netag: {tag}");
    println!("\n$ curl {target} -H 'if-none-match: {tag}'");
    let mut again = agent
        .get(&target)
        .header("if-none-match", &tag)
        .call()
        .context("GET /api/notes, if-none-match")?;
    let status = again.status().as_u16();
    let body = again.body_mut().read_to_string().unwrap_or_default();
    println!(
        "{status} ({} bytes of body: the copy you have is current)",
        body.len()
    );
    Ok(status)
}

/// A `witloom serve` child, killed if the demo fails before stopping it.
struct Server(std::process::Child);

impl Server {
    /// The `http://…` address the server prints once it listens (it
    /// compiles first: at most two minutes).
    fn address(&mut self, log: &Path) -> Result<String> {
        let stdout = self.0.stdout.take().context("the server's stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(120))
            .unwrap_or_default();
        match line.split_whitespace().find(|w| w.starts_with("http://")) {
            Some(url) => Ok(url.to_string()),
            None => bail!(
                "witloom serve did not start:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        }
    }

    /// SIGTERM, then the exit code (waiting at most 30 seconds).
    fn stop(&mut self) -> Result<i32> {
        Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .context("cannot run kill(1)")?;
        for _ in 0..300 {
            if let Some(status) = self.0.try_wait()? {
                return Ok(status.code().unwrap_or(-1));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        bail!("witloom serve did not stop within 30s of SIGTERM")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs `witloom ARGS` in the example's directory, printed first as a user
/// would type it.
fn step(witloom: &Path, dir: &Path, args: &[&str]) -> Result<()> {
    println!("\n$ witloom {}", args.join(" "));
    let status = Command::new(witloom)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot run {}", witloom.display()))?;
    if !status.success() {
        bail!("`witloom {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
