//! A running `witloom serve` for the tests that serve: started on a free
//! 127.0.0.1 port it prints, every wait bounded, killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `witloom serve`, killed on drop if it is still running.
pub struct Served {
    child: Child,
    pub url: String,
    /// Where its metrics are (`--metrics`), if it serves them.
    pub metrics: Option<String>,
    log: PathBuf,
}

impl Served {
    /// Starts `witloom serve FILE --addr 127.0.0.1:0 ARGS` and waits (at
    /// most five minutes: the first start compiles, and `dev` builds first) for its address.
    pub fn start(file: &Path, args: &[&str], log_name: &str) -> Served {
        Served::start_with_env(file, args, &[], log_name)
    }

    /// [`Served::start`] with `env` set for the server.
    pub fn start_with_env(
        file: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        log_name: &str,
    ) -> Served {
        let mut all = vec!["serve", file.to_str().unwrap(), "--addr", "127.0.0.1:0"];
        all.extend(args);
        Served::spawn(&all, env, log_name)
    }

    /// Starts `witloom ARGS` (a verb that serves and prints its ready
    /// line: `serve`, `dev`) and waits as [`Served::start`] does.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], log_name: &str) -> Served {
        let dir = witloom_testkit::target_dir().join("witloom-cli-tests/serve");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("{log_name}.log"));
        let mut child = crate::common::command()
            .args(args)
            .env(
                "WITLOOM_CACHE_DIR",
                witloom_testkit::target_dir().join("witloom-cli-tests/compiled"),
            )
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("witloom starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(300))
            .unwrap_or_default();
        let mut urls = line
            .split_whitespace()
            .filter(|w| w.starts_with("http://"))
            .map(|w| w.trim_end_matches(')').to_string());
        let Some(url) = urls.next() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "witloom serve printed no address ({line:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        Served {
            url,
            metrics: urls.next(),
            child,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Resident memory of the server process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// Sends SIGTERM and waits (at most `within`) for the exit code.
    pub fn terminate(&mut self, within: Duration) -> Option<i32> {
        self.signal("-TERM", within)
    }

    /// Sends `signal` (`-INT`, as Ctrl-C does) and waits (at most
    /// `within`) for the exit code.
    pub fn signal(&mut self, signal: &str, within: Duration) -> Option<i32> {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill(1) runs");
        assert!(sent.success());
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

pub fn body(response: &mut ureq::http::Response<ureq::Body>) -> Vec<u8> {
    response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap()
}

pub fn get(agent: &ureq::Agent, url: &str) -> (u16, Vec<u8>) {
    let mut r = agent.get(url).call().unwrap();
    (r.status().as_u16(), body(&mut r))
}

/// `n` POSTs to `urls` (round robin), all sent at once from threads of
/// their own; each must be answered 200 with a number, and the numbers
/// come back sorted.
pub fn concurrent_counts(agent: &ureq::Agent, urls: &[String], n: usize) -> Vec<i64> {
    let start = std::sync::Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (agent, url, start) = (agent.clone(), urls[i % urls.len()].clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut r = agent.post(&url).send(&[][..]).unwrap();
                (r.status().as_u16(), crate::common::text(&body(&mut r)))
            })
        })
        .collect();
    let mut seen: Vec<i64> = threads
        .into_iter()
        .map(|t| {
            let (status, answer) = t.join().unwrap();
            assert_eq!(status, 200, "{answer}");
            answer.trim().parse().unwrap_or_else(|_| panic!("{answer}"))
        })
        .collect();
    seen.sort();
    seen
}

