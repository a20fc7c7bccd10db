//! witloom-bindgen's output for the IR corpus, the WASI 0.2 and 0.3 sets,
//! the corpus wasmtime tests `bindgen!` with (`tests/codegen` of its
//! component-macro crate, under every option set its `codegen.rs` uses)
//! and witloom's async corpus (`wit/concurrency`, likewise),
//! built by `build.rs`: that this crate compiles is the test. The tests below pin
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
            "wasi:cli/command@0.3",
            "wasi:http/service@0.3",
            "wasi:http/middleware@0.3",
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
    /// loads is generated and compiled under every option set wasmtime's
    /// `codegen.rs` uses; none is refused.
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
        let refused: Vec<&str> = REFUSED
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("wasmtime codegen "))
            .collect();
        assert!(refused.is_empty(), "{refused:?}");
        let generated = GENERATED
            .iter()
            .filter(|n| n.starts_with("wasmtime codegen "))
            .count();
        // 29 entries' worlds, six option sets each.
        assert!(generated >= 29 * 6, "{generated}: {GENERATED:?}");
        const SETS: [&str; 6] = [
            "sugar",
            "async",
            "concurrent",
            "tracing",
            "imports_with_store",
            "with_anyhow",
        ];
        // witloom's async corpus, likewise: every world under every set.
        for world in ["pipeline", "service"] {
            for set in SETS {
                let name = format!(
                    "async corpus concurrency witloom-corpus:concurrency/{world}@0.1.0 {set}"
                );
                assert!(GENERATED.contains(&name.as_str()), "{name}: {REFUSED:?}");
            }
        }
        for set in SETS {
            assert!(
                GENERATED
                    .iter()
                    .filter(|n| n.starts_with("wasmtime codegen ") && n.ends_with(set))
                    .count()
                    >= 29,
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
    use super::dummy_component;
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
        let engine = Engine::default();
        let component = Component::new(&engine, dummy_component("world-resource")).unwrap();
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

/// wit-component's dummy component for `world` of the edge corpus: it
/// imports and exports what the world says, with the types it says.
#[cfg(test)]
fn dummy_component(world: &str) -> Vec<u8> {
    let mut resolve = wit_parser::Resolve::default();
    let (pkg, _) = resolve.push_dir("wit/edge").unwrap();
    let world = resolve.select_world(&[pkg], Some(world)).unwrap();
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
    wit_component::ComponentEncoder::default()
        .module(&module)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap()
}

/// One interface imported under several names, at run time: the world's
/// `add_to_linker` links the one `Host` under each name (`hot`, `cold`
/// and its own), so the component instantiates; with `store` too, where
/// the host's functions get `Access` and `D` implements `HostWithStore`.
#[cfg(test)]
mod named_imports {
    use super::dummy_component;
    use super::edge_named_imports::NamedImports;
    use super::edge_named_imports::witloom_corpus::edge::{files, kv};
    use super::golden::edge_named_imports_store as store;
    use wasmtime::component::{Access, Component, HasSelf, Linker, Resource};
    use wasmtime::{Engine, Store};

    struct Host;

    impl files::HostFile for Host {
        fn new(&mut self) -> Resource<files::File> {
            Resource::new_own(0)
        }
        fn read(&mut self, _: Resource<files::File>) -> Result<Vec<u8>, files::Error> {
            Ok(Vec::new())
        }
        fn drop(&mut self, _: Resource<files::File>) -> wasmtime::Result<()> {
            Ok(())
        }
    }
    impl files::Host for Host {
        fn open(&mut self, _: String) -> Result<Resource<files::File>, files::Error> {
            Ok(Resource::new_own(0))
        }
    }
    impl kv::Host for Host {
        fn store(&mut self, _: String) {}
        fn get(&mut self, _: String, _: u32, _: u32) -> u32 {
            0
        }
        fn instance(&mut self) -> Vec<String> {
            Vec::new()
        }
        fn put_all(&mut self, _: Vec<kv::Entry>, _: Vec<String>) {}
    }

    /// Named imports of one interface are encoded as `[implements=<…>]`
    /// names, behind a component-model feature wasmtime leaves off.
    fn engine() -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model_implements(true);
        Engine::new(&config).unwrap()
    }

    #[test]
    fn one_host_is_linked_under_every_name() {
        let engine = engine();
        let component = Component::new(&engine, dummy_component("named-imports")).unwrap();
        let mut linker = Linker::<Host>::new(&engine);
        NamedImports::add_to_linker::<Host, HasSelf<Host>>(&mut linker, |h| h).unwrap();
        let mut store = Store::new(&engine, Host);
        NamedImports::instantiate(&mut store, &component, &linker).unwrap();
    }

    /// The host's data for the `store` bindings: `D` is a type of the
    /// host's own, as with `bindgen!`'s `store` flag.
    struct Data;
    impl wasmtime::component::HasData for Data {
        type Data<'a> = &'a mut Host;
    }
    use store::witloom_corpus::edge::{files as sfiles, kv as skv};
    impl sfiles::HostFile for Host {}
    impl sfiles::Host for Host {}
    impl skv::Host for Host {}
    impl sfiles::HostFileWithStore<Host> for Data {
        fn new(_: Access<Host, Self>) -> Resource<sfiles::File> {
            Resource::new_own(0)
        }
        fn read(
            _: Access<Host, Self>,
            _: Resource<sfiles::File>,
        ) -> Result<Vec<u8>, sfiles::Error> {
            Ok(Vec::new())
        }
        fn drop(_: Access<Host, Self>, _: Resource<sfiles::File>) -> wasmtime::Result<()> {
            Ok(())
        }
    }
    impl sfiles::HostWithStore<Host> for Data {
        fn open(_: Access<Host, Self>, _: String) -> Result<Resource<sfiles::File>, sfiles::Error> {
            Ok(Resource::new_own(0))
        }
    }
    impl skv::HostWithStore<Host> for Data {
        fn store(_: Access<Host, Self>, _: String) {}
        fn get(mut host: Access<Host, Self>, _: String, _: u32, _: u32) -> u32 {
            // The store is at hand: its data, through the getter.
            let _: &mut Host = host.get();
            7
        }
        fn instance(_: Access<Host, Self>) -> Vec<String> {
            Vec::new()
        }
        fn put_all(_: Access<Host, Self>, _: Vec<skv::Entry>, _: Vec<String>) {}
    }

    #[test]
    fn store_bindings_link_under_every_name() {
        let engine = engine();
        let component = Component::new(&engine, dummy_component("named-imports")).unwrap();
        let mut linker = Linker::<Host>::new(&engine);
        store::NamedImports::add_to_linker::<Host, Data>(&mut linker, |h| h).unwrap();
        let mut s = Store::new(&engine, Host);
        store::NamedImports::instantiate(&mut s, &component, &linker).unwrap();
    }
}

/// The Rust error type the trappable golden maps `witloom:host/sql#error`
/// to.
#[derive(Debug)]
pub struct SqlError;

/// The Rust error type the async golden maps `pipes#error` to.
#[derive(Debug)]
pub struct PipeError;

/// The Rust error type the edge corpus maps `files#error` to.
#[derive(Debug)]
pub struct EdgeError;
