//! Component `web-rust`, implementing the world `web`.
//! witloom wrote this file once (`witloom new`); it is yours to edit.

wit_bindgen::generate!({
    world: "web",
    path: "../wit",
    // Bindings for every interface the world uses, WASI included.
    generate_all,
});

/// The component: each export's trait is implemented on it.
pub struct Component;

#[allow(unused_variables)]
impl exports::wasi::http::incoming_handler::Guest for Component {
    /// This function is invoked with an incoming HTTP Request, and a resource
    /// `response-outparam` which provides the capability to reply with an HTTP
    /// Response. The response is sent by calling the `response-outparam.set`
    /// method, which allows execution to continue after the response has been
    /// sent. This enables both streaming to the response body, and performing other
    /// work.
    ///
    /// The implementor of this function must write a response to the
    /// `response-outparam` before returning, or else the caller will respond
    /// with an error on its behalf.
    fn handle(
        request: exports::wasi::http::incoming_handler::IncomingRequest,
        response_out: exports::wasi::http::incoming_handler::ResponseOutparam,
    ) -> () {
        // Answers every request with `200 hello from web-rust`. Read the
        // request with `request.method()`, `.path_with_query()`, `.headers()`
        // and `.consume()` (its body, as a stream); see witloom's
        // docs/serve.md for streaming a response.
        use wasi::http::types::{Fields, OutgoingBody, OutgoingResponse, ResponseOutparam};
        let headers = Fields::from_list(&[("content-type".to_string(), b"text/plain".to_vec())])
            .expect("a valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the body, taken once");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().expect("the body's stream, taken once");
        stream
            .blocking_write_and_flush(b"hello from web-rust\n")
            .expect("written");
        drop(stream);
        OutgoingBody::finish(body, None).expect("finished");
    }
}

export!(Component);
