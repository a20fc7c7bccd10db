//! notes' API, in Rust: a JSON API over notes kept in the granted SQL
//! database (`witloom:host/sql`), and the home page, rendered by the Go
//! `pages` component.
//!
//! | request                  | answer                                   |
//! |--------------------------|------------------------------------------|
//! | `GET /`                  | the home page (HTML)                     |
//! | `GET /api/notes`         | every note, newest first (JSON array)    |
//! | `POST /api/notes`        | `{"title", "body"}` → the new note, 201  |
//! | `GET /api/notes/ID`      | one note, or 404                         |
//! | `DELETE /api/notes/ID`   | 204, or 404                              |
//!
//! A WASI 0.3 handler: `handle` is an `async func`, the request's body a
//! stream read as it comes. Writes reach this component only through the
//! `gate` middleware, which checks the bearer token first; the `etag`
//! middleware tags its `GET` answers.

wit_bindgen::generate!({
    world: "api",
    path: "../wit",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response};
use wit_bindgen::StreamResult;
use witloom::host::log::{self, Field, Level};
use witloom::host::sql::{self, Value};
use witloom_examples::notes::pages::{self, Note};

/// The largest request body the API reads (a note is text, not a file).
const MAX_BODY: usize = 64 * 1024;

struct Api;

/// An answer: status, content type and body.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Answer {
    fn json(status: u16, value: &serde_json::Value) -> Answer {
        let mut body = serde_json::to_vec(value).expect("JSON values serialize");
        body.push(b'\n');
        Answer {
            status,
            content_type: "application/json",
            body,
        }
    }

    fn error(status: u16, message: &str) -> Answer {
        Answer::json(status, &serde_json::json!({ "error": message }))
    }

    fn empty(status: u16) -> Answer {
        Answer {
            status,
            content_type: "text/plain",
            body: Vec::new(),
        }
    }
}

fn note_json(n: &Note) -> serde_json::Value {
    serde_json::json!({ "id": n.id, "title": n.title, "body": n.body, "created": n.created })
}

/// Why a request failed: bad input (400/404/413) or the database.
fn sql_error(e: sql::Error) -> Answer {
    log::log(
        Level::Error,
        "notes::api",
        "the database refused a statement",
        &[Field {
            key: "error".into(),
            value: e.message.clone(),
        }],
    );
    Answer::error(500, "the database is not available")
}

fn migrate() -> Result<(), sql::Error> {
    sql::execute(
        "CREATE TABLE IF NOT EXISTS notes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            created INTEGER NOT NULL
        )",
        &[],
    )?;
    Ok(())
}

fn row_to_note(row: &[Value]) -> Option<Note> {
    match row {
        [
            Value::Integer(id),
            Value::Text(title),
            Value::Text(body),
            Value::Integer(created),
        ] => Some(Note {
            id: *id,
            title: title.clone(),
            body: body.clone(),
            created: *created,
        }),
        _ => None,
    }
}

fn all_notes() -> Result<Vec<Note>, sql::Error> {
    let rows = sql::query(
        "SELECT id, title, body, created FROM notes ORDER BY id DESC",
        &[],
    )?;
    Ok(rows.values.iter().filter_map(|r| row_to_note(r)).collect())
}

