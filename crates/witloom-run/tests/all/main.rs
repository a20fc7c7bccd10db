//! witloom-run's integration tests, one binary (wasmtime is linked once, as
//! in wasmtime's own `tests/all`): a module per concern.

mod capabilities;
mod hostile;
