//! A scripted HTTP/1.1 server for hostile tests: it answers what a
//! [`Script`] says, on a free 127.0.0.1 port, and nothing it does runs
//! without a bound.
//!
//! A script is a list of [`Rule`]s, each a matcher on method and path and
//! an [`Answer`]. An answer is a [`Response`] (a status, headers and a
//! [`Body`], which may be deliberately wrong: a length that lies, chunked
//! garbage, a body dribbled or without end, silence, a close) or a function
//! that writes raw bytes. The first rule that matches answers; the script's
//! fallback (404 unless set) answers the rest.
//!
//! [`ScriptedServer::start`] serves on threads of its own, one accepting
//! and one per connection, under [`Limits`]: the server's lifetime, the
//! connections it accepts, the requests per connection, the size of a
//! request head and how long it may take, how much of a request body is
//! drained and for how long, each write. Dropping the server (or
//! [`ScriptedServer::stop`]) stops every thread and waits for it.
//!
//! Answers may name the server's own address, which is not known when the
//! script is written: [`PORT`] in a header value, a full body or raw bytes
//! is replaced by the port.
//!
//! The fuzz suite's `registry` class serves its hostile OCI registries from
//! here, and `witloom-oci`'s hostile tests their one-purpose registries.

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Stands for the server's port in scripted header values, full bodies and
/// raw bytes.
pub const PORT: &str = "{PORT}";

/// Where a [`Body::Endless`] stops: endless to a client that bounds what it
/// reads (it gives up long before), finite for the server.
pub const ENDLESS_CAP: u64 = 1 << 30;

/// How many requests [`ScriptedServer::requests`] keeps: a redirect loop
/// must not grow the log without end.
const REQUEST_LOG_CAP: usize = 10_000;
/// How long a blocked read waits before it looks at the stop flag again.
const READ_POLL: Duration = Duration::from_millis(100);
/// How long the accept loop sleeps when no client is waiting.
const ACCEPT_POLL: Duration = Duration::from_millis(5);
/// How often a silent answer looks at the stop flag.
const SILENT_POLL: Duration = Duration::from_millis(20);
/// Streamed bodies go out in blocks of this size, the stop flag looked at
/// between them.
const BLOCK: usize = 1 << 20;

/// The bounds of a server. The defaults suit a client under test that
/// times out within seconds.
#[derive(Debug, Clone)]
pub struct Limits {
    /// After this the server accepts nothing more and every connection
    /// ends, whatever the client does.
    pub lifetime: Duration,
    /// Connections accepted in all (a redirect loop opens many); those over
    /// it are closed at once.
    pub max_connections: usize,
    /// Requests served on one connection.
    pub max_requests: usize,
    /// A request head longer than this ends the connection.
    pub max_head: usize,
    /// How long a connection may take to send a request head.
    pub head_timeout: Duration,
    /// How much of a declared request body is read (and dropped).
    pub max_body: usize,
    /// How long draining a request body may take.
    pub body_timeout: Duration,
    /// How long one write may block on a client that does not read.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            lifetime: Duration::from_secs(90),
            max_connections: 256,
            max_requests: 1000,
            max_head: 64 << 10,
            head_timeout: Duration::from_secs(30),
            max_body: 1 << 20,
            body_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(5),
        }
    }
}

/// A request as the server reads it: enough to pick an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The target's path, without the query; an absolute-form target
    /// (`http://host/path`, as a proxy is sent) is cut to its path.
    pub path: String,
}

/// Which paths a rule answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathIs {
    Any,
    Exact(String),
    Prefix(String),
}

impl PathIs {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathIs::Any => true,
            PathIs::Exact(p) => path == p,
            PathIs::Prefix(p) => path.starts_with(p.as_str()),
        }
    }
}

/// One line of a script: which requests, and the answer.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `None`: any method.
    pub method: Option<String>,
    pub path: PathIs,
    pub answer: Answer,
}

impl Rule {
    /// Answers requests of any method on `path`.
    pub fn any(path: PathIs, answer: impl Into<Answer>) -> Rule {
        Rule {
            method: None,
            path,
            answer: answer.into(),
        }
    }

    /// Answers `method` requests on `path`.
    pub fn method(method: &str, path: PathIs, answer: impl Into<Answer>) -> Rule {
        Rule {
            method: Some(method.to_string()),
            path,
            answer: answer.into(),
        }
    }

    pub fn matches(&self, req: &Request) -> bool {
        self.method.as_deref().is_none_or(|m| m == req.method) && self.path.matches(&req.path)
    }
}

