//! The serve tests' handler in Rust, one route per behaviour under test:
//!
//! - `GET /hello`: `200 hello from rust`.
//! - `POST /echo`: the request body back, read and written in chunks, with
//!   `x-echo-length` (read after the body, so it goes in the trailers'
//!   place: a header set before streaming) and the request's `x-probe`.
//! - `GET /big?BYTES`: a streamed body of that many bytes.
//! - `POST /count/NAME`: increments row NAME through `witloom:host/sql`,
//!   answers its new value.
//! - `GET /slow?MS`: answers after MS milliseconds (a request in flight).
//! - `GET /trap`, `/loop`, `/bomb`: a trap, an endless loop, unbounded
//!   memory growth: what the server must survive.
//! - `GET /answer-then-loop`: a complete response, then an endless loop.
//! - `POST /session`: a TEMP table and `last_insert_rowid()`, which must be
//!   this request's own: `ok`, or what went wrong.
//! - `GET /sql-forever`, `/sql-huge`: a query that never ends, one whose
//!   result would be 2 GB: the SQL error the guest got.
//! - anything else: `404`.

wit_bindgen::generate!({
    world: "handler",
    path: "../wit",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse,
    ResponseOutparam,
};
use wasi::io::streams::StreamError;
use witloom::host::log::{self, Level};
use witloom::host::sql::{self, Value};

struct Component;

/// Sends a response with `status` and `headers`, then writes `body` in
/// chunks (the stream takes at most 4 KiB per blocking write).
fn respond(out: ResponseOutparam, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    let fields = Fields::new();
    for (name, value) in headers {
        fields
            .append(&name.to_string(), &value.as_bytes().to_vec())
            .expect("a valid header");
    }
    let response = OutgoingResponse::new(fields);
    response.set_status_code(status).expect("a valid status");
    let outgoing = response.body().expect("the body, once");
    ResponseOutparam::set(out, Ok(response));
    {
        let stream = outgoing.write().expect("the body's stream, once");
        for chunk in body.chunks(4096) {
            stream.blocking_write_and_flush(chunk).expect("written");
        }
    }
    OutgoingBody::finish(outgoing, None).expect("finished");
}

/// Streams `n` bytes of `abc…z` without holding them all.
fn stream_bytes(out: ResponseOutparam, n: usize) {
    let fields = Fields::new();
    fields
        .append(&"content-type".to_string(), &b"application/octet-stream".to_vec())
        .unwrap();
    let response = OutgoingResponse::new(fields);
    let outgoing = response.body().unwrap();
    ResponseOutparam::set(out, Ok(response));
    {
        let stream = outgoing.write().unwrap();
        let pattern: Vec<u8> = (0..4096).map(|i| b'a' + (i % 26) as u8).collect();
        let mut left = n;
        while left > 0 {
            let take = left.min(pattern.len());
            stream.blocking_write_and_flush(&pattern[..take]).unwrap();
            left -= take;
        }
    }
    OutgoingBody::finish(outgoing, None).unwrap();
}

fn read_body(request: IncomingRequest) -> Vec<u8> {
    let body = request.consume().expect("the body, once");
    let mut bytes = Vec::new();
    {
        let stream = body.stream().expect("the body's stream, once");
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    panic!("reading the body failed: {}", e.to_debug_string())
                }
            }
        }
    }
    IncomingBody::finish(body);
    bytes
}

fn count(name: &str) -> Result<i64, sql::Error> {
    sql::execute(
        "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)",
        &[],
    )?;
    let rows = sql::query(
        "INSERT INTO counters (name, n) VALUES (?1, 1) \
         ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n",
        &[Value::Text(name.to_string())],
    )?;
    match rows.values.first().and_then(|r| r.first()) {
        Some(Value::Integer(n)) => Ok(*n),
        other => panic!("RETURNING n gave {other:?}"),
    }
}

/// What SQLite keeps per connection must be this request's alone: the
/// rowid of its last insert, and its TEMP table (which another request's
/// connection would not have, or would already have).
fn session() -> Result<(), String> {
    let e = |e: sql::Error| format!("{:?}: {}", e.code, e.message);
    sql::execute(
        "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, x INTEGER)",
        &[],
    )
    .map_err(e)?;
    let inserted = sql::query("INSERT INTO items (x) VALUES (1) RETURNING id", &[]).map_err(e)?;
    let last = sql::query("SELECT last_insert_rowid()", &[]).map_err(e)?;
    match (&inserted.values[0][0], &last.values[0][0]) {
        (Value::Integer(a), Value::Integer(b)) if a == b => {}
        (mine, last) => {
            return Err(format!(
                "last_insert_rowid() is {last:?}, not this request's {mine:?}"
            ));
        }
    }
    sql::execute("CREATE TEMP TABLE scratch (x INTEGER)", &[]).map_err(e)?;
    sql::execute("INSERT INTO scratch VALUES (1)", &[]).map_err(e)?;
    let count = sql::query("SELECT count(*) FROM scratch", &[]).map_err(e)?;
    match &count.values[0][0] {
        Value::Integer(1) => Ok(()),
        other => Err(format!("the TEMP table holds {other:?} rows, not 1")),
    }
}

impl Guest for Component {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let method = request.method();
        let probe = request
            .headers()
            .get(&"x-probe".to_string())
            .first()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        match (method, path.as_str()) {
            (Method::Get, "/hello") => {
                log::log(Level::Info, "hello-rust", "saying hello", &[]);
                respond(out, 200, &[("content-type", "text/plain")], b"hello from rust\n")
            }
            (Method::Post, "/echo") => {
                let body = read_body(request);
                let length = body.len().to_string();
                respond(
                    out,
                    200,
                    &[("x-echo-length", &length), ("x-probe", &probe)],
                    &body,
                )
            }
            (Method::Get, p) if p.starts_with("/big?") => {
                stream_bytes(out, p["/big?".len()..].parse().unwrap_or(0))
            }
            (Method::Post, p) if p.starts_with("/count/") => match count(&p["/count/".len()..]) {
                Ok(n) => respond(out, 200, &[], n.to_string().as_bytes()),
                Err(e) => respond(
                    out,
                    500,
                    &[],
                    format!("{:?}: {}", e.code, e.message).as_bytes(),
                ),
            },
            (Method::Get, p) if p.starts_with("/slow?") => {
                let ms: u64 = p["/slow?".len()..].parse().unwrap_or(0);
                wasi::clocks::monotonic_clock::subscribe_duration(ms * 1_000_000).block();
                respond(out, 200, &[], b"slept\n")
            }
            (Method::Get, "/answer-then-loop") => {
                respond(out, 200, &[], b"answered\n");
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            (Method::Post, "/session") => {
                let answer = match session() {
                    Ok(()) => "ok".to_string(),
                    Err(e) => e,
                };
                respond(out, 200, &[], answer.as_bytes())
            }
            (Method::Get, "/sql-forever") => {
                let e = sql::query(
                    "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r",
                    &[],
                )
                .expect_err("it never ends");
                respond(out, 503, &[], format!("{:?}: {}", e.code, e.message).as_bytes())
            }
            (Method::Get, "/sql-huge") => {
                let e = sql::query(
                    "SELECT randomblob(1000000000) FROM (VALUES (1), (2))",
                    &[],
                )
                .expect_err("too big");
                respond(out, 500, &[], format!("{:?}: {}", e.code, e.message).as_bytes())
            }
            (Method::Get, "/trap") => unreachable!("a trap, on purpose"),
            (Method::Get, "/loop") => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            (Method::Get, "/bomb") => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            _ => respond(out, 404, &[], b"not found\n"),
        }
    }
}

export!(Component);
