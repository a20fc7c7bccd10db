//! witloom-bindgen's output for the IR corpus and the WASI 0.2 set, built
//! by `build.rs`: that this crate compiles is the test. The tests below pin
//! which worlds are generated and which are refused, and why.

include!(concat!(env!("OUT_DIR"), "/all.rs"));

#[cfg(test)]
mod tests {
    use super::{GENERATED, REFUSED};

    #[test]
    fn every_wasi_world_and_corpus_world_is_generated() {
        for world in [
            "corpus:fraction/calculator",
            "corpus:gates/app@1.2.0",
            "corpus:worlds/base",
            "corpus:worlds/app",
            "wasi:cli/command@",
            "wasi:cli/imports@",
            "wasi:http/proxy@",
            "wasi:filesystem/imports@",
            "wasi:sockets/imports@",
            "async wasi:cli/command",
            "witloom-corpus:edge/edge-exports@0.1.0",
            "witloom-corpus:edge/edge-imports@0.1.0",
            "witloom-corpus:edge/middleware@0.1.0",
            "edge-imports with a trappable error",
            "wasi:cli/command with wasi:io from wasmtime-wasi",
        ] {
            assert!(
                GENERATED.iter().any(|g| g.starts_with(world)),
                "{world} not generated; generated: {GENERATED:?}; refused: {REFUSED:?}"
            );
        }
        assert!(GENERATED.len() >= 15, "{GENERATED:?}");
    }

    #[test]
    fn only_unsupported_kinds_are_refused_and_named() {
        let names: Vec<&str> = REFUSED.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "witloom-corpus:types/imports-all",
                "witloom-corpus:types/exports-all"
            ],
            "{REFUSED:?}"
        );
        for (_, message) in REFUSED {
            assert!(
                message.starts_with("witloom bindgen does not generate ")
                    && message.contains("corpus:types/all-types@0.1.0"),
                "{message}"
            );
        }
    }
}

/// The generator's golden files (`tests/golden.rs`) compile too.
#[allow(dead_code, unused, clippy::all)]
pub mod golden {
    pub mod worlds_app {
        include!("../../tests/golden/worlds-app.rs");
    }
    pub mod fraction_calculator_async {
        include!("../../tests/golden/fraction-calculator-async.rs");
    }
    pub mod db_trappable {
        include!("../../tests/golden/db-trappable.rs");
    }
}

/// The Rust error type the trappable golden maps `witloom:host/sql#error`
/// to.
#[derive(Debug)]
pub struct SqlError;

/// The Rust error type the edge corpus maps `files#error` to.
#[derive(Debug)]
pub struct EdgeError;
