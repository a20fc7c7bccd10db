//! Component `runner-rust`, implementing the world `runner`.
//! witloom wrote this file once (`witloom new`); it is yours to edit.

wit_bindgen::generate!({
    world: "runner",
    path: "../wit",
    // Bindings for every interface the world uses, WASI included.
    generate_all,
});

/// The component: each export's trait is implemented on it.
pub struct Component;

#[allow(unused_variables)]
impl exports::wasi::cli::run::Guest for Component {
    /// Run the program.
    fn run() -> ::core::result::Result<(), ()> {
        todo!()
    }
}

export!(Component);
