//! `witloom dev` over real TCP on 127.0.0.1, as a user runs it: an app
//! made by `witloom init`, its sources edited while it serves (or runs),
//! every wait bounded.

use crate::common::served::{Served, body, client};
use crate::common::{scratch, text, witloom};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

/// A fresh app by `witloom init DIR --lang LANG --template TEMPLATE`.
fn init(name: &str, lang: &str, template: &str) -> PathBuf {
    let app = scratch(&format!("dev/{name}")).join(name);
    let out = witloom(&[
        "init",
        app.to_str().unwrap(),
        "--lang",
        lang,
        "--template",
        template,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    app
}

/// The source file of an http app's handler that writes its greeting.
fn handler_source(app: &Path, lang: &str) -> PathBuf {
    app.join("handler").join(match lang {
        "c" => "handler.c",
        "rust" => "src/lib.rs",
        "go" => "export_wasi_http_incoming_handler/wasi_http_incoming_handler.go",
        "python" => "app.py",
        "js" => "app.js",
        other => panic!("no handler source for {other}"),
    })
}

/// Replaces `from` with `to` in `file`, as an editor saves it.
fn edit(file: &Path, from: &str, to: &str) {
    let source = std::fs::read_to_string(file).unwrap();
    assert!(source.contains(from), "{from:?} in {}", file.display());
    std::fs::write(file, source.replace(from, to)).unwrap();
}

/// Starts `witloom dev` on the app, serving on a free port.
fn serve(app: &Path, log: &str) -> Served {
    let manifest = app.join("witloom.toml");
    Served::spawn(
        &[
            "dev",
            "--manifest",
            manifest.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ],
        &[],
        log,
    )
}

fn answer(agent: &ureq::Agent, url: &str) -> (u16, String) {
    let mut r = agent.get(url).call().unwrap();
    (r.status().as_u16(), text(&body(&mut r)))
}

/// Asks until the answer is `want` (every answer on the way must be 200
/// and one of `allowed`), for at most `secs`.
fn wait_for(server: &Served, want: &str, allowed: &[&str], secs: u64) {
    let agent = client();
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let (status, said) = answer(&agent, &server.url("/"));
        assert_eq!(status, 200, "{said}\n{}", server.log());
        if said == want {
            return;
        }
        assert!(
            allowed.contains(&said.as_str()),
            "{said:?}\n{}",
            server.log()
        );
        assert!(
            Instant::now() < deadline,
            "still {said:?}, not {want:?}, after {secs}s:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the server's log has `needle` (for at most `secs`).
fn wait_for_log(server: &Served, needle: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !server.log().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in the log after {secs}s:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

const HELLO: &str = "hello from handler\n";

#[test]
fn dev_serves_each_edit_of_a_handler_in_every_language() {
    for lang in ["c", "rust", "go", "python", "js"] {
        let app = init(&format!("edit-{lang}"), lang, "http");
        let mut server = serve(&app, &format!("dev-edit-{lang}"));
        wait_for(&server, HELLO, &[], 10);
        let edited = format!("edited in {lang}\n");
        edit(
            &handler_source(&app, lang),
            "hello from handler\\n",
            &edited.replace('\n', "\\n"),
        );
        // A rebuild of a Rust, Go, Python or JavaScript guest takes
        // seconds, more on a cold machine (and an interpreter's component
        // compiles for seconds before it is swapped in).
        wait_for(&server, &edited, &[HELLO], 300);
        let log = server.log();
        assert!(log.contains("reloaded in "), "{log}");
        assert!(log.contains(&format!("rebuilt handler ({lang})")), "{log}");
        assert_eq!(server.signal("-INT", Duration::from_secs(30)), Some(0));
    }
}

#[test]
fn dev_swaps_under_load_keeps_the_last_good_app_and_stops_on_ctrl_c() {
    let app = init("swap", "c", "http");
    let source = handler_source(&app, "c");
    let mut server = serve(&app, "dev-swap");
    wait_for(&server, HELLO, &[], 10);

    // 200 clients, each asking in a loop from before the edit until it
    // sees the new answer: every answer is 200, from the old app or the
    // new one.
    const NEW: &str = "swapped\n";
    let clients = 200;
    let started = Arc::new(Barrier::new(clients + 1));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (url, started) = (server.url("/"), started.clone());
            std::thread::spawn(move || {
                let agent = client();
                let deadline = Instant::now() + Duration::from_secs(120);
                let mut answers = vec![answer(&agent, &url)];
                started.wait();
                while answers.last().unwrap().1 != NEW && Instant::now() < deadline {
                    answers.push(answer(&agent, &url));
                }
                answers
            })
        })
        .collect();
    started.wait();
    edit(&source, "hello from handler\\n", "swapped\\n");
    let mut total = 0;
    for thread in threads {
        let answers = thread.join().unwrap();
        total += answers.len();
        for (status, said) in &answers {
            assert_eq!(*status, 200, "{said}\n{}", server.log());
            assert!(said == HELLO || said == NEW, "{said:?}");
        }
        assert_eq!(answers.last().unwrap().1, NEW, "every client saw the swap");
    }
    assert!(total > clients, "{total} answers");

    // A syntax error: the located diagnostic is shown, the old app goes on.
    let good = std::fs::read_to_string(&source).unwrap();
    std::fs::write(&source, format!("{good}\nthis is not C\n")).unwrap();
    wait_for_log(&server, "handler.c:", 60);
    let log = server.log();
    assert!(log.contains("error: unknown type name 'this'"), "{log}");
    for _ in 0..5 {
        wait_for(&server, NEW, &[], 1);
    }
    // The fix brings the new code in.
    std::fs::write(&source, good.replace("swapped\\n", "fixed\\n")).unwrap();
    wait_for(&server, "fixed\n", &[NEW], 60);

    // A WIT edit that breaks composition: an import nothing provides.
    let wit = app.join("wit/swap.wit");
    let world = std::fs::read_to_string(&wit).unwrap();
    std::fs::write(
        &wit,
        world.replace(
            "    export wasi:http/incoming-handler",
            "    import greet: func() -> string;\n    export wasi:http/incoming-handler",
        ),
    )
    .unwrap();
    wait_for_log(&server, "nothing provides `greet`", 60);
    wait_for(&server, "fixed\n", &[], 1);
    // Put back, it builds and composes again (to the app in place, or
    // one like it).
    let placed = |log: String| {
        log.matches("reloaded in ").count() + log.matches("is the one in place").count()
    };
    let before = placed(server.log());
    std::fs::write(&wit, world).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while placed(server.log()) == before {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_for(&server, "fixed\n", &[], 1);

    // Ctrl-C: the server stops, exit status 0.
    assert_eq!(server.signal("-INT", Duration::from_secs(30)), Some(0));
}

/// `witloom dev` on a command app: its stdout, gathered as it comes.
struct Running {
    child: Child,
    out: Arc<Mutex<String>>,
    log: PathBuf,
}

impl Running {
    fn start(app: &Path) -> Running {
        let log = scratch("dev/run-log").join("dev.log");
        let mut child = crate::common::command()
            .args(["dev", "--manifest"])
            .arg(app.join("witloom.toml"))
            .env(
                "WITLOOM_CACHE_DIR",
                witloom_testkit::target_dir().join("witloom-cli-tests/compiled"),
            )
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let (stdout, gathered) = (child.stdout.take().unwrap(), out.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                gathered.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Running { child, out, log }
    }

    fn wait_for_output(&self, needle: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !self.out.lock().unwrap().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} after {secs}s; stdout:\n{}\nlog:\n{}",
                self.out.lock().unwrap(),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn dev_runs_a_command_app_again_on_each_change() {
    let app = init("command", "c", "command");
    let mut dev = Running::start(&app);
    dev.wait_for_output("hello from main\n", 60);
    edit(&app.join("main/main.c"), "hello from", "edited from");
    dev.wait_for_output("edited from main\n", 60);
    let log = std::fs::read_to_string(&dev.log).unwrap();
    assert!(log.contains("reloaded in "), "{log}");
    let pid = dev.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = dev.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "dev did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}
