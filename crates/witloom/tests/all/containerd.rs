//! witloom apps under a real containerd, through `containerd-shim-witloom-v1`
//! (`crates/witloom-shim`): `witloom package --image`, `ctr image import`,
//! `ctr run --runtime io.containerd.witloom.v1`, as docs/deploy.md says.
//!
//! Each test starts Debian's containerd as root with a private socket,
//! root and state ([`LocalContainerd`]), and the shim from this build
//! first on its `PATH`; dropping it removes every container, stops
//! containerd and its shims, and deletes its files. Not root, or no
//! containerd: the test fails and says so.
//!
//! The shim is the workspace's binary next to `witloom` in the target
//! directory: `cargo test --workspace` builds it (the shim crate has tests
//! of its own); alone, `cargo build -p witloom-shim` first.

use crate::common::served::{body, client, concurrent_counts, get};
use crate::common::{scratch, text, witloom};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use witloom_testkit::containerd::LocalContainerd;

const RUNTIME: &str = "io.containerd.witloom.v1";

/// containerd with this build's shim, or the test fails with the reason.
fn containerd() -> LocalContainerd {
    let shim =
        Path::new(env!("CARGO_BIN_EXE_witloom")).with_file_name("containerd-shim-witloom-v1");
    assert!(
        shim.is_file(),
        "no shim at {}: build it with `cargo build -p witloom-shim` (`cargo test --workspace` does)",
        shim.display()
    );
    // containerd runs `containerd-shim-witloom-v1` by name from its PATH:
    // a directory holding only that name.
    let dir = scratch("containerd/bin");
    let link = dir.join("containerd-shim-witloom-v1");
    std::os::unix::fs::symlink(&shim, &link).unwrap();
    LocalContainerd::start(&dir).unwrap_or_else(|why| panic!("{why}"))
}

/// `witloom package FILE --image` and `ctr image import` of it; returns
/// the image's name.
fn import(ctd: &LocalContainerd, component: &Path, name: &str) -> String {
    import_for(ctd, component, name, None)
}

/// [`import`] of an image for `platform` (`--platform`), imported as
/// containerd takes images of its own platform (no `--all-platforms`).
fn import_for(
    ctd: &LocalContainerd,
    component: &Path,
    name: &str,
    platform: Option<&str>,
) -> String {
    let archive = ctd.scratch("images").join(format!("{name}.tar"));
    let reference = format!("localhost/{name}:test");
    let mut package = vec![
        "package",
        component.to_str().unwrap(),
        "--image",
        archive.to_str().unwrap(),
        "--name",
        &reference,
    ];
    if let Some(platform) = platform {
        package.extend(["--platform", platform]);
    }
    let out = witloom(&package);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), reference);
    let all = if platform.is_some() {
        None
    } else {
        Some("--all-platforms")
    };
    let import: Vec<&str> = ["image", "import"]
        .into_iter()
        .chain(all)
        .chain([archive.to_str().unwrap()])
        .collect();
    let out = ctd.ctr(&import);
    assert!(out.status.success(), "{}", text(&out.stderr));
    reference
}

