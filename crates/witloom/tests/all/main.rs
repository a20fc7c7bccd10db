//! The CLI's integration tests, one binary (wasmtime and the CLI's
//! libraries are linked once, as in wasmtime's own `tests/all`; the
//! goldens are a target of their own, `harness = false`): a module per
//! verb or concern, run against the built `witloom` binary.

mod common;

mod build;
mod cache;
mod cli;
mod containerd;
mod db;
mod dev;
mod fuzz;
mod init;
mod js;
mod matrix;
mod new;
mod p3;
mod plugin_host;
mod postgres;
mod profile;
mod python;
mod registry;
mod sandbox;
mod serve;
mod ship;
mod wit_deps;
mod wordstats;
