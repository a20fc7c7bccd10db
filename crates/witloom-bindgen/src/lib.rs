//! Rust host bindings for a WIT world, for the wasmtime 48 component API,
//! written from witloom's IR as plain source to check in and read.
//!
//! The API matches what wasmtime's `bindgen!` macro expands to, so host
//! code reads the same either way: for a world `W`, a struct `W` with
//! `instantiate`, `add_to_linker::<T, D>` and typed accessors for every
//! export, a `WPre` for `InstancePre`, `WIndices`; an imported interface
//! becomes a module with a `Host` trait (and `Host<Resource>` traits) and
//! `add_to_linker`; an exported one a module under `exports::` with a
//! `Guest` struct whose `call_*` methods call the component.
//!
//! The generator is a template method over the IR: [`Gen`](context::Gen)
//! walks the world ([`world`]), emitting types ([`types`]), host traits
//! ([`imports`]) and guest wrappers ([`exports`]) into per-module
//! [`Source`](source::Source) buffers, which are nested and indented once
//! at the end; for [`generate`], long lines are broken as rustfmt breaks
//! them ([`format`]), in the same pass, with no parser.

mod context;
mod exports;
mod flags;
mod format;
mod imports;
mod naming;
mod options_file;
mod ownership;
mod source;
mod types;
mod world;

use indexmap::IndexMap;
use std::path::Path;
use witloom_ir::{Diagnostic, LoadOptions, Loaded};

pub use flags::{Flags, FunctionConfig, UnknownFlag};
pub use ownership::{Ownership, UnknownOwnership};

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The world; may be omitted when the package has one.
    pub world: Option<String>,
    /// How imported functions are bound (`bindgen!`'s `imports: { … }`):
    /// async host methods, the store as `Access`, traps, tracing; a
    /// default and rules by name.
    pub imports: FunctionConfig,
    /// How exported functions are called (`bindgen!`'s `exports: { … }`):
    /// `async` (`call_async`), `async | store` (`call_concurrent` with an
    /// `&Accessor`), tracing.
    pub exports: FunctionConfig,
    /// Interfaces that already have bindings elsewhere, by WIT name
    /// (`wasi:io/streams`, with or without `@version`) → Rust module path
    /// (`wasmtime_wasi::p2::bindings::io::streams`). Their types are taken
    /// from there, and `add_to_linker` leaves them for the caller to add
    /// (for WASI: `wasmtime_wasi::p2::add_to_linker_sync`).
    pub with: IndexMap<String, String>,
    /// Error types the host may turn into traps: WIT type
    /// (`ns:pkg/iface#name`, version optional) → Rust type. Functions whose
    /// result's error is that type return `Result<T, RustType>`, and the
    /// interface's `Host` trait gets `convert_<name>` to turn the Rust error
    /// into the WIT one or a trap.
    pub trappable_error_types: IndexMap<String, String>,
    /// Traps are `anyhow` errors: trappable host functions, destructors
    /// and `convert_*` return `wasmtime::anyhow::Result` (`bindgen!`'s
    /// `anyhow: true`; wasmtime's `anyhow` feature, on by default).
    pub anyhow: bool,
    /// Whether types only passed to the guest borrow their data
    /// (`bindgen!`'s `ownership`).
    pub ownership: Ownership,
    /// Derives added to every generated record, variant and enum
    /// (`serde::Serialize`, `Hash`, …; `bindgen!`'s `additional_derives`).
    /// Ones witloom already derives are not repeated.
    pub additional_derives: Vec<String>,
}

impl Options {
    /// Options whose imports and exports both default to `flags` (the
    /// shape of `bindgen!`'s `imports: { default: F }, exports: { default:
    /// F }`); import-only flags (`trappable`) are dropped from exports.
    pub fn with_defaults(mut self, flags: Flags) -> Options {
        self.imports.default = flags;
        self.exports.default = Flags {
            trappable: false,
            ..flags
        };
        self
    }
}

/// The bindings for a world of `wit`, as formatted Rust source: what to
/// check in (lines within 100 columns where they can be, as rustfmt
/// would lay them out).
pub fn generate(wit: &Loaded, opts: &Options) -> Result<String, Diagnostic> {
    let world = wit.select_world(opts.world.as_deref())?;
    let raw = context::Gen::new(&wit.ir, world, opts)?.generate();
    Ok(format!("{PREAMBLE}{}", format::format(&raw)))
}

/// [`generate`] without breaking long lines: the same code, indented by
/// the generator but with long lines left long, like the source wasmtime's
/// `bindgen!` generates; for code that is compiled rather than read (a
/// `build.rs`), or formatted by the caller.
pub fn generate_unformatted(wit: &Loaded, opts: &Options) -> Result<String, Diagnostic> {
    let world = wit.select_world(opts.world.as_deref())?;
    let raw = context::Gen::new(&wit.ir, world, opts)?.generate();
    Ok(format!("{PREAMBLE}{}", source::indent(&raw)))
}

/// [`generate`] for the WIT at `path` (a file, a package directory with
/// `deps/`, or a component).
pub fn generate_from_path(path: &Path, opts: &Options) -> Result<String, Diagnostic> {
    let wit = witloom_ir::load(path, &LoadOptions::default())?;
    generate(&wit, opts)
}

const PREAMBLE: &str = "// Generated by witloom (witloom-bindgen) from WIT. Do not edit: change the\n// WIT and generate it again.\n\n";