/// A function that answers with raw bytes, for answers no [`Body`]
/// describes. The connection closes when it returns.
pub type RawAnswer = Arc<dyn Fn(&Request, &mut RawWriter<'_>) + Send + Sync>;

/// How a rule answers.
#[derive(Clone)]
pub enum Answer {
    Reply(Response),
    Raw(RawAnswer),
}

impl Answer {
    /// An answer written by `f`; see [`RawWriter`] for what it may do.
    pub fn raw(f: impl Fn(&Request, &mut RawWriter<'_>) + Send + Sync + 'static) -> Answer {
        Answer::Raw(Arc::new(f))
    }
}

impl From<Response> for Answer {
    fn from(response: Response) -> Answer {
        Answer::Reply(response)
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Reply(response) => f.debug_tuple("Reply").field(response).finish(),
            Answer::Raw(_) => f.write_str("Raw(..)"),
        }
    }
}

/// A scripted response. The status line is `HTTP/1.1 <status> <reason>`;
/// the headers go out as given, and the body adds its own framing.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: u16, headers: &[(&str, &str)], body: Body) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
        }
    }

    /// `body` as `application/json`, with its length.
    pub fn json(status: u16, body: &[u8]) -> Response {
        Response::new(
            status,
            &[("Content-Type", "application/json")],
            Body::Full(body.to_vec()),
        )
    }
}

/// What follows a response's headers, and whether the connection serves
/// another request after it (only after `Full`, `Dribble` and `Filler`
/// bodies sent whole).
#[derive(Debug, Clone)]
pub enum Body {
    /// With its true `Content-Length`, unless the headers already frame it
    /// (`Content-Length` or `Transfer-Encoding`); a `HEAD` gets no body.
    Full(Vec<u8>),
    /// This `Content-Length`, these bytes, then close.
    Declared { declared: String, sent: Vec<u8> },
    /// `Transfer-Encoding: chunked` and these raw bytes, then close.
    Chunked(Vec<u8>),
    /// One byte every `every`, with the true length.
    Dribble { bytes: Vec<u8>, every: Duration },
    /// `prefix`, `count` copies of `fill`, `suffix`, with the true length,
    /// streamed: a large body without holding it.
    Filler {
        prefix: Vec<u8>,
        fill: u8,
        count: u64,
        suffix: Vec<u8>,
    },
    /// `Connection: close`, `prefix`, then `fill` with no length until the
    /// client goes (or [`ENDLESS_CAP`]).
    Endless { prefix: Vec<u8>, fill: u8 },
    /// These bytes instead of the status line and headers, then close.
    Raw(Vec<u8>),
    /// No answer at all; the connection stays open until the server stops.
    Silent,
    /// Close at once.
    Close,
}

/// What a server answers.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Tried in order; the first that matches answers.
    pub rules: Vec<Rule>,
    /// Answers what no rule matches; `None`: 404 with an empty body.
    pub fallback: Option<Answer>,
}

impl Script {
    pub fn new() -> Script {
        Script::default()
    }

    /// Adds a rule for any method on `path`.
    pub fn on(mut self, path: PathIs, answer: impl Into<Answer>) -> Script {
        self.rules.push(Rule::any(path, answer));
        self
    }

    /// Sets what answers when no rule does.
    pub fn otherwise(mut self, answer: impl Into<Answer>) -> Script {
        self.fallback = Some(answer.into());
        self
    }

    /// The answer to `req`; `None` when neither a rule nor the fallback
    /// gives one.
    pub fn answer(&self, req: &Request) -> Option<&Answer> {
        self.rules
            .iter()
            .find(|r| r.matches(req))
            .map(|r| &r.answer)
            .or(self.fallback.as_ref())
    }
}

/// What a [`RawAnswer`] writes with: writes that give up when the client
/// is gone, a write blocks past [`Limits::write_timeout`], or the server
/// stops.
pub struct RawWriter<'a> {
    stream: &'a mut TcpStream,
    shared: &'a Shared,
}

impl RawWriter<'_> {
    /// The server's port, for answers that name the server.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// Writes `bytes` whole. False when they did not all go: stop writing
    /// then (once the server stops, every write is refused at once, so a
    /// loop of writes cannot hold the drop up).
    pub fn write(&mut self, bytes: &[u8]) -> bool {
        !self.shared.stopping() && self.stream.write_all(bytes).is_ok()
    }

    /// Holds the connection open, reading and dropping what the client
    /// sends, until it closes, [`Limits::head_timeout`] passes or the
    /// server stops.
    pub fn wait_for_close(&mut self) {
        let until = Instant::now() + self.shared.limits.head_timeout;
        let mut chunk = [0u8; 8192];
        while !self.shared.stopping() && Instant::now() < until {
            match self.stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if retry(&e) => {}
                Err(_) => return,
            }
        }
    }
}

