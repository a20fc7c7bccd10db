//! witloom-app's integration tests, one binary: a module per concern.

mod app;
mod scale;
