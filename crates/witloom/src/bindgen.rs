//! `witloom bindgen`: Rust host bindings for a world.

use crate::input::Input;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    input: Input,
    /// The world (`w` or `ns:pkg/w@version`); may be omitted when there is
    /// one.
    #[arg(long, short)]
    world: Option<String>,
    /// Where to write the bindings [default: standard output].
    #[arg(short, long, value_name = "FILE.rs")]
    output: Option<PathBuf>,
    /// Async host traits and `call_*` methods.
    #[arg(long = "async")]
    asynchronous: bool,
    /// Take an interface's bindings from an existing Rust module instead
    /// (repeatable): `wasi:io/streams=wasmtime_wasi::p2::bindings::io::streams`.
    #[arg(long, value_name = "WIT=RUST_PATH", value_parser = parse_pair)]
    with: Vec<(String, String)>,
    /// Every host function returns `wasmtime::Result`, so it can trap.
    #[arg(long)]
    trappable_imports: bool,
    /// A WIT error type the host may turn into a trap (repeatable):
    /// `ns:pkg/iface#error=my_crate::MyError`.
    #[arg(long, value_name = "WIT=RUST_TYPE", value_parser = parse_pair)]
    trappable_error_type: Vec<(String, String)>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .ok_or_else(|| format!("`{s}` is not WIT=RUST"))
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let loaded = self.input.load()?;
        let opts = witloom_bindgen::Options {
            world: self.world,
            asynchronous: self.asynchronous,
            with: self.with.into_iter().collect(),
            trappable_imports: self.trappable_imports,
            trappable_error_types: self.trappable_error_type.into_iter().collect(),
        };
        let code = witloom_bindgen::generate(&loaded, &opts)?;
        match &self.output {
            Some(path) => witloom_diag::io::write(path, code)?,
            None => print!("{code}"),
        }
        Ok(ExitCode::SUCCESS)
    }
}