/// Three `GET`s of `slow` (a path that answers `slept` after 1.5 s) in
/// flight when SIGTERM arrives: each is answered, then the server exits 0
/// (having waited for them, and no longer) and listens no more.
pub fn sigterm_lets_slow_requests_finish(server: &mut Served, slow: &str) {
    let agent = client();
    let requests: Vec<_> = (0..3)
        .map(|_| {
            let (agent, url) = (agent.clone(), server.url(slow));
            std::thread::spawn(move || get(&agent, &url))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let start = Instant::now();
    assert_eq!(server.terminate(Duration::from_secs(20)), Some(0));
    for t in requests {
        let (status, answer) = t.join().unwrap();
        assert_eq!(
            (status, crate::common::text(&answer).as_str()),
            (200, "slept\n")
        );
    }
    assert!(
        start.elapsed() >= Duration::from_millis(700),
        "{:?}",
        start.elapsed()
    );
    assert!(agent.get(&server.url("/hello")).call().is_err());
}

/// What [`exchange`] got back: the status, the headers and trailers
/// (names lower-cased) and the body (de-chunked).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub trailers: Vec<(String, String)>,
}

impl Answer {
    /// The value of trailer `name`, if it came.
    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `method path` with `body` (and, if any, `trailers`: then the body goes
/// chunked, the trailers declared in a `trailer` header), sent over a raw
/// connection by one thread while this one reads the answer, as a browser
/// or curl does. A handler that streams the request's body back as it
/// arrives (WASI 0.3's echo) answers before the request is all sent, and a
/// client that reads only once it has sent everything (ureq) would fill
/// both ways' TCP buffers and wait forever. ureq does not read trailers
/// either (nor ask for them).
pub fn exchange(
    server: &Served,
    method: &str,
    path: &str,
    body: &[u8],
    trailers: &[(&str, &str)],
) -> Answer {
    use std::io::{Read, Write};
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    // `te: trailers`: hyper sends a response's trailers only to a client
    // that says it takes them.
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nte: trailers\r\nconnection: close\r\n"
    );
    if trailers.is_empty() {
        request += &format!("content-length: {}\r\n\r\n", body.len());
    } else {
        let names: Vec<&str> = trailers.iter().map(|(k, _)| *k).collect();
        request += &format!(
            "transfer-encoding: chunked\r\ntrailer: {}\r\n\r\n",
            names.join(", ")
        );
    }
    let mut request = request.into_bytes();
    if trailers.is_empty() {
        request.extend_from_slice(body);
    } else {
        for chunk in body.chunks(64 << 10) {
            request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            request.extend_from_slice(chunk);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n");
        for (k, v) in trailers {
            request.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        request.extend_from_slice(b"\r\n");
    }
    let sending = std::thread::spawn(move || writer.write_all(&request));
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the answer, within 60 s");
    sending.join().unwrap().expect("the request sent");
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = fields(lines);
    let mut rest = &answer[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if !chunked {
        let body = rest.to_vec();
        return Answer {
            status,
            headers,
            body,
            trailers: Vec::new(),
        };
    }
    let mut out = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("a hex chunk size");
        rest = &rest[line_end + 2..];
        if size == 0 {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
    // What follows the last chunk: trailer lines, up to an empty one.
    let tail = String::from_utf8_lossy(rest).into_owned();
    let trailers = fields(tail.split("\r\n").take_while(|l| !l.is_empty()));
    Answer {
        status,
        headers,
        body: out,
        trailers,
    }
}

/// `name: value` lines as (lower-cased name, trimmed value) pairs.
fn fields<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// The samples of `server`'s `GET /metrics` (`--metrics`): each sample
/// line's name (with its labels) and value.
pub fn scrape(server: &Served) -> std::collections::BTreeMap<String, f64> {
    let url = server.metrics.as_ref().expect("served with --metrics");
    let (status, text) = get(&client(), url);
    assert_eq!(status, 200, "{}", crate::common::text(&text));
    crate::common::text(&text)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').expect("`name value`");
            (name.to_string(), value.parse().expect("a number"))
        })
        .collect()
}

/// Scrapes `server` until `settled` holds of the samples (instances end a
/// moment after their last answer), for at most five seconds; returns the
/// last scrape either way.
pub fn scrape_until(
    server: &Served,
    settled: impl Fn(&std::collections::BTreeMap<String, f64>) -> bool,
) -> std::collections::BTreeMap<String, f64> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let samples = scrape(server);
        if settled(&samples) || Instant::now() > deadline {
            return samples;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
