//! The HTML site in a real browser: headless Chromium (Debian's
//! `chromium`, which `cargo xtask setup` installs) opens the generated site
//! of the WASI 0.2 set from `file://`, a name is typed into the search box
//! key by key, and the matching interface must be listed first; choosing
//! it opens its page. Screenshots are saved under `target/tmp/doc-browser/`
//! for people to look at.
//!
//! The browser is driven over the Chrome DevTools Protocol on a pipe
//! (`--remote-debugging-pipe`: commands on fd 3, replies on fd 4, each a
//! JSON message ended by a NUL byte), so nothing listens on the network.

use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            && out.status.success()
        {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        }
    }
    panic!(
        "no Chromium found: the docs' browser test needs it; run `cargo xtask setup` (as root it installs Debian's `chromium`), or `sudo apt-get install chromium`"
    );
}

/// One headless Chromium and one page, spoken to over the pipe.
struct Browser {
    child: Child,
    commands: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Events seen while waiting for replies.
    events: Vec<Value>,
}

const TIMEOUT: Duration = Duration::from_secs(60);

impl Browser {
    fn launch(profile: &Path) -> Browser {
        // The shell moves the pipes to fds 3 and 4, where Chromium wants
        // them; the browser's own output goes to stderr.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>&2")
            .arg(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-pipe",
                "--window-size=1280,900",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let commands = child.stdin.take().unwrap();
        let replies = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut replies = BufReader::new(replies);
            let mut buf = Vec::new();
            while replies.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                buf.pop();
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(v).is_err()
                {
                    break;
                }
                buf.clear();
            }
        });
        let mut b = Browser {
            child,
            commands,
            messages,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
        };
        let target = b.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().unwrap().to_string();
        let attached = b.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        b.page("Page.enable", json!({}));
        b.page("Runtime.enable", json!({}));
        b
    }

    /// Sends a command and waits for its reply, keeping events.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        self.commands.flush().unwrap();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let v = self.next(deadline, &format!("a reply to {method}"));
            if v["id"] == json!(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method}: {e}");
                }
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    fn page(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.call(Some(&session), method, params)
    }

    /// Waits for event `method` (perhaps already seen).
    fn wait_for(&mut self, method: &str) {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            self.events.drain(..=i);
            return;
        }
        let deadline = Instant::now() + TIMEOUT;
        while self.next(deadline, method)["method"] != method {}
    }

    /// The next message, by `deadline`; `what` is what is awaited.
    fn next(&mut self, deadline: Instant, what: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        self.messages
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("chromium never sent {what}"))
    }

    fn open(&mut self, url: &str) {
        self.events.clear();
        self.page("Page.navigate", json!({"url": url}));
        self.wait_for("Page.loadEventFired");
    }

    /// The value of JavaScript expression `js` in the page.
    fn eval(&mut self, js: &str) -> Value {
        let r = self.page(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{js}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Presses a key, as a person at a keyboard would.
    fn key(&mut self, key: &str, text: Option<&str>) {
        let code = match key {
            "ArrowDown" => 40,
            "Enter" => 13,
            _ => 0,
        };
        let mut down = json!({"type": "keyDown", "key": key, "windowsVirtualKeyCode": code});
        if let Some(t) = text {
            down["text"] = json!(t);
            down["unmodifiedText"] = json!(t);
        }
        self.page("Input.dispatchKeyEvent", down);
        self.page(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "windowsVirtualKeyCode": code}),
        );
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let s = c.to_string();
            self.key(&s, Some(&s));
        }
    }

    fn screenshot(&mut self, path: &Path) {
        let shot = self.page("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The site of the WASI 0.2 set, written under `target/tmp`.
fn wasi_site(out: &Path) -> PathBuf {
    let loaded = witloom_ir::load(
        &witloom_testkit::wasi_wit_dir(),
        &witloom_ir::LoadOptions::default(),
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let site = out.join("wasi-site");
    let _ = std::fs::remove_dir_all(&site);
    witloom_doc::write(&site, &witloom_doc::html(&loaded.ir)).unwrap();
    site
}

#[test]
fn search_finds_an_interface_by_name_in_a_real_browser() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("doc-browser");
    std::fs::create_dir_all(&out).unwrap();
    let site = wasi_site(&out);
    let profile = out.join("profile");
    let _ = std::fs::remove_dir_all(&profile);
    let mut browser = Browser::launch(&profile);

    let index = site.join("index.html").display().to_string();
    let index = format!(
        "file://{}",
        index
            .replace('%', "%25")
            .replace(' ', "%20")
            .replace('#', "%23")
    );
    browser.open(&index);
    assert_eq!(
        browser.eval("document.title"),
        "WIT packages · WIT packages"
    );
    // The index script loaded from file:// (no fetch involved).
    let entries = browser.eval("window.witloomIndex.length").as_u64().unwrap();
    assert!(entries > 400, "only {entries} search entries");

    // "/" focuses the box; then the name is typed key by key.
    browser.key("/", Some("/"));
    assert_eq!(browser.eval("document.activeElement.id"), "witloom-search");
    browser.type_text("streams");
    assert_eq!(
        browser.eval("document.getElementById('witloom-search').value"),
        "streams"
    );
    let hits = browser.eval(
        "Array.from(document.querySelectorAll('#witloom-results li.hit')).map(li => [li.querySelector('.kind').textContent, li.querySelector('.name').textContent, li.querySelector('.where').textContent])",
    );
    let hits = hits.as_array().unwrap();
    assert!(hits.len() > 5, "{hits:?}");
    assert_eq!(hits[0][0], "interface", "{hits:?}");
    assert_eq!(hits[0][1], "streams", "{hits:?}");
    assert!(
        hits[0][2].as_str().unwrap().starts_with("wasi:io/streams@"),
        "{hits:?}"
    );
    browser.screenshot(&out.join("search.png"));

    // Doc text is searched too, down to flags: `O_CREAT` is named only in
    // the docs of flag `create` of `open-flags`.
    browser.eval("document.getElementById('witloom-search').select()");
    browser.type_text("O_CREAT");
    let hits = browser.eval(
        "Array.from(document.querySelectorAll('#witloom-results li.hit')).map(li => li.querySelector('.kind').textContent + ' ' + li.querySelector('.name').textContent + ' ' + li.querySelector('.where').textContent)",
    );
    assert_eq!(
        hits.as_array()
            .unwrap()
            .first()
            .and_then(Value::as_str)
            .map(|h| h.starts_with("flag create wasi:filesystem/types@")
                && h.ends_with(".open-flags")),
        Some(true),
        "{hits:?}"
    );

    // Choosing the first hit of a fresh search opens the interface's page.
    browser.eval("document.getElementById('witloom-search').select()");
    browser.type_text("streams");
    browser.key("ArrowDown", None);
    browser.events.clear();
    browser.key("Enter", None);
    browser.wait_for("Page.loadEventFired");
    let path = browser.eval("location.pathname");
    assert!(
        path.as_str().unwrap().ends_with("/wasi-io/streams.html"),
        "{path}"
    );
    assert_eq!(
        browser.eval("document.querySelector('h1').id"),
        "streams",
        "the page is headed by the interface"
    );
    // Its signatures link their types: `read` returns a `stream-error`.
    let linked = browser.eval(
        "Array.from(document.querySelectorAll('pre.sig a')).some(a => a.textContent === 'stream-error' && a.getAttribute('href') === '#streams.stream-error')",
    );
    assert_eq!(linked, true);
    browser.screenshot(&out.join("interface.png"));
}
