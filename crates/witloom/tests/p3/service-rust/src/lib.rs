//! A WASI 0.3 HTTP handler in Rust: `handle` is an `async func`, bodies
//! are streams, and an instance lives for many requests (`/served` counts
//! them).

wit_bindgen::generate!({
    world: "service",
    path: "../wit",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use std::sync::atomic::{AtomicU64, Ordering};
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response};

/// Requests this instance has taken.
static SERVED: AtomicU64 = AtomicU64::new(0);

struct Service;

impl Guest for Service {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let served = SERVED.fetch_add(1, Ordering::Relaxed) + 1;
        let path = request.get_path_with_query().unwrap_or_default();
        match (request.get_method(), path.as_str()) {
            (Method::Get, "/hello") => Ok(text(200, "hello from rust on WASI 0.3\n")),
            (Method::Get, "/served") => Ok(text(200, &format!("{served}\n"))),
            (Method::Get, big) if big.starts_with("/big?") => {
                let len: u64 = big["/big?".len()..].parse().unwrap_or(0);
                Ok(pattern(len))
            }
            (Method::Get, "/trailers") => Ok(with_trailers()),
            (Method::Get, slow) if slow.starts_with("/slow?") => {
                // Sleeps on the host's clock (an async import), then says so.
                let ms: u64 = slow["/slow?".len()..].parse().unwrap_or(0);
                wasi::clocks::monotonic_clock::wait_for(ms * 1_000_000).await;
                Ok(text(200, "slept\n"))
            }
            (Method::Get, "/trap") => panic!("asked to trap"),
            // The ways a handler can misbehave, each for `--timeout` or
            // `--max-memory` to stop.
            (Method::Get, "/spin") => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            (Method::Get, "/bomb") => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            (Method::Get, "/never") => {
                // A future whose writer is kept and never written.
                let (writer, reader) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
                let _ = reader.await;
                drop(writer);
                Ok(text(200, "unreachable\n"))
            }
            (Method::Get, "/endless-body") => {
                // A body stream whose writer is kept and never closed.
                let (writer, contents) = wit_stream::new::<u8>();
                let (_, trailers) = wit_future::new(|| Ok(None));
                let (response, _) = Response::new(Fields::new(), Some(contents), trailers);
                wit_bindgen::spawn_local(async move {
                    let (never, wait) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
                    let _ = wait.await;
                    drop((never, writer));
                });
                Ok(response)
            }
            (Method::Post, "/echo") => {
                // The request's `trailer` header goes with its trailers, so
                // that the server sends them on.
                let declared = request.get_headers().get("trailer");
                let headers = Fields::new();
                if !declared.is_empty() {
                    let _ = headers.set("trailer", &declared);
                }
                // Nothing to report about the body's use: the writer of
                // `done` is dropped, which says `ok`.
                let (_, done) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
                let (body, trailers) = Request::consume_body(request, done);
                let (response, _) = Response::new(headers, Some(body), trailers);
                Ok(response)
            }
            _ => Ok(text(404, "not found\n")),
        }
    }
}

/// A `text/plain` response of `status` whose body is `body`, written by a
/// task of its own once the response has been returned.
fn text(status: u16, body: &str) -> Response {
    let headers = Fields::from_list(&[(
        "content-type".to_string(),
        b"text/plain; charset=utf-8".to_vec(),
    )])
    .expect("a valid header");
    let (mut writer, contents) = wit_stream::new::<u8>();
    // No trailers: the writer is dropped, which resolves it to `None`.
    let (_, trailers) = wit_future::new(|| Ok(None));
    let (response, _) = Response::new(headers, Some(contents), trailers);
    let _ = response.set_status_code(status);
    let body = body.as_bytes().to_vec();
    wit_bindgen::spawn_local(async move {
        writer.write_all(body).await;
    });
    response
}

/// How much `pattern` writes at a time.
const CHUNK: u64 = 64 * 1024;

/// A response of `len` bytes (byte `i` is `i % 251`), written in chunks by
/// a task of its own, each made as the reader takes the one before.
fn pattern(len: u64) -> Response {
    let (mut writer, contents) = wit_stream::new::<u8>();
    let (_, trailers) = wit_future::new(|| Ok(None));
    let (response, _) = Response::new(Fields::new(), Some(contents), trailers);
    wit_bindgen::spawn_local(async move {
        let mut at = 0;
        while at < len {
            let end = (at + CHUNK).min(len);
            let chunk: Vec<u8> = (at..end).map(|i| (i % 251) as u8).collect();
            if !writer.write_all(chunk).await.is_empty() {
                // The reader went away: nothing more to write.
                return;
            }
            at = end;
        }
    });
    response
}

/// A short body, then trailers (`x-served-by: rust`), declared up front in
/// a `trailer` header as HTTP/1.1 asks.
fn with_trailers() -> Response {
    let headers = Fields::from_list(&[("trailer".to_string(), b"x-served-by".to_vec())])
        .expect("a valid header");
    let (mut writer, contents) = wit_stream::new::<u8>();
    let (sender, trailers) = wit_future::new(|| Ok(None));
    let (response, _) = Response::new(headers, Some(contents), trailers);
    wit_bindgen::spawn_local(async move {
        writer.write_all(b"trailers follow\n".to_vec()).await;
        drop(writer);
        let fields = Fields::from_list(&[("x-served-by".to_string(), b"rust".to_vec())])
            .expect("a valid trailer");
        let _ = sender.write(Ok(Some(fields))).await;
    });
    response
}

export!(Service);