/// `ctr run --rm` to its end: (exit code, stdout, stderr).
fn run(
    ctd: &LocalContainerd,
    options: &[&str],
    image: &str,
    id: &str,
    args: &[&str],
) -> (i32, String, String) {
    let out = ctd.ctr(
        &[
            &["run", "--rm", "--runtime", RUNTIME],
            options,
            &[image, id],
            args,
        ]
        .concat(),
    );
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

/// The Rust command the tests run: its arguments, one variable, a counter
/// in a mounted directory, a line on stderr; `fail` returns an error
/// (status 1), `trap` panics (a trap).
const COMMAND: &str = r#"
wit_bindgen::generate!({ world: "cmd", path: "../wit", generate_all });
struct Component;
impl exports::wasi::cli::run::Guest for Component {
    fn run() -> Result<(), ()> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        println!("args: {}", args.join(" "));
        println!("who: {}", std::env::var("WHO").unwrap_or_else(|_| "(unset)".into()));
        let shim_vars = std::env::vars().filter(|(k, _)| k.starts_with("WITLOOM_")).count();
        println!("shim variables seen: {shim_vars}");
        // The image's own files and /proc are not the guest's.
        let seen = ["/app.wasm", "/proc/self/status"].map(|f| std::fs::metadata(f).is_ok());
        println!("image or /proc visible: {}", seen.iter().any(|s| *s));
        let count = "/data/count.txt";
        let n = std::fs::read_to_string(count)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .unwrap_or(0)
            + 1;
        std::fs::write(count, format!("{n}\n")).map_err(|e| eprintln!("{count}: {e}"))?;
        println!("run {n}");
        eprintln!("a line on stderr");
        match args.first().map(String::as_str) {
            Some("trap") => panic!("asked to trap"),
            Some("sleep") => {
                println!("sleeping");
                std::thread::sleep(std::time::Duration::from_secs(120));
                Ok(())
            }
            Some("fail") => Err(()),
            _ => Ok(()),
        }
    }
}
export!(Component);
"#;

