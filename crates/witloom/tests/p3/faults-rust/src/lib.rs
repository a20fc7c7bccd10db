//! `faults` in Rust: an `error-context` passed out (wit-bindgen-c 0.63 does
//! not implement `error-context`, so there is no C one).

wit_bindgen::generate!({
    world: "faults-test",
    path: "../wit",
    generate_all,
});

use wit_bindgen::rt::async_support::ErrorContext;

struct Faults;

impl exports::witloom_tests::p3::faults::Guest for Faults {
    async fn fail(message: String) -> ErrorContext {
        ErrorContext::new(&message)
    }
}

export!(Faults);
