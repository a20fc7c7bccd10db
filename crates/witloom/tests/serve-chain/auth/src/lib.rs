//! Middleware in Rust: a request without `authorization: Bearer letmein`
//! is answered `401` here; any other goes on to the next handler, with
//! its response left to that handler (wasi:http 0.2 middleware passes the
//! request and the response-outparam on as they are).

wit_bindgen::generate!({
    world: "middleware",
    path: "../../serve/wit",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};
use witloom::host::log::{self, Level};

struct Auth;

const TOKEN: &[u8] = b"Bearer letmein";

impl Guest for Auth {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let authorized = request
            .headers()
            .get(&"authorization".to_string())
            .iter()
            .any(|v| v == TOKEN);
        if authorized {
            wasi::http::incoming_handler::handle(request, out);
            return;
        }
        log::log(Level::Warn, "auth", "refused a request without a token", &[]);
        let headers = Fields::from_list(&[
            ("www-authenticate".to_string(), b"Bearer".to_vec()),
            ("x-refused-by".to_string(), b"auth".to_vec()),
        ])
        .expect("valid headers");
        let response = OutgoingResponse::new(headers);
        response.set_status_code(401).expect("a valid status");
        let body = response.body().expect("the body, once");
        ResponseOutparam::set(out, Ok(response));
        {
            let stream = body.write().expect("the body's stream, once");
            stream
                .blocking_write_and_flush(b"a token is required\n")
                .expect("written");
        }
        OutgoingBody::finish(body, None).expect("finished");
    }
}

export!(Auth);
