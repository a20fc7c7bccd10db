//! Composition: components become one component, their exports plugged
//! into each other's imports.
//!
//! Three steps, each usable alone:
//! 1. [`plan`] reads each part's world (from a built component, or from WIT
//!    before anything is built), wires imports to exports by interface name
//!    and semver-compatible version (or as `[compose.with]` says), checks
//!    the types on both sides of every wire in WIT terms, and orders the
//!    parts so providers come first. Errors name components, interfaces and
//!    types, never type indices.
//! 2. [`encode`] writes one component with `wasm-encoder`: it embeds the
//!    parts, imports what nobody inside provides (copying those import
//!    types out of the parts that need them), instantiates the parts in
//!    order with each other's exports as arguments, and exports what the
//!    root exports. The result is validated with `wasmparser`.
//! 3. [`graph`] draws the wiring as Graphviz dot or Mermaid.

mod check;
mod encode;
mod graph;
mod wire;

pub use encode::encode;
pub use graph::{Edge, End, GraphFormat, edges, graph};
pub use wire::{Plan, Provider, Wire, plan};

use indexmap::IndexMap;
use std::path::Path;
use witloom_host::Capabilities;
use witloom_ir::{Diagnostic, LoadOptions, Loaded, WorldId};

/// One component to compose.
#[derive(Debug)]
pub struct Part {
    /// Its name in messages and graphs (the manifest's component name, or
    /// the file's stem).
    pub name: String,
    /// Its WIT: decoded from the component, or the WIT it is built from.
    pub wit: Loaded,
    /// Its world in `wit`.
    pub world: WorldId,
    /// The component binary; `None` when only its world is known (checking
    /// the wiring before the build).
    pub bytes: Option<Vec<u8>>,
}

impl Part {
    /// A built component, read from `path`.
    pub fn from_file(name: &str, path: &Path) -> Result<Part, Diagnostic> {
        let bytes = std::fs::read(path)
            .map_err(|e| Diagnostic::new(format!("cannot read `{}`: {e}", path.display())))?;
        let wit = witloom_ir::load_binary(path, &bytes)?;
        if wit.component_world.is_none() {
            return Err(Diagnostic::new(format!(
                "`{}` is not a component: it holds WIT only",
                path.display()
            )));
        }
        let world = wit.select_world(None)?;
        Ok(Part {
            name: name.to_string(),
            wit,
            world,
            bytes: Some(bytes),
        })
    }

    /// A component known only by the world it will implement.
    pub fn from_world(name: &str, wit: Loaded, world: WorldId) -> Part {
        Part {
            name: name.to_string(),
            wit,
            world,
            bytes: None,
        }
    }
}

/// Who may be left to provide an import nobody inside provides.
#[derive(Debug, Clone, Copy)]
pub enum Host {
    /// Anything: unplugged imports become imports of the whole (like
    /// `wac plug`).
    Anything,
    /// Only what this host provides; anything else is an error.
    Runtime(&'static Capabilities),
}

impl Host {
    /// What `witloom run` provides.
    pub fn witloom() -> Host {
        Host::Runtime(Capabilities::run())
    }

    /// Whether the host provides the import named `name`.
    pub fn provides(self, name: &str) -> bool {
        match self {
            Host::Anything => true,
            Host::Runtime(caps) => caps.provides(name),
        }
    }
}

/// How to compose.
#[derive(Debug, Clone)]
pub struct Options {
    /// The part whose exports the whole exports; by default the only part
    /// whose exports nobody imports.
    pub root: Option<String>,
    /// Interface (`ns:pkg/iface`, with or without a version) → the part that
    /// provides it, when several could.
    pub with: IndexMap<String, String>,
    pub host: Host,
    /// Every part must provide something to another (true for `plug`,
    /// where a plug that fits no socket is a mistake).
    pub require_use: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            root: None,
            with: IndexMap::new(),
            host: Host::witloom(),
            require_use: true,
        }
    }
}

/// `ns:pkg/iface@1.2.3` → (`ns:pkg/iface`, `Some(1.2.3)`); plain names
/// have no version.
pub(crate) fn split_version(name: &str) -> (&str, Option<semver::Version>) {
    match name.rsplit_once('@') {
        Some((base, v)) if base.contains(':') => (base, semver::Version::parse(v).ok()),
        _ => (name, None),
    }
}

/// The parts of a `witloom.toml` application: its built components
/// (`target/witloom/<name>.wasm`), or, with `built == false`, just the
/// worlds they implement (to check the wiring before building).
pub fn app_parts(
    manifest: &witloom_manifest::Manifest,
    built: bool,
) -> Result<Vec<Part>, Diagnostic> {
    if manifest.components.is_empty() {
        return Err(Diagnostic::new(format!(
            "`{}` has no components",
            manifest.path.display()
        ))
        .with_help(
            "add one with `witloom new NAME --lang c|rust|go --world WORLD`, or write a [components.NAME] section (language, path, world)",
        ));
    }
    let mut parts = Vec::new();
    let mut wits: Vec<(std::path::PathBuf, Loaded)> = Vec::new();
    for (name, component) in &manifest.components {
        if built {
            let path = manifest.target_dir().join(format!("{name}.wasm"));
            if !path.is_file() {
                return Err(Diagnostic::new(format!(
                    "`{name}` has not been built: `{}` does not exist",
                    path.display()
                ))
                .with_help("run `witloom build` first"));
            }
            parts.push(Part::from_file(name, &path)?);
        } else {
            let wit = match wits.iter().find(|(p, _)| *p == component.wit) {
                Some((_, w)) => w.clone(),
                None => {
                    let w = witloom_ir::load(&component.wit, &LoadOptions::default())?;
                    wits.push((component.wit.clone(), w.clone()));
                    w
                }
            };
            let world = wit.select_world(Some(&component.world)).map_err(|mut d| {
                d.message = format!("component `{name}`: {}", d.message);
                d
            })?;
            parts.push(Part::from_world(name, wit, world));
        }
    }
    Ok(parts)
}

/// The options a manifest's `[compose]` asks for.
pub fn app_options(manifest: &witloom_manifest::Manifest) -> Options {
    Options {
        root: manifest.compose.root.clone(),
        with: manifest.compose.with.clone(),
        host: Host::witloom(),
        require_use: true,
    }
}
