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
    /// Options as `bindgen!` spells them, in a TOML or JSON file (`world`,
    /// `imports`, `exports`, `with`, `trappable_error_type`,
    /// `additional_derives`, `ownership`, `anyhow`); the flags below add to
    /// it (a rule given here replaces the file's of the same name).
    #[arg(long, value_name = "FILE")]
    options: Option<PathBuf>,
    /// Where to write the bindings [default: standard output].
    #[arg(short, long, value_name = "FILE.rs")]
    output: Option<PathBuf>,
    /// Async host methods and `call_*` methods (`bindgen!`'s `imports: {
    /// default: async }, exports: { default: async }`).
    #[arg(long = "async")]
    asynchronous: bool,
    /// Host functions get the store as `Access<T, Self>`, in
    /// `HostWithStore<T>` traits (`imports: { default: store }`); with
    /// `--async`, exports are called concurrently with an `&Accessor`
    /// (`bindgen!`'s `async | store`).
    #[arg(long)]
    store: bool,
    /// Every host function returns `wasmtime::Result`, so it can trap
    /// (`imports: { default: trappable }`).
    #[arg(long)]
    trappable_imports: bool,
    /// A `tracing` span and events for every call, both ways (`default:
    /// tracing`); the crate compiling the bindings depends on `tracing`.
    #[arg(long)]
    tracing: bool,
    /// `--tracing`, with arguments and results that hold lists logged too.
    #[arg(long)]
    verbose_tracing: bool,
    /// Flags for imported functions by name, before the defaults above
    /// (repeatable): `ns:pkg/iface.func=async|store`; a name may be an
    /// interface, package or namespace, as in `bindgen!`'s `imports`.
    #[arg(long = "import", value_name = "NAME=FLAGS", value_parser = parse_rule)]
    import_rules: Vec<(String, witloom_bindgen::Flags)>,
    /// Flags for exported functions by name (repeatable), as `--import`.
    #[arg(long = "export", value_name = "NAME=FLAGS", value_parser = parse_rule)]
    export_rules: Vec<(String, witloom_bindgen::Flags)>,
    /// Take an interface's bindings from an existing Rust module instead
    /// (repeatable): `wasi:io/streams=wasmtime_wasi::p2::bindings::io::streams`.
    #[arg(long, value_name = "WIT=RUST_PATH", value_parser = parse_pair)]
    with: Vec<(String, String)>,
    /// A WIT error type the host may turn into a trap (repeatable):
    /// `ns:pkg/iface#error=my_crate::MyError`.
    #[arg(long, value_name = "WIT=RUST_TYPE", value_parser = parse_pair)]
    trappable_error_type: Vec<(String, String)>,
    /// Traps are `anyhow` errors: trappable host functions, destructors and
    /// `convert_*` return `wasmtime::anyhow::Result` (`bindgen!`'s `anyhow:
    /// true`).
    #[arg(long)]
    anyhow: bool,
    /// `borrowing`: types only passed to the guest borrow (`Foo<'a>`);
    /// `borrowing-duplicate-if-necessary`: a type passed and received is
    /// defined twice (`FooParam<'a>`, `FooResult`); `bindgen!`'s
    /// `ownership` [default: owning].
    #[arg(long, value_name = "OWNERSHIP", value_parser = witloom_bindgen::Ownership::parse)]
    ownership: Option<witloom_bindgen::Ownership>,
    /// A derive for every generated record, variant and enum (repeatable):
    /// `--additional-derive serde::Serialize`.
    #[arg(long, value_name = "PATH")]
    additional_derive: Vec<String>,
}

/// `NAME=FLAGS`: a rule for the functions `NAME` matches.
fn parse_rule(
    s: &str,
) -> Result<(String, witloom_bindgen::Flags), Box<dyn std::error::Error + Send + Sync>> {
    let (name, flags) = crate::common::parse_pair(s, "NAME=FLAGS")?;
    Ok((name, witloom_bindgen::Flags::parse(&flags)?))
}

/// `WIT=RUST`: a WIT name and the Rust path it maps to.
fn parse_pair(s: &str) -> Result<(String, String), crate::common::ArgError> {
    crate::common::parse_pair(s, "WIT=RUST")
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let loaded = self.input.load()?;
        let mut opts = match &self.options {
            Some(path) => witloom_bindgen::Options::from_file(path)?,
            None => witloom_bindgen::Options::default(),
        };
        let cli = witloom_bindgen::Flags {
            asynchronous: self.asynchronous,
            store: self.store,
            trappable: self.trappable_imports,
            tracing: self.tracing || self.verbose_tracing,
            verbose_tracing: self.verbose_tracing,
            exact: false,
        };
        opts.imports.default = opts.imports.default.union(cli);
        opts.exports.default = opts.exports.default.union(witloom_bindgen::Flags {
            trappable: false,
            ..cli
        });
        if self.world.is_some() {
            opts.world = self.world;
        }
        // A rule on the command line replaces the file's for the same name.
        for (config, rules) in [
            (&mut opts.imports, self.import_rules),
            (&mut opts.exports, self.export_rules),
        ] {
            for (name, flags) in rules {
                config.rules.retain(|(n, _)| *n != name);
                config.rules.push((name, flags));
            }
        }
        opts.with.extend(self.with);
        opts.trappable_error_types.extend(self.trappable_error_type);
        opts.additional_derives.extend(self.additional_derive);
        opts.anyhow |= self.anyhow;
        if let Some(ownership) = self.ownership {
            opts.ownership = ownership;
        }
        let code = witloom_bindgen::generate(&loaded, &opts)?;
        match &self.output {
            Some(path) => witloom_diag::io::write(path, code)?,
            None => print!("{code}"),
        }
        Ok(ExitCode::SUCCESS)
    }
}
