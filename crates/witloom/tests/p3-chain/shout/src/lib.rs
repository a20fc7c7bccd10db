//! WASI 0.3 middleware: passes each request to the handler behind it, then
//! rewrites that handler's response on its way out: an `x-shout` header
//! added, and the body upper-cased chunk by chunk as it streams through
//! (its trailers passed on as they are).

wit_bindgen::generate!({
    world: "middleware",
    path: "../../p3/wit",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::http::types::{ErrorCode, Request, Response};
use wit_bindgen::StreamResult;

/// Bytes asked for per read.
const CHUNK: usize = 64 << 10;

struct Shout;

impl Guest for Shout {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let inner = wasi::http::handler::handle(request).await?;
        let status = inner.get_status_code();
        let headers = inner.get_headers().clone();
        headers
            .set("x-shout", &[b"yes".to_vec()])
            .map_err(|e| ErrorCode::InternalError(Some(format!("{e:?}"))))?;
        let (_, done) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
        let (mut body, trailers) = Response::consume_body(inner, done);
        let (mut loud, contents) = wit_stream::new::<u8>();
        let (response, _) = Response::new(headers, Some(contents), trailers);
        let _ = response.set_status_code(status);
        wit_bindgen::spawn_local(async move {
            let mut buf = Vec::with_capacity(CHUNK);
            loop {
                let (result, mut chunk) = body.read(buf).await;
                chunk.make_ascii_uppercase();
                let left = loud.write_all(chunk).await;
                if !left.is_empty() || !matches!(result, StreamResult::Complete(_)) {
                    break;
                }
                buf = Vec::with_capacity(CHUNK);
            }
        });
        Ok(response)
    }
}

export!(Shout);
