//! The corpus crate's integration tests, one binary: a module per check.

mod format;
mod shapes;
