//! A WASI 0.3 HTTP handler on `witloom:host/sql`: `POST /count/NAME`
//! increments row NAME (an upsert with `RETURNING`) and answers its count.

wit_bindgen::generate!({
    world: "service-db",
    path: "../wit",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response};
use witloom::host::sql::{self, Value};

struct Counter;

impl Guest for Counter {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let path = request.get_path_with_query().unwrap_or_default();
        let name = path.strip_prefix("/count/").map(str::to_string);
        match (request.get_method(), name) {
            (Method::Post, Some(name)) => match count(&name) {
                Ok(n) => Ok(text(200, format!("{n}\n"))),
                Err(e) => Ok(text(503, format!("{:?}: {}\n", e.code, e.message))),
            },
            _ => Ok(text(404, "not found\n".to_string())),
        }
    }
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
        other => Err(sql::Error {
            code: sql::ErrorCode::Other,
            message: format!("RETURNING n gave {other:?}"),
        }),
    }
}

/// A `text/plain` response of `status`, its body written once it has been
/// returned.
fn text(status: u16, body: String) -> Response {
    let (mut writer, contents) = wit_stream::new::<u8>();
    let (_, trailers) = wit_future::new(|| Ok(None));
    let (response, _) = Response::new(Fields::new(), Some(contents), trailers);
    let _ = response.set_status_code(status);
    wit_bindgen::spawn_local(async move {
        writer.write_all(body.into_bytes()).await;
    });
    response
}

export!(Counter);
