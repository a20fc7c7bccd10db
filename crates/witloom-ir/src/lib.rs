//! witloom's IR: WIT packages loaded with `wit-parser` and lowered into a
//! model shaped for generators, plus diagnostics for everything that can go
//! wrong on the way.
//!
//! ```no_run
//! let loaded = witloom_ir::load(std::path::Path::new("wit"), &Default::default())?;
//! println!("{}", loaded.ir.counts());
//! # Ok::<(), witloom_ir::Diagnostic>(())
//! ```

mod diag;
mod load;
mod lower;
pub mod model;
mod source;

pub use diag::{Diagnostic, Label};
pub use load::{InputKind, LoadOptions, Loaded, MAX_WIT_FILE, MAX_WIT_TOTAL, load, load_binary};
pub use lower::{lower, lower_world};
pub use model::*;
/// The wit-parser this IR is lowered from, for tools that take its `Resolve`.
pub use wit_parser;
