//! witloom-guest's integration tests, one binary (wasmtime is linked once;
//! the skeleton goldens are a target of their own, `harness = false`): a
//! module per concern.

mod flows;
mod runtime;
mod smoke;
