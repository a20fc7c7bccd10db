//! witloom-doc's integration tests, one binary (the goldens are a target of
//! their own, `harness = false`): a module per output.

mod browser;
#[path = "../common/mod.rs"]
mod common;
mod html;
mod markdown;
