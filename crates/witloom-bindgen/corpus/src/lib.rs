//! witloom-bindgen's output for the IR corpus, the WASI 0.2 set and the
//! corpus wasmtime tests `bindgen!` with (`tests/codegen` of its
//! component-macro crate, under sugar, async and trappable imports), built
//! by `build.rs`: that this crate compiles is the test. The tests below pin
//! which worlds are generated and which are refused, and why.

include!(concat!(env!("OUT_DIR"), "/all.rs"));

#[cfg(test)]
mod tests {
    use super::{GENERATED, REFUSED, UNLOADED};

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
        let names: Vec<&str> = REFUSED
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !n.starts_with("wasmtime codegen "))
            .collect();
        assert_eq!(
            names,
            [
                "witloom-corpus:types/imports-all",
                "witloom-corpus:types/exports-all"
            ],
            "{REFUSED:?}"
        );
        for (name, message) in REFUSED {
            assert!(
                message.starts_with("witloom bindgen does not generate "),
                "{name}: {message}"
            );
        }
    }

    /// wasmtime's own `bindgen!` corpus: every entry the pinned wit-parser
    /// loads is generated and compiled under every option set, but for the
    /// refusals pinned here (issue 18 empties this list).
    #[test]
    fn wasmtime_codegen_corpus_is_generated_under_every_option_set() {
        let unloaded: Vec<(&str, &str)> = UNLOADED.to_vec();
        assert_eq!(
            unloaded,
            [
                ("flags.wit", "cannot have more than 32 flags"),
                ("records.wit", "empty record"),
                ("simple-wasi.wit", "empty record"),
                ("use-paths.wit", "empty record"),
                ("variants.wit", "empty record"),
                ("worlds-with-types.wit", "empty record"),
            ],
            "only what the pinned wit-parser rejects is skipped"
        );
        let mut refused: Vec<&str> = REFUSED
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("wasmtime codegen "))
            .filter_map(|n| n.split(' ').next())
            .collect();
        refused.dedup();
        assert_eq!(refused, ["implements.wit"], "{REFUSED:?}");
        let generated = GENERATED
            .iter()
            .filter(|n| n.starts_with("wasmtime codegen "))
            .count();
        // 28 entries' worlds, three option sets each.
        assert!(generated >= 28 * 3, "{generated}: {GENERATED:?}");
        for set in ["sugar", "async", "trappable"] {
            assert!(
                GENERATED
                    .iter()
                    .filter(|n| n.starts_with("wasmtime codegen ") && n.ends_with(set))
                    .count()
                    >= 28,
                "{set}"
            );
        }
    }
}

/// A resource declared in a world, at run time: the generated linker
/// registers every import under the names and types wasmtime expects, so
/// a component importing them (wit-component's dummy for the world)
/// instantiates.
#[cfg(test)]
mod world_resource {
    use super::edge_world_resource::{Counter, HostCounter, WorldResource, WorldResourceImports};
    use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceTable};
    use wasmtime::{Engine, Store};

    struct Host {
        table: ResourceTable,
    }

    impl HostCounter for Host {
        fn new(&mut self, start: u32) -> Resource<Counter> {
            Resource::new_own(self.table.push(start).unwrap().rep())
        }
        fn add(&mut self, _: Resource<Counter>, n: u32) -> u32 {
            n
        }
        fn zero(&mut self) -> Resource<Counter> {
            self.new(0)
        }
        fn drop(&mut self, _: Resource<Counter>) -> wasmtime::Result<()> {
            Ok(())
        }
    }

    impl WorldResourceImports for Host {
        fn make(&mut self) -> Resource<Counter> {
            self.new(1)
        }
    }

    #[test]
    fn a_component_importing_a_world_resource_instantiates() {
        let mut resolve = wit_parser::Resolve::default();
        let (pkg, _) = resolve.push_dir("wit/edge").unwrap();
        let world = resolve
            .select_world(&[pkg], Some("world-resource"))
            .unwrap();
        let mut module =
            wit_component::dummy_module(&resolve, world, wit_parser::ManglingAndAbi::Standard32);
        wit_component::embed_component_metadata(
            &mut module,
            &resolve,
            world,
            wit_component::StringEncoding::UTF8,
            false,
        )
        .unwrap();
        let bytes = wit_component::ComponentEncoder::default()
            .module(&module)
            .unwrap()
            .validate(true)
            .encode()
            .unwrap();
        let engine = Engine::default();
        let component = Component::new(&engine, &bytes).unwrap();
        let mut linker = Linker::<Host>::new(&engine);
        WorldResource::add_to_linker::<Host, HasSelf<Host>>(&mut linker, |h| h).unwrap();
        let mut store = Store::new(
            &engine,
            Host {
                table: ResourceTable::new(),
            },
        );
        WorldResource::instantiate(&mut store, &component, &linker).unwrap();
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
