//! `bench shim`: witloom's containerd shim (`containerd-shim-witloom-v1`,
//! release build) against `witloom` started directly, on the same
//! components, interleaved. Needs root: it starts Debian's containerd on a
//! private socket (the tests' [`LocalContainerd`]).
//!
//! - Start of a command (the C hello `witloom init` makes): from spawning
//!   `ctr run` (image imported beforehand, compiled code cached in a
//!   mounted `WITLOOM_CACHE_DIR`, warmed) to the first byte of its stdout,
//!   against `witloom run` (warm cache) to its first byte. Goal: the shim
//!   adds at most 50 ms (medians). The containers share the host's network
//!   namespace (`--net-host`), as a Pod's containers share the Pod's, made
//!   before they start: a new one costs about 5 ms more, whatever the
//!   runtime. For scale, the same start of a static native hello under
//!   containerd's default runtime (runc): containerd's own share.
//! - Start of a server (the C hello handler): from spawning `ctr run
//!   --net-host` to the first 200 answer, against `witloom serve`. Same
//!   goal.
//! - Requests per second of that handler under `wrk` (64 connections, 2
//!   threads): the shim's over `witloom serve`'s. Goal: at least 0.95 (no
//!   more than 5% lost).

use super::{median, ms, verdict};
use crate::apps;
use anyhow::{Context, Result, bail};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use witloom_manifest::Language;
use witloom_testkit::containerd::LocalContainerd;

const RUNTIME: &str = "io.containerd.witloom.v1";

/// The most a start may take before the bench gives up on it.
const START_LIMIT: Duration = Duration::from_secs(60);

pub fn run(plan: super::Plan) -> Result<()> {
    let (starts, rounds, seconds) = plan.pick((15, 3, 10), (5, 1, 5));
    let witloom = apps::witloom()?;
    let wrk = crate::tools::wrk(plan.install)?;
    let (command, _) = super::languages::hello(&witloom, Language::C, "command", true)?;
    let (handler, _) = super::languages::hello(&witloom, Language::C, "http", true)?;

    let out = apps::out_dir("bench-shim")?;
    let ctd = containerd(&out)?;
    let cache = ctd.scratch("cache");
    let mount = format!(
        "type=bind,src={},dst=/cache,options=rbind:rw",
        cache.display()
    );
    let shim_env = ["--mount", &mount, "--env", "WITLOOM_CACHE_DIR=/cache"];
    let command_image = import(&ctd, &witloom, &command, "hello-command", &out)?;
    let handler_image = import(&ctd, &witloom, &handler, "hello-http", &out)?;
    println!(
        "bench shim: containerd-shim-witloom-v1 (release) under containerd {} vs witloom, C hello apps; starts: median of {starts}; serve: wrk, 64 connections, {seconds}s, {rounds} round(s)",
        containerd_version(&ctd)
    );

    // Starts of a command: the first byte of output.
    let direct_cmd = || {
        let mut cmd = Command::new(&witloom);
        cmd.arg("run").arg(&command);
        cmd
    };
    let shim_cmd = |id: &str| {
        ctd.ctr_command(
            &[
                &["run", "--rm", "--net-host", "--runtime", RUNTIME][..],
                &shim_env,
                &[command_image.as_str(), id],
            ]
            .concat(),
        )
    };
    let rootfs = native_hello(&out)?;
    let runc_cmd = |id: &str| {
        ctd.ctr_command(&[
            "run",
            "--rm",
            "--net-host",
            "--rootfs",
            &rootfs.to_string_lossy(),
            id,
            "/hello",
        ])
    };
    // Warm the caches.
    first_byte(direct_cmd())?;
    first_byte(shim_cmd("warm"))?;
    first_byte(runc_cmd("warm-runc"))?;
    let (mut direct, mut shimmed, mut runc) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..starts {
        direct.push(first_byte(direct_cmd())?);
        shimmed.push(first_byte(shim_cmd(&format!("c{i}")))?);
        runc.push(first_byte(runc_cmd(&format!("r{i}")))?);
    }
    let (d, s, r) = (median(&mut direct), median(&mut shimmed), median(&mut runc));
    let added = ms(s) - ms(d);
    println!(
        "  command start to first byte: shim {:.1} ms, witloom run {:.1} ms: +{added:.1} ms (goal ≤ 50 ms: {}); runc, a static native hello: {:.1} ms",
        ms(s),
        ms(d),
        verdict("shim: a command's start adds ≤ 50 ms", added, 50.0),
        ms(r)
    );

    // Starts of a server: the first answer.
    let direct_server = |addr: &str| -> Result<(Duration, Started)> {
        let mut cmd = Command::new(&witloom);
        cmd.args(["serve", "--addr", addr])
            .arg(&handler)
            .env("WITLOOM_LOG", "warn");
        first_answer(cmd, addr)
    };
    let shim_server = |id: &str, addr: &str| -> Result<(Duration, Started)> {
        let env = format!("WASMTIME_HTTP_PROXY_SOCKET_ADDR={addr}");
        let cmd = ctd.ctr_command(
            &[
                &["run", "--rm", "--net-host", "--runtime", RUNTIME][..],
                &shim_env,
                &["--env", &env, "--env", "WITLOOM_LOG=warn"],
                &[handler_image.as_str(), id],
            ]
            .concat(),
        );
        first_answer(cmd, addr)
    };
    let (mut direct, mut shimmed) = (Vec::new(), Vec::new());
    for i in 0..starts.min(8) + 1 {
        let (t, server) = direct_server(&free_addr()?)?;
        drop(server);
        let id = format!("s{i}");
        let (ts, server) = shim_server(&id, &free_addr()?)?;
        stop(&ctd, &id, server)?;
        // The first of each warms the caches.
        if i > 0 {
            direct.push(t);
            shimmed.push(ts);
        }
    }
    let (d, s) = (median(&mut direct), median(&mut shimmed));
    let added = ms(s) - ms(d);
    println!(
        "  server start to first answer: shim {:.1} ms, witloom serve {:.1} ms: +{added:.1} ms (goal ≤ 50 ms: {})",
        ms(s),
        ms(d),
        verdict("shim: a server's start adds ≤ 50 ms", added, 50.0)
    );

    // Requests per second, rounds interleaved.
    let (mut direct, mut shimmed) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let addr = free_addr()?;
        let (_, server) = direct_server(&addr)?;
        direct.push(super::serve::load(&wrk, &format!("http://{addr}/"), seconds)?.rps);
        drop(server);
        let (addr, id) = (free_addr()?, format!("load{round}"));
        let (_, server) = shim_server(&id, &addr)?;
        shimmed.push(super::serve::load(&wrk, &format!("http://{addr}/"), seconds)?.rps);
        stop(&ctd, &id, server)?;
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (d, s) = (med(&mut direct), med(&mut shimmed));
    let ratio = s / d;
    println!(
        "  hello handler: shim {s:.0} req/s, witloom serve {d:.0} req/s: {ratio:.2}× (goal ≥ 0.95×: {})",
        super::goal("shim: req/s ≥ 0.95× witloom serve's", ratio >= 0.95)
    );
    Ok(())
}

