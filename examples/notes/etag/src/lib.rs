//! notes' etag, in Rust: WASI 0.3 middleware that rewrites the responses of
//! the handler behind it, which 0.2 middleware never sees. A `GET`
//! answered 200 gets an `etag` (a 64-bit FNV-1a hash of its body) and
//! `cache-control: no-cache` (so browsers ask again, with the tag), and a
//! `GET` whose `if-none-match` names the current tag is answered
//! `304 Not Modified` with no body. Other requests and answers pass
//! through untouched; a body larger than [`MAX_TAGGED`] streams through
//! untagged, since a tag must be sent before the body it names.

wit_bindgen::generate!({
    world: "etag",
    path: "../wit",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response};
use wit_bindgen::StreamResult;

/// The largest body this middleware holds back to tag.
const MAX_TAGGED: usize = 1 << 20;

/// Bytes asked for per read.
const CHUNK: usize = 64 << 10;

struct Etag;

impl Guest for Etag {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let get = matches!(request.get_method(), Method::Get);
        let wanted = request.get_headers().get("if-none-match");
        let inner = wasi::http::handler::handle(request).await?;
        if !get || inner.get_status_code() != 200 || inner.get_headers().has("etag") {
            return Ok(inner);
        }
        let headers = inner.get_headers().clone();
        let (_, done) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
        let (mut body, trailers) = Response::consume_body(inner, done);

        // Hold the body back, up to MAX_TAGGED, to tag it.
        let mut held = Vec::new();
        let mut ended = false;
        while !ended && held.len() <= MAX_TAGGED {
            let (result, chunk) = body.read(Vec::with_capacity(CHUNK)).await;
            held.extend_from_slice(&chunk);
            ended = !matches!(result, StreamResult::Complete(_));
        }
        if ended {
            let tag = format!("\"{:016x}\"", fnv1a(&held));
            if names(&wanted, &tag) {
                let not_modified = fields(&[("etag", &tag), ("cache-control", "no-cache")])?;
                let (response, _) = Response::new(not_modified, None, trailers);
                let _ = response.set_status_code(304);
                return Ok(response);
            }
            set(&headers, "etag", &tag)?;
            if !headers.has("cache-control") {
                set(&headers, "cache-control", "no-cache")?;
            }
        }

        // The body: what was held, then (when it was too large to tag)
        // the rest as it comes.
        let (mut writer, contents) = wit_stream::new::<u8>();
        let (response, _) = Response::new(headers, Some(contents), trailers);
        let _ = response.set_status_code(200);
        wit_bindgen::spawn_local(async move {
            let mut chunk = held;
            let mut more = !ended;
            loop {
                if !writer.write_all(chunk).await.is_empty() || !more {
                    return;
                }
                let (result, next) = body.read(Vec::with_capacity(CHUNK)).await;
                more = matches!(result, StreamResult::Complete(_));
                chunk = next;
            }
        });
        Ok(response)
    }
}

/// Whether the values of an `if-none-match` header name `tag` (or `*`).
/// The comparison is the weak one RFC 9110 asks for here: `W/"x"`
/// names `"x"`.
fn names(values: &[Vec<u8>], tag: &str) -> bool {
    values.iter().any(|v| {
        String::from_utf8_lossy(v)
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
    })
}

/// The 64-bit FNV-1a hash of `bytes`: not cryptographic, which a cache
/// validator need not be.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn fields(entries: &[(&str, &str)]) -> Result<Fields, ErrorCode> {
    let list: Vec<(String, Vec<u8>)> = entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    Fields::from_list(&list).map_err(|e| ErrorCode::InternalError(Some(format!("{e:?}"))))
}

fn set(headers: &Fields, name: &str, value: &str) -> Result<(), ErrorCode> {
    headers
        .set(name, &[value.as_bytes().to_vec()])
        .map_err(|e| ErrorCode::InternalError(Some(format!("{e:?}"))))
}

export!(Etag);
