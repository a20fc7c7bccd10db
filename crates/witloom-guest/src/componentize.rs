//! Core module → component, in-process with wit-component: embed the
//! world's metadata, then encode with the WASI preview1 reactor adapter of
//! the wasmtime release we run on. Also reads a component's shape (the
//! names it imports and exports) to check it against its world.

use crate::error::world_name;
use crate::{Guest, GuestError};
use std::collections::BTreeSet;
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wit_component::{ComponentEncoder, DecodedWasm, StringEncoding};
use witloom_ir::wit_parser::{Resolve, WorldId};

/// Why a core module did not become a component, or a component could not
/// be read. wit-component's own error is the source, its chain kept.
#[derive(Debug, thiserror::Error)]
pub enum ComponentizeError {
    /// The world's metadata could not be embedded in the module.
    #[error("cannot embed the world in the module")]
    Embed(#[source] anyhow::Error),
    /// wit-component could not make a component of the module (most
    /// often: an export the world requires is missing).
    #[error(transparent)]
    Encode(anyhow::Error),
    /// The preview1 adapter could not be applied.
    #[error("cannot adapt the module to WASI 0.2")]
    Adapter(#[source] anyhow::Error),
    /// The bytes are not a component.
    #[error(transparent)]
    Decode(anyhow::Error),
    /// The bytes are a WIT package, not a component.
    #[error("this is a WIT package, not a component")]
    WitPackage,
}

/// Turns a core module into a validated component of `world`. The world's
/// metadata is embedded unless a bindings generator linked it in already;
/// a module that imports `wasi_snapshot_preview1` is adapted to WASI 0.2.
pub fn componentize(
    core: &[u8],
    resolve: &Resolve,
    world: WorldId,
) -> Result<Vec<u8>, ComponentizeError> {
    let mut module = core.to_vec();
    if !has_component_type(core) {
        wit_component::embed_component_metadata(
            &mut module,
            resolve,
            world,
            StringEncoding::UTF8,
            false,
        )
        .map_err(ComponentizeError::Embed)?;
    }
    let mut encoder = ComponentEncoder::default();
    encoder
        .module(&module)
        .map_err(ComponentizeError::Encode)?
        .validate(true);
    if imports_preview1(core) {
        encoder
            .adapter(
                WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
                WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            )
            .map_err(ComponentizeError::Adapter)?;
    }
    encoder.encode().map_err(ComponentizeError::Encode)
}

fn has_component_type(core: &[u8]) -> bool {
    wasmparser::Parser::new(0).parse_all(core).any(|payload| {
        matches!(payload, Ok(wasmparser::Payload::CustomSection(c)) if c.name().starts_with("component-type"))
    })
}

fn imports_preview1(core: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(core)
        .any(|payload| match payload {
            Ok(wasmparser::Payload::ImportSection(imports)) => {
                imports.into_iter().flatten().any(|imports| match imports {
                    wasmparser::Imports::Single(_, i) => {
                        i.module == WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME
                    }
                    wasmparser::Imports::Compact1 { module, .. }
                    | wasmparser::Imports::Compact2 { module, .. } => {
                        module == WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME
                    }
                })
            }
            _ => false,
        })
}

/// The names a component imports and exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentShape {
    pub imports: BTreeSet<String>,
    pub exports: BTreeSet<String>,
}

/// Decodes a component's world and lists its import and export names.
pub fn shape_of(component: &[u8]) -> Result<ComponentShape, ComponentizeError> {
    let DecodedWasm::Component(resolve, world) =
        wit_component::decode(component).map_err(ComponentizeError::Decode)?
    else {
        return Err(ComponentizeError::WitPackage);
    };
    Ok(world_shape(&resolve, world))
}

/// The names a world imports and exports.
pub fn world_shape(resolve: &Resolve, world: WorldId) -> ComponentShape {
    let w = &resolve.worlds[world];
    let names = |items: &witloom_ir::wit_parser::IndexMap<_, _>| {
        items.keys().map(|k| resolve.name_world_key(k)).collect()
    };
    ComponentShape {
        imports: names(&w.imports),
        exports: names(&w.exports),
    }
}

/// WASI interfaces a guest may import beyond its world: what its language's
/// runtime (libc, Go's runtime, Rust's std) uses, through the adapter or
/// directly, and the host provides.
fn is_wasi(name: &str) -> bool {
    witloom_host::Capabilities::run()
        .check(name)
        .is_ok_and(|p| p.kind == witloom_host::Kind::Wasi)
}

/// The instance componentize-py adds to every component it makes: its
/// `init`, which it calls while building to pre-initialize the interpreter
/// with the user's modules. Nothing else calls it.
const PY_INIT: &str = "exports";

/// Checks that a built component validates, exports exactly its world's
/// exports, and imports nothing but the world's imports and WASI.
pub(crate) fn check_shape(guest: &Guest<'_>, component: &[u8]) -> Result<(), GuestError> {
    let fail = |message: String| GuestError::World {
        component: guest.name.to_string(),
        world: world_name(guest),
        message,
    };
    let not_a_component = |source| GuestError::NotAComponent {
        component: guest.name.to_string(),
        world: world_name(guest),
        source,
    };
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(component)
        .map_err(|e| fail(format!("the output does not validate: {e}")))?;
    let got = shape_of(component).map_err(not_a_component)?;
    let want = world_shape(&guest.wit.resolve, guest.world);
    let missing: Vec<_> = want.exports.difference(&got.exports).collect();
    if !missing.is_empty() {
        return Err(fail(format!("missing exports: {missing:?}")));
    }
    let extra: Vec<_> = got
        .exports
        .difference(&want.exports)
        .filter(|e| !(guest.language == crate::Language::Python && *e == PY_INIT))
        .collect();
    if !extra.is_empty() {
        return Err(fail(format!("exports not in the world: {extra:?}")));
    }
    let foreign: Vec<_> = got
        .imports
        .iter()
        .filter(|i| !want.imports.contains(*i) && !is_wasi(i))
        .collect();
    if !foreign.is_empty() {
        return Err(fail(format!("imports not in the world: {foreign:?}")));
    }
    Ok(())
}
