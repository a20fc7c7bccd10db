wit_bindgen::generate!({ world: "hello", path: "../wit" });

struct Greeter;

impl exports::smoke::hello::greeter::Guest for Greeter {
    fn greet(name: String) -> String {
        smoke::hello::host_log::log("greeting someone");
        format!("hello, {name}!")
    }
}

export!(Greeter);