#[test]
fn a_command_runs_with_its_arguments_environment_and_mounts_and_bad_input_is_named() {
    let app = crate::common::init_command("containerd/cmd", "rust", "src/lib.rs", COMMAND);
    let out = witloom(&[
        "build",
        "--manifest",
        app.join("witloom.toml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let component = app.join("target/witloom/main.wasm");

    let ctd = containerd();
    let image = import(&ctd, &component, "cmd");
    let data = ctd.scratch("data");
    let mount = format!(
        "type=bind,src={},dst=/data,options=rbind:rw",
        data.display()
    );
    let options = [
        "--mount",
        &mount,
        "--env",
        "WHO=containerd",
        "--env",
        "WITLOOM_TIMEOUT=30s",
    ];

    // `ctr run` replaces the image's entrypoint with the arguments it is
    // given, so the component's path comes first.
    let (code, stdout, stderr) = run(&ctd, &options, &image, "c1", &["/app.wasm", "one", "two"]);
    assert_eq!(code, 0, "{stdout}{stderr}\n{}", ctd.log());
    assert_eq!(
        stdout.replace("\r\n", "\n"),
        "args: one two\nwho: containerd\nshim variables seen: 0\nimage or /proc visible: false\nrun 1\n"
    );
    assert!(stderr.contains("a line on stderr"), "{stderr}");
    // The mount is the container's: the file is on the host, and a second
    // container sees it.
    assert_eq!(
        std::fs::read_to_string(data.join("count.txt")).unwrap(),
        "1\n"
    );
    // With no arguments the image's own entrypoint runs.
    let (code, stdout, _) = run(&ctd, &options, &image, "c2", &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("args: \n") && stdout.contains("run 2\n"),
        "{stdout}"
    );

    // An image that says the node's platform is imported and run as any.
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let native = import_for(
        &ctd,
        &component,
        "cmd-native",
        Some(&format!("linux/{arch}")),
    );
    let (code, stdout, _) = run(&ctd, &options, &native, "native", &["/app.wasm", "n"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("args: n\nwho: containerd\n"), "{stdout}");

    // The guest's failure is the task's exit status; a trap is said on the
    // task's stderr as `witloom run` says it.
    let (code, stdout, _) = run(&ctd, &options, &image, "c3", &["/app.wasm", "fail"]);
    assert_eq!(code, 1, "{stdout}");
    let (code, _, stderr) = run(&ctd, &options, &image, "c4", &["/app.wasm", "trap"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("asked to trap"), "{stderr}");
    assert!(stderr.contains("error: "), "{stderr}");

    // `ctr task kill` (SIGTERM) ends a command at once, with 128 + 15.
    let mut sleeper = ctd
        .ctr_command(
            &[
                &["run", "--rm", "--runtime", RUNTIME][..],
                &options,
                &[&image, "sleeper", "/app.wasm", "sleep"],
            ]
            .concat(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(sleeper.stdout.take().unwrap());
    let mut lines = std::io::BufRead::lines(stdout);
    assert!(
        lines.any(|l| l.is_ok_and(|l| l == "sleeping")),
        "the command did not start"
    );
    let started = Instant::now();
    let kill = ctd.ctr(&["task", "kill", "sleeper"]);
    assert!(kill.status.success(), "{}", text(&kill.stderr));
    let code = loop {
        if let Some(status) = sleeper.try_wait().unwrap() {
            break status.code();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "SIGTERM did not end the command"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code, Some(143));

    // Bad input, each with a message on the task's stderr.
    std::fs::write(data.join("notes.txt"), "not wasm\n").unwrap();
    let cases: [(&[&str], &[&str], &str); 4] = [
        (&[], &["/nothing.wasm"], "cannot read `/nothing.wasm`"),
        (&[], &["/data/notes.txt"], "is not a WebAssembly component"),
        (
            &["--env", "WITLOOM_TIMOUT=1s"],
            &[],
            "the container sets `WITLOOM_TIMOUT`, which witloom's shim does not know",
        ),
        (
            &["--env", "WITLOOM_MAX_MEMORY=lots"],
            &[],
            "`WITLOOM_MAX_MEMORY=lots`, which is not valid",
        ),
    ];
    for (i, (extra, args, expected)) in cases.iter().enumerate() {
        let opts = [&options[..], extra].concat();
        let (code, stdout, stderr) = run(&ctd, &opts, &image, &format!("bad{i}"), args);
        assert_eq!(code, 1, "{expected}: {stdout}{stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let unknown = run(
        &ctd,
        &[&options[..], &["--env", "WITLOOM_TIMOUT=1s"]].concat(),
        &image,
        "bad9",
        &[],
    )
    .2;
    assert!(
        unknown.contains("did you mean `WITLOOM_TIMEOUT`?"),
        "{unknown}"
    );

    // A component that imports `witloom:host/sql` with no database granted
    // does not start, with `witloom run`'s message.
    let db_handler = crate::serve::handler("hello-c");
    let db_image = import(&ctd, &db_handler, "needs-sql");
    let (code, _, stderr) = run(&ctd, &[], &db_image, "nogrant", &[]);
    assert_eq!(code, 1, "{stderr}");
    let direct = witloom(&[
        "serve",
        db_handler.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
    ]);
    let first_line = |s: &str| s.lines().next().unwrap_or("").to_string();
    let expected =
        first_line(&text(&direct.stderr)).replace(db_handler.to_str().unwrap(), "/app.wasm");
    assert!(expected.contains("witloom:host/sql"), "{expected}");
    assert_eq!(first_line(&stderr), expected);

    // containerd is still well, and nothing of the runs is left.
    let (code, stdout, _) = run(&ctd, &options, &image, "after", &["/app.wasm"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("run 7\n"), "{stdout}");
    let left = ctd.ctr(&["container", "ls", "-q"]);
    assert_eq!(text(&left.stdout).trim(), "", "containers left");
    assert_eq!(ctd.leftover_processes(), Vec::<u32>::new(), "shims left");
    assert_eq!(ctd.task_state(), Vec::<PathBuf>::new(), "task state left");
}

/// A container serving on the host's network, attached (`ctr run`
/// without `--rm`'s cleanup, which the test does).
struct Container {
    child: Child,
    id: String,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Container {
    fn serve(ctd: &LocalContainerd, image: &str, id: &str, addr: &str, env: &[&str]) -> Container {
        let dir = ctd.scratch(&format!("logs/{id}"));
        let (stdout, stderr) = (dir.join("stdout"), dir.join("stderr"));
        let mut cmd = ctd.ctr_command(&["run", "--net-host", "--runtime", RUNTIME]);
        cmd.args(["--env", &format!("WASMTIME_HTTP_PROXY_SOCKET_ADDR={addr}")]);
        for e in env {
            cmd.args(["--env", e]);
        }
        cmd.args([image, id]);
        let child = cmd
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("ctr runs");
        let mut c = Container {
            child,
            id: id.to_string(),
            stdout,
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !c.out().contains("serving ") {
            if let Ok(Some(status)) = c.child.try_wait() {
                panic!(
                    "{id} exited with {status}:\n{}{}\n{}",
                    c.out(),
                    c.err(),
                    ctd.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{id} did not serve within 60s:\n{}",
                c.err()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        c
    }

    fn out(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    fn err(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits for `ctr run` to end (the task's exit status), up to `limit`.
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

#[test]
fn two_containers_serve_one_postgres_database_and_drain_on_kill() {
    let pg = witloom_testkit::postgres::LocalPostgres::start(
        &witloom_testkit::target_dir().join("witloom-cli-tests/containerd-pg"),
    );
    let ctd = containerd();
    let image = import(&ctd, &crate::serve::handler("hello-rust"), "counter");
    let grant = format!("WITLOOM_SQL={}", pg.url);
    let addrs = [free_addr(), free_addr()];
    let mut replicas: Vec<Container> = addrs
        .iter()
        .enumerate()
        .map(|(i, addr)| Container::serve(&ctd, &image, &format!("web{i}"), addr, &[&grant]))
        .collect();
    let agent = client();
    let url = |i: usize, path: &str| format!("http://{}{path}", addrs[i]);
    assert_eq!(
        get(&agent, &url(0, "/hello")),
        (200, b"hello from rust\n".to_vec())
    );
    // The schema first, then 400 increments over both containers at once.
    let mut r = agent.post(&url(1, "/count/warm-up")).send(&[][..]).unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", text(&body(&mut r)));
    const N: usize = 400;
    let urls = [url(0, "/count/hits"), url(1, "/count/hits")];
    let seen = concurrent_counts(&agent, &urls, N);
    assert_eq!(seen, (1..=N as i64).collect::<Vec<_>>());
    assert_eq!(
        pg.psql("SELECT n FROM counters WHERE name = 'hits'"),
        N.to_string()
    );

    // `ctr task kill` (SIGTERM) with requests in flight: each is answered,
    // then the task exits 0.
    let slow: Vec<_> = (0..3)
        .map(|_| {
            let (agent, url) = (agent.clone(), url(0, "/slow?1500"));
            std::thread::spawn(move || get(&agent, &url))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let kill = ctd.ctr(&["task", "kill", "web0"]);
    assert!(kill.status.success(), "{}", text(&kill.stderr));
    for t in slow {
        assert_eq!(t.join().unwrap(), (200, b"slept\n".to_vec()));
    }
    assert_eq!(
        replicas[0].wait(Duration::from_secs(30)),
        Some(0),
        "{}",
        replicas[0].err()
    );
    assert!(
        replicas[0].err().contains("SIGTERM received"),
        "{}",
        replicas[0].err()
    );
    // SIGKILL ends the other at once.
    let started = Instant::now();
    let kill = ctd.ctr(&["task", "kill", "-s", "SIGKILL", "web1"]);
    assert!(kill.status.success(), "{}", text(&kill.stderr));
    assert!(replicas[1].wait(Duration::from_secs(10)).is_some());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // The attached `ctr run` deleted each task as it ended; deleting the
    // containers leaves nothing behind.
    for c in &replicas {
        assert_eq!(ctd.task_status(&c.id), None);
        let out = ctd.ctr(&["container", "delete", &c.id]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    replicas.clear();
    assert_eq!(ctd.leftover_processes(), Vec::<u32>::new(), "shims left");
    assert_eq!(ctd.leftover_mounts(), Vec::<PathBuf>::new(), "mounts left");
    assert_eq!(ctd.task_state(), Vec::<PathBuf>::new(), "task state left");
}

/// wordstats (the demo's build of it) under containerd, its texts and its
/// SQLite file in mounts: the report `witloom run` prints, and totals that
/// grow on a second run. Compiled code is cached in a mount
/// (`WITLOOM_CACHE_DIR`), which the second start reads. Called by the
/// wordstats test, once the demo has built the app.
pub(crate) fn wordstats_runs_under_the_shim(composed: &Path, texts: &Path) {
    let ctd = containerd();
    let image = import(&ctd, composed, "wordstats");
    let (data, cache) = (
        ctd.scratch("wordstats-data"),
        ctd.scratch("wordstats-cache"),
    );
    let mounts = [
        format!(
            "type=bind,src={},dst=/texts,options=rbind:ro",
            texts.display()
        ),
        format!(
            "type=bind,src={},dst=/data,options=rbind:rw",
            data.display()
        ),
        format!(
            "type=bind,src={},dst=/cache,options=rbind:rw",
            cache.display()
        ),
    ];
    let options = [
        "--mount",
        &mounts[0],
        "--mount",
        &mounts[1],
        "--mount",
        &mounts[2],
        "--env",
        "WITLOOM_SQLITE=/data/wordstats.db",
        "--env",
        "WITLOOM_CACHE_DIR=/cache",
    ];
    let args = ["/app.wasm", "/texts/loom.txt", "/texts/river.txt"];
    let (code, first, stderr) = run(&ctd, &options, &image, "wordstats-1", &args);
    assert_eq!(code, 0, "{first}{stderr}\n{}", ctd.log());

    // `witloom run` of the same component, on a database of its own,
    // prints the same.
    let db = data.join("direct.db");
    let direct = witloom(&[
        "run",
        composed.to_str().unwrap(),
        "--sqlite",
        db.to_str().unwrap(),
        "--dir",
        &format!("{}::/texts", texts.display()),
        "--",
        "/texts/loom.txt",
        "/texts/river.txt",
    ]);
    assert_eq!(direct.status.code(), Some(0), "{}", text(&direct.stderr));
    assert_eq!(first, text(&direct.stdout));
    assert!(first.contains("wordstats run 1: "), "{first}");

    let (code, second, stderr) = run(&ctd, &options, &image, "wordstats-2", &args);
    assert_eq!(code, 0, "{second}{stderr}");
    assert!(second.contains("wordstats run 2: "), "{second}");
    let river = |report: &str| {
        report
            .lines()
            .find(|l| l.split_whitespace().next() == Some("river"))
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
    };
    assert_eq!(river(&second).as_deref(), Some("river 5 10"), "{second}");
    assert!(
        std::fs::read_dir(&cache).unwrap().next().is_some(),
        "nothing was cached in WITLOOM_CACHE_DIR"
    );
}

#[test]
fn a_wasi_0_3_handler_serves_under_containerd_with_the_reuse_settings() {
    let ctd = containerd();
    let handler = PathBuf::from(crate::p3::component("service-rust"));
    let image = import(&ctd, &handler, "service-p3");
    let addr = free_addr();
    let mut c = Container::serve(
        &ctd,
        &image,
        "p3",
        &addr,
        &[
            "WITLOOM_TIMEOUT=10s",
            "WITLOOM_MAX_INSTANCE_REUSE=2",
            "WITLOOM_LOG=info,witloom_serve=debug",
        ],
    );
    let agent = client();
    for _ in 0..3 {
        let (status, hello) = get(&agent, &format!("http://{addr}/hello"));
        assert_eq!(
            (status, text(&hello)),
            (200, "hello from rust on WASI 0.3\n".to_string()),
            "{}",
            c.err()
        );
    }
    assert_eq!(get(&agent, &format!("http://{addr}/nowhere")).0, 404);
    let kill = ctd.ctr(&["task", "kill", "p3"]);
    assert!(kill.status.success(), "{}", text(&kill.stderr));
    assert_eq!(c.wait(Duration::from_secs(30)), Some(0), "{}", c.err());
    let log = c.err();
    // Two requests an instance: the third started a second one.
    assert!(
        log.lines()
            .any(|l| l.contains("instance retired") && l.contains("served=2")),
        "{log}"
    );
}
