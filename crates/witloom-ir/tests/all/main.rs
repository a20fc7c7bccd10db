//! witloom-ir's integration tests, one binary (the UI and corpus goldens are
//! targets of their own, `harness = false`): a module per concern.

mod golden;
mod limits;
mod parse_fail;
mod repo_wit;
mod wasi;