impl fmt::Debug for RawWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawWriter")
            .field("port", &self.shared.port)
            .finish_non_exhaustive()
    }
}

/// A running scripted server; stopped when dropped.
#[derive(Debug)]
pub struct ScriptedServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// What the server's threads share.
#[derive(Debug)]
struct Shared {
    script: Script,
    limits: Limits,
    port: u16,
    stop: AtomicBool,
    /// `METHOD /path` of each request, in order, up to `REQUEST_LOG_CAP`.
    seen: Mutex<Vec<String>>,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn log(&self, req: &Request) {
        if let Ok(mut seen) = self.seen.lock()
            && seen.len() < REQUEST_LOG_CAP
        {
            seen.push(format!("{} {}", req.method, req.path));
        }
    }
}

impl ScriptedServer {
    /// Serves `script` under the default [`Limits`].
    pub fn start(script: Script) -> std::io::Result<ScriptedServer> {
        ScriptedServer::start_with(script, Limits::default())
    }

    /// Serves `script` on a free 127.0.0.1 port under `limits`.
    pub fn start_with(script: Script, limits: Limits) -> std::io::Result<ScriptedServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        // Non-blocking, so the accept loop sees the stop flag and its
        // lifetime without waiting for a client.
        listener.set_nonblocking(true)?;
        let shared = Arc::new(Shared {
            script,
            limits,
            port: addr.port(),
            stop: AtomicBool::new(false),
            seen: Mutex::new(Vec::new()),
        });
        let accepting = shared.clone();
        let accept = std::thread::Builder::new()
            .name(format!("scripted-{}", addr.port()))
            .spawn(move || accept_loop(&listener, &accepting))?;
        Ok(ScriptedServer {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The requests served so far, `METHOD /path` each, in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }

    /// Stops every thread and returns the requests seen.
    pub fn stop(mut self) -> Vec<String> {
        self.shutdown();
        self.requests()
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Accepts until stopped or out of lifetime, then stops every connection
/// and waits for them.
fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let started = Instant::now();
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopping() && started.elapsed() < shared.limits.lifetime {
        match listener.accept() {
            Ok((stream, _)) if connections.len() < shared.limits.max_connections => {
                let serving = shared.clone();
                // A thread that cannot be made drops its connection, which
                // closes it.
                if let Ok(handle) =
                    std::thread::Builder::new().spawn(move || connection(stream, &serving))
                {
                    connections.push(handle);
                }
            }
            // Over the limit: dropped, which closes it.
            Ok(_) => {}
            Err(_) => std::thread::sleep(ACCEPT_POLL),
        }
    }
    shared.stop.store(true, Ordering::Relaxed);
    for connection in connections {
        let _ = connection.join();
    }
}

/// Serves one connection: request after request until an answer closes
/// it, the client goes, a bound is reached or the server stops.
fn connection(mut stream: TcpStream, shared: &Shared) {
    if stream.set_nonblocking(false).is_err()
        || stream.set_read_timeout(Some(READ_POLL)).is_err()
        || stream
            .set_write_timeout(Some(shared.limits.write_timeout))
            .is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    let mut pending = Vec::new();
    for _ in 0..shared.limits.max_requests {
        let Some(req) = read_request(&mut stream, &mut pending, shared) else {
            break;
        };
        shared.log(&req);
        let again = match shared.script.answer(&req) {
            Some(Answer::Reply(response)) => write_response(&mut stream, &req, response, shared),
            Some(Answer::Raw(answer)) => {
                answer(
                    &req,
                    &mut RawWriter {
                        stream: &mut stream,
                        shared,
                    },
                );
                false
            }
            None => write_response(
                &mut stream,
                &req,
                &Response::new(404, &[], Body::Full(Vec::new())),
                shared,
            ),
        };
        if !again {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Whether a read or write error only means "not yet".
fn retry(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

/// Reads one request head (and drains a body it declares), keeping what
/// follows in `pending`. `None` at EOF, on garbage, past a bound, or when
/// stopped.
fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>, shared: &Shared) -> Option<Request> {
    let limits = &shared.limits;
    let head_until = Instant::now() + limits.head_timeout;
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = find(pending, b"\r\n\r\n") {
            break at + 4;
        }
        if pending.len() > limits.max_head || shared.stopping() || Instant::now() > head_until {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
            Err(e) if retry(&e) => {}
            Err(_) => return None,
        }
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    pending.drain(..head_end);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?;
    let target = match target.find("://") {
        Some(at) => target[at + 3..]
            .find('/')
            .map_or("/", |p| &target[at + 3 + p..]),
        None => target,
    };
    let path = target.split('?').next().unwrap_or("/").to_string();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    // The body is read past, not kept: no answer depends on it.
    let mut left = length.min(limits.max_body);
    let take = left.min(pending.len());
    pending.drain(..take);
    left -= take;
    let body_until = Instant::now() + limits.body_timeout;
    while left > 0 && Instant::now() < body_until && !shared.stopping() {
        match stream.read(&mut chunk[..left.min(8192)]) {
            Ok(0) => return None,
            Ok(n) => left -= n,
            Err(e) if retry(&e) => {}
            Err(_) => return None,
        }
    }
    Some(Request { method, path })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The reason phrase of a status line; clients ignore it, so any will do
/// for the codes scripts rarely use.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// `bytes` with [`PORT`] replaced by `port`; untouched (not even
/// re-encoded) when there is none.
fn with_port(bytes: &[u8], port: u16) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    if !text.contains(PORT) {
        return bytes.to_vec();
    }
    text.replace(PORT, &port.to_string()).into_bytes()
}

/// Writes `response`; whether the connection may serve another request.
fn write_response(
    stream: &mut TcpStream,
    req: &Request,
    response: &Response,
    shared: &Shared,
) -> bool {
    let port = shared.port;
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    let mut framed = false;
    for (k, v) in &response.headers {
        framed |=
            k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding");
        head.push_str(&format!("{k}: {}\r\n", v.replace(PORT, &port.to_string())));
    }
    let head_only = req.method == "HEAD";
    let mut out = |bytes: &[u8]| !shared.stopping() && stream.write_all(bytes).is_ok();
    match &response.body {
        Body::Close => false,
        Body::Silent => {
            let until = Instant::now() + shared.limits.lifetime;
            while !shared.stopping() && Instant::now() < until {
                std::thread::sleep(SILENT_POLL);
            }
            false
        }
        Body::Raw(bytes) => {
            out(&with_port(bytes, port));
            false
        }
        Body::Full(bytes) => {
            let bytes = with_port(bytes, port);
            if !framed {
                head.push_str(&format!("Content-Length: {}\r\n", bytes.len()));
            }
            head.push_str("\r\n");
            out(head.as_bytes()) && (head_only || out(&bytes))
        }
        Body::Declared { declared, sent } => {
            head.push_str(&format!("Content-Length: {declared}\r\n\r\n"));
            out(head.as_bytes());
            out(sent);
            false
        }
        Body::Chunked(raw) => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            out(head.as_bytes());
            out(raw);
            false
        }
        Body::Dribble { bytes, every } => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            if !out(head.as_bytes()) {
                return false;
            }
            for b in bytes {
                std::thread::sleep(*every);
                if !out(&[*b]) {
                    return false;
                }
            }
            true
        }
        Body::Filler {
            prefix,
            fill,
            count,
            suffix,
        } => {
            let total = prefix.len() as u64 + count + suffix.len() as u64;
            head.push_str(&format!("Content-Length: {total}\r\n\r\n"));
            if !out(head.as_bytes()) || !out(prefix) {
                return false;
            }
            let block = vec![*fill; BLOCK];
            let mut left = *count;
            while left > 0 {
                let n = left.min(BLOCK as u64) as usize;
                if !out(&block[..n]) {
                    return false;
                }
                left -= n as u64;
            }
            out(suffix)
        }
        Body::Endless { prefix, fill } => {
            head.push_str("Connection: close\r\n\r\n");
            if !out(head.as_bytes()) || !out(prefix) {
                return false;
            }
            let block = vec![*fill; BLOCK];
            let mut sent = 0u64;
            while sent < ENDLESS_CAP && out(&block) {
                sent += BLOCK as u64;
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` on a fresh connection, says it is done (so a
    /// server waiting for another request sees the end), and reads until
    /// the server closes it (or 10 s pass).
    fn exchange(server: &ScriptedServer, request: &str) -> String {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // A server that closes first (a connection over its bound) may
        // refuse the write: what was read says so.
        let _ = stream.write_all(request.as_bytes());
        let _ = stream.shutdown(Shutdown::Write);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn rules_answer_in_order_and_the_fallback_answers_the_rest() {
        let script = Script::new()
            .on(
                PathIs::Exact("/a".into()),
                Response::new(200, &[("X-Port", PORT)], Body::Full(b"first".to_vec())),
            )
            .on(
                PathIs::Prefix("/a".into()),
                Response::new(200, &[], Body::Full(b"second".to_vec())),
            )
            .otherwise(Response::new(418, &[], Body::Full(Vec::new())));
        let server = ScriptedServer::start(script).unwrap();
        let port = server.port();
        let a = exchange(
            &server,
            "GET /a?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /ab HTTP/1.1\r\n\r\n",
        );
        // Both requests on one connection: `Full` keeps it open.
        assert!(
            a.starts_with(&format!(
                "HTTP/1.1 200 OK\r\nX-Port: {port}\r\nContent-Length: 5\r\n\r\nfirst"
            )),
            "{a}"
        );
        assert!(a.ends_with("Content-Length: 6\r\n\r\nsecond"), "{a}");
        let other = exchange(&server, "HEAD http://127.0.0.1/zz HTTP/1.1\r\n\r\n");
        assert_eq!(other, "HTTP/1.1 418 Whatever\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(
            server.stop(),
            ["GET /a", "GET /ab", "HEAD /zz"].map(String::from)
        );
    }

    #[test]
    fn a_method_rule_leaves_other_methods_to_the_fallback() {
        let script = Script {
            rules: vec![Rule::method(
                "PUT",
                PathIs::Any,
                Response::new(201, &[], Body::Raw(b"made".to_vec())),
            )],
            fallback: None,
        };
        let server = ScriptedServer::start(script).unwrap();
        assert_eq!(exchange(&server, "PUT /x HTTP/1.1\r\n\r\n"), "made");
        assert_eq!(
            exchange(&server, "GET /x HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn a_raw_answer_writes_what_it_likes_and_the_connection_closes() {
        let script = Script::new().on(
            PathIs::Any,
            Answer::raw(|req, out| {
                let text = format!("not http {} {}", req.path, out.port());
                assert!(out.write(text.as_bytes()));
            }),
        );
        let server = ScriptedServer::start(script).unwrap();
        let port = server.port();
        assert_eq!(
            exchange(&server, "GET /p HTTP/1.1\r\n\r\n"),
            format!("not http /p {port}")
        );
    }

    #[test]
    fn a_head_past_the_cap_ends_the_connection_unanswered() {
        let limits = Limits {
            max_head: 1024,
            ..Limits::default()
        };
        let server = ScriptedServer::start_with(Script::new(), limits).unwrap();
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(64 << 10));
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // The server may close while this is still being written.
        let _ = stream.write_all(long.as_bytes());
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
        assert!(server.requests().is_empty());
    }

    /// An answer that never ends and one that never starts both stop with
    /// the server: dropping it returns promptly.
    #[test]
    fn dropping_the_server_stops_endless_and_silent_answers() {
        let script = Script::new()
            .on(
                PathIs::Exact("/endless".into()),
                Response::new(
                    200,
                    &[],
                    Body::Endless {
                        prefix: Vec::new(),
                        fill: b'x',
                    },
                ),
            )
            .on(
                PathIs::Exact("/silent".into()),
                Response::new(200, &[], Body::Silent),
            );
        let server = ScriptedServer::start(script).unwrap();
        let mut clients = Vec::new();
        for path in ["/endless", "/silent"] {
            let mut stream = TcpStream::connect(server.addr()).unwrap();
            stream
                .write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
                .unwrap();
            clients.push(stream);
        }
        // Both requests are being answered (or held) before the drop.
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.requests().len() < 2 {
            assert!(Instant::now() < deadline, "{:?}", server.requests());
            std::thread::sleep(Duration::from_millis(10));
        }
        let start = Instant::now();
        drop(server);
        // The endless writer may be blocked on a full socket for one
        // write timeout; nothing waits longer.
        assert!(
            start.elapsed() < Limits::default().write_timeout + Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        drop(clients);
    }

    #[test]
    fn a_server_outlives_neither_its_lifetime_nor_its_connection_bound() {
        let limits = Limits {
            max_connections: 1,
            lifetime: Duration::from_secs(5),
            ..Limits::default()
        };
        let script = Script::new().on(PathIs::Any, Response::json(200, b"{}"));
        let server = ScriptedServer::start_with(script, limits).unwrap();
        assert!(exchange(&server, "GET / HTTP/1.1\r\n\r\n").ends_with("{}"));
        // The second connection is closed unanswered.
        assert_eq!(exchange(&server, "GET / HTTP/1.1\r\n\r\n"), "");
        let start = Instant::now();
        while TcpStream::connect(server.addr()).is_ok() && start.elapsed() < Duration::from_secs(15)
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "still accepting after its lifetime"
        );
    }
}
