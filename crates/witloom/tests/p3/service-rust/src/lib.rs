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
                // Nothing to report about the body's use: the writer of
                // `done` is dropped, which says `ok`.
                let (_, done) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
                let (body, trailers) = Request::consume_body(request, done);
                let (response, _) = Response::new(Fields::new(), Some(body), trailers);
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

export!(Service);