fn one_note(id: i64) -> Result<Option<Note>, sql::Error> {
    let rows = sql::query(
        "SELECT id, title, body, created FROM notes WHERE id = ?1",
        &[Value::Integer(id)],
    )?;
    Ok(rows.values.first().and_then(|r| row_to_note(r)))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn create(body: &[u8]) -> Result<Answer, sql::Error> {
    #[derive(serde::Deserialize)]
    struct New {
        title: String,
        #[serde(default)]
        body: String,
    }
    let new: New = match serde_json::from_slice(body) {
        Ok(new) => new,
        Err(e) => {
            return Ok(Answer::error(
                400,
                &format!("the body must be JSON {{\"title\": …, \"body\": …}}: {e}"),
            ));
        }
    };
    let title = new.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Ok(Answer::error(400, "a title has 1 to 200 characters"));
    }
    let rows = sql::query(
        "INSERT INTO notes (title, body, created) VALUES (?1, ?2, ?3)
         RETURNING id, title, body, created",
        &[
            Value::Text(title.to_string()),
            Value::Text(new.body),
            Value::Integer(now()),
        ],
    )?;
    let note = rows
        .values
        .first()
        .and_then(|r| row_to_note(r))
        .expect("RETURNING gives the row");
    log::log(
        Level::Info,
        "notes::api",
        "note added",
        &[Field {
            key: "id".into(),
            value: note.id.to_string(),
        }],
    );
    Ok(Answer::json(201, &note_json(&note)))
}

async fn route(request: Request) -> Result<Answer, sql::Error> {
    migrate()?;
    let path = request.get_path_with_query().unwrap_or_default();
    let path = path.split('?').next().unwrap_or("/").to_string();
    let id = path
        .strip_prefix("/api/notes/")
        .map(|id| id.parse::<i64>().ok());
    Ok(match (request.get_method(), path.as_str(), id) {
        (Method::Get, "/", _) => Answer {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: pages::home(&all_notes()?).into_bytes(),
        },
        (Method::Get, "/api/notes", _) => Answer::json(
            200,
            &serde_json::Value::Array(all_notes()?.iter().map(note_json).collect()),
        ),
        (Method::Post, "/api/notes", _) => match read_body(request).await {
            Ok(body) => create(&body)?,
            Err(answer) => answer,
        },
        (_, _, Some(None)) => Answer::error(404, "no such note"),
        (Method::Get, _, Some(Some(id))) => match one_note(id)? {
            Some(note) => Answer::json(200, &note_json(&note)),
            None => Answer::error(404, "no such note"),
        },
        (Method::Delete, _, Some(Some(id))) => {
            if sql::execute("DELETE FROM notes WHERE id = ?1", &[Value::Integer(id)])? == 0 {
                Answer::error(404, "no such note")
            } else {
                Answer::empty(204)
            }
        }
        (_, "/" | "/api/notes", _) | (_, _, Some(Some(_))) => {
            Answer::error(405, "method not allowed")
        }
        _ => Answer::error(404, "not found"),
    })
}

/// The request body, up to [`MAX_BODY`]; a larger one is a 413.
async fn read_body(request: Request) -> Result<Vec<u8>, Answer> {
    // What this guest made of the body: `ok` when the writer is dropped.
    let (_, done) = wit_future::new::<Result<(), ErrorCode>>(|| Ok(()));
    let (mut body, _trailers) = Request::consume_body(request, done);
    let mut bytes = Vec::new();
    loop {
        let (result, chunk) = body.read(Vec::with_capacity(16 * 1024)).await;
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_BODY {
            return Err(Answer::error(
                413,
                &format!("a note's JSON is at most {MAX_BODY} bytes"),
            ));
        }
        match result {
            StreamResult::Complete(_) => {}
            StreamResult::Dropped => return Ok(bytes),
            StreamResult::Cancelled => {
                return Err(Answer::error(400, "the request body was cut short"));
            }
        }
    }
}

impl Guest for Api {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let answer = route(request).await.unwrap_or_else(sql_error);
        let headers = Fields::from_list(&[(
            "content-type".to_string(),
            answer.content_type.as_bytes().to_vec(),
        )])
        .expect("a valid header");
        let (mut writer, contents) = wit_stream::new::<u8>();
        // No trailers: the writer is dropped, which resolves it to `None`.
        let (_, trailers) = wit_future::new(|| Ok(None));
        let (response, _) = Response::new(headers, Some(contents), trailers);
        let _ = response.set_status_code(answer.status);
        // The body is written once the response has gone back.
        wit_bindgen::spawn_local(async move {
            writer.write_all(answer.body).await;
        });
        Ok(response)
    }
}

export!(Api);
