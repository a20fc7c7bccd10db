//! `bench dev`: from a saved edit to the first answer of the new code,
//! under `witloom dev` and by hand (`witloom build`, `witloom compose`,
//! stop `witloom serve` and start it again), side by side in one run on
//! the same app: an HTTP handler made by `witloom init --template http`
//! in C, Rust and Go (`--quick`: C). Each edit changes the greeting to a
//! new word; the time ends at the first answer that has it. Medians of 5
//! edits (`--quick`: 3). Goal: `dev` ≤ 0.5× by hand. Then three more
//! edits under `dev` while a client asks all the time: none of its
//! requests may fail (goal: no dropped request).

use super::median;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub fn run(plan: super::Plan) -> Result<()> {
    let witloom = crate::apps::witloom()?;
    let out = crate::apps::out_dir("bench-dev")?;
    let edits = plan.pick(5, 3);
    println!("bench dev: a saved edit to the first new answer (median of {edits} edits)");
    for lang in plan.pick(&["c", "rust", "go"][..], &["c"]) {
        let app = out.join(lang).join("app");
        let _ = std::fs::remove_dir_all(out.join(lang));
        crate::apps::check(Command::new(&witloom).arg("init").arg(&app).args([
            "--lang",
            lang,
            "--template",
            "http",
        ]))?;
        let source = app.join("handler").join(match *lang {
            "c" => "handler.c",
            "rust" => "src/lib.rs",
            _ => "export_wasi_http_incoming_handler/wasi_http_incoming_handler.go",
        });
        let mut word = Word::new(&source)?;
        let agent = crate::served::agent();

        // By hand. A first round builds, so that both sides start warm.
        let mut by_hand = Vec::new();
        let mut server: Option<Server> = None;
        for i in 0..=edits {
            let saved = word.next()?;
            let t = Instant::now();
            for verb in ["build", "compose"] {
                crate::apps::check(Command::new(&witloom).arg(verb).current_dir(&app))?;
            }
            drop(server.take());
            let started = Server::serve(&witloom, &app, &out.join(format!("{lang}-serve.log")))?;
            wait_for(&agent, &started.url, &saved, Duration::from_secs(300))?;
            server = Some(started);
            if i > 0 {
                by_hand.push(t.elapsed());
            }
        }
        drop(server);

        // `witloom dev`: timed alone (as by hand), then a few more edits
        // with a client asking all along.
        let dev = Server::dev(&witloom, &app, &out.join(format!("{lang}-dev.log")))?;
        wait_for(&agent, &dev.url, &word.current, Duration::from_secs(300))?;
        let mut with_dev = Vec::new();
        for i in 0..=edits {
            let saved = word.next()?;
            let t = Instant::now();
            wait_for(&agent, &dev.url, &saved, Duration::from_secs(300))?;
            if i > 0 {
                with_dev.push(t.elapsed());
            }
        }
        let load = Load::start(&dev.url);
        for _ in 0..3 {
            let saved = word.next()?;
            wait_for(&agent, &dev.url, &saved, Duration::from_secs(300))?;
        }
        let (answered, failed) = load.stop();
        drop(dev);

        let (hand, dev) = (median(&mut by_hand), median(&mut with_dev));
        let ratio = dev.as_secs_f64() / hand.as_secs_f64();
        println!(
            "  {lang:<4} by hand {:>6.2} s   witloom dev {:>6.2} s   {ratio:.2}x (goal <= 0.5x: {})",
            hand.as_secs_f64(),
            dev.as_secs_f64(),
            super::verdict(
                format!("dev: {lang} edit to answer <= 0.5x by hand"),
                ratio,
                0.5
            )
        );
        println!(
            "       {answered} requests during the reloads, {failed} failed (goal 0: {})",
            super::goal(format!("dev: {lang} no dropped request"), failed == 0)
        );
    }
    Ok(())
}

/// The greeting in the handler's source, changed one word at a time.
struct Word {
    source: PathBuf,
    current: String,
    n: usize,
}

impl Word {
    fn new(source: &Path) -> Result<Word> {
        let text = witloom_diag::io::read_to_string(source)?;
        if !text.contains("hello from handler\\n") {
            bail!("no greeting in {}", source.display());
        }
        Ok(Word {
            source: source.to_path_buf(),
            current: "hello from handler\n".to_string(),
            n: 0,
        })
    }

    /// Saves the source with the next word; returns the answer it gives.
    fn next(&mut self) -> Result<String> {
        self.n += 1;
        let text = witloom_diag::io::read_to_string(&self.source)?;
        let next = format!("edit {} from handler\n", self.n);
        let escaped = |s: &str| s.replace('\n', "\\n");
        witloom_diag::io::write(
            &self.source,
            text.replace(&escaped(&self.current), &escaped(&next)),
        )?;
        self.current = next.clone();
        Ok(next)
    }
}

/// Asks `url` until the answer is `want`, at most `within`; connection
/// errors (a server starting) are retried.
fn wait_for(agent: &ureq::Agent, url: &str, want: &str, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(mut r) = agent.get(url).call()
            && r.body_mut().read_to_string().is_ok_and(|b| b == want)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} did not answer {want:?} within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `witloom serve` or `witloom dev`, on a free port it prints.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn serve(witloom: &Path, app: &Path, log: &Path) -> Result<Server> {
        let name = app.file_name().unwrap_or_default().to_string_lossy();
        let file = app.join(format!("target/witloom/{name}.wasm"));
        Server::start(Command::new(witloom).arg("serve").arg(file), log)
    }

    fn dev(witloom: &Path, app: &Path, log: &Path) -> Result<Server> {
        Server::start(Command::new(witloom).arg("dev").current_dir(app), log)
    }

    /// Starts `cmd --addr 127.0.0.1:0` and reads the address it prints.
    fn start(cmd: &mut Command, log: &Path) -> Result<Server> {
        use std::io::BufRead;
        let mut child = cmd
            .args(["--addr", "127.0.0.1:0"])
            .env("WITLOOM_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).with_context(|| log.display().to_string())?)
            .spawn()?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
        let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) else {
            let _ = child.kill();
            bail!(
                "no address from {cmd:?}: {line:?}\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        };
        Ok(Server {
            url: url.to_string(),
            child,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client asking one URL in a loop on a thread of its own.
struct Load {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl Load {
    fn start(url: &str) -> Load {
        let (stop, answered, failed): (Arc<AtomicBool>, Arc<AtomicU64>, Arc<AtomicU64>) =
            Default::default();
        let (s, a, f, url) = (
            Arc::clone(&stop),
            Arc::clone(&answered),
            Arc::clone(&failed),
            url.to_string(),
        );
        let thread = std::thread::spawn(move || {
            let agent = crate::served::agent();
            while !s.load(Ordering::Relaxed) {
                let ok = agent
                    .get(&url)
                    .call()
                    .is_ok_and(|mut r| r.status() == 200 && r.body_mut().read_to_string().is_ok());
                if ok { &a } else { &f }.fetch_add(1, Ordering::Relaxed);
            }
        });
        Load {
            stop,
            answered,
            failed,
            thread,
        }
    }

    /// Stops; the requests answered and failed.
    fn stop(self) -> (u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        (
            self.answered.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}