/// The release shim, built, and a containerd (started as root, files
/// under `/tmp`) that finds it through a directory in `out`.
pub(crate) fn containerd(out: &Path) -> Result<LocalContainerd> {
    crate::run(crate::cargo().args(["build", "--quiet", "--release", "-p", "witloom-shim"]))?;
    let bin = out.join("shim-bin");
    let _ = std::fs::remove_dir_all(&bin);
    std::fs::create_dir_all(&bin)?;
    std::os::unix::fs::symlink(
        crate::target_dir().join("release/containerd-shim-witloom-v1"),
        bin.join("containerd-shim-witloom-v1"),
    )?;
    LocalContainerd::start(&bin)
        .map_err(|why| anyhow::anyhow!("witloom's shim needs containerd: {why}"))
}

/// `witloom package --image` and `ctr image import` of `component` (the
/// archive `out/NAME.tar`); returns the image's name.
pub(crate) fn import(
    ctd: &LocalContainerd,
    witloom: &Path,
    component: &Path,
    name: &str,
    out: &Path,
) -> Result<String> {
    let archive = out.join(format!("{name}.tar"));
    let reference = format!("localhost/{name}:bench");
    apps::check(
        Command::new(witloom)
            .arg("package")
            .arg(component)
            .arg("--image")
            .arg(&archive)
            .args(["--name", &reference]),
    )?;
    let imported = ctd.ctr(&[
        "image",
        "import",
        "--all-platforms",
        archive.to_str().context("a UTF-8 path")?,
    ]);
    if !imported.status.success() {
        bail!(
            "ctr image import failed: {}",
            String::from_utf8_lossy(&imported.stderr)
        );
    }
    Ok(reference)
}

/// A rootfs holding `/hello`: a static native program that prints a line
/// (built with rustc, which every witloom machine has).
fn native_hello(out: &Path) -> Result<std::path::PathBuf> {
    let rootfs = out.join("native-rootfs");
    std::fs::create_dir_all(&rootfs)?;
    let source = out.join("hello.rs");
    std::fs::write(&source, "fn main() { println!(\"hello\"); }\n")?;
    apps::check(
        Command::new("rustc")
            .args(["-O", "-C", "target-feature=+crt-static", "-o"])
            .arg(rootfs.join("hello"))
            .arg(&source),
    )?;
    Ok(rootfs)
}

fn containerd_version(ctd: &LocalContainerd) -> String {
    let out = ctd.ctr(&["version"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("Version:"))
        .map_or_else(|| "?".into(), |v| v.trim().to_string())
}

/// Runs `cmd` and returns how long its first byte of stdout took; then
/// waits for it to end.
fn first_byte(mut cmd: Command) -> Result<Duration> {
    let t = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("{cmd:?}"))?;
    let mut stdout = child.stdout.take().context("stdout")?;
    let mut byte = [0u8; 1];
    let n = stdout.read(&mut byte)?;
    let took = t.elapsed();
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest)?;
    let out = child.wait_with_output()?;
    if n == 0 || !out.status.success() {
        bail!(
            "{cmd:?} printed nothing or failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(took)
}

/// A server started by the bench, killed on drop.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd` and waits until `GET http://addr/` answers 200; returns
/// how long that took.
fn first_answer(mut cmd: Command, addr: &str) -> Result<(Duration, Started)> {
    let agent = crate::served::agent();
    let t = Instant::now();
    let mut child = Started(
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("{cmd:?}"))?,
    );
    let url = format!("http://{addr}/");
    loop {
        if let Ok(r) = agent.get(&url).call()
            && r.status().as_u16() == 200
        {
            return Ok((t.elapsed(), child));
        }
        if let Some(status) = child.0.try_wait()? {
            bail!("{cmd:?} exited ({status}) before answering");
        }
        if t.elapsed() > START_LIMIT {
            bail!("{cmd:?} did not answer within {START_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Stops a served container (`ctr task kill`) and waits for `ctr run`.
fn stop(ctd: &LocalContainerd, id: &str, mut server: Started) -> Result<()> {
    let _ = ctd.ctr(&["task", "kill", id]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.0.try_wait()?.is_none() {
        if Instant::now() > deadline {
            bail!("the container {id} did not stop within 30 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn free_addr() -> Result<String> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .to_string())
}
