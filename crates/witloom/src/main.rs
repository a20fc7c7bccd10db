//! The `witloom` command line. It only parses arguments and calls the
//! libraries of each stage; anything worth testing lives there.

mod cmd;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// witloom: build, compose, run and document WebAssembly components from
/// one WIT-driven model.
#[derive(Parser, Debug)]
#[command(name = "witloom", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Work with WIT: check it, or print its IR.
    #[command(subcommand)]
    Wit(WitCommand),
    /// Build the application's components into target/witloom/<name>.wasm.
    Build {
        /// The application manifest [default: ./witloom.toml].
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// Optimize, and strip debug info.
        #[arg(long)]
        release: bool,
        /// Build only this component (repeatable).
        #[arg(short = 'c', long = "component", value_name = "NAME")]
        components: Vec<String>,
    },
    /// Compose components into one: plug a socket's imports with plugs'
    /// exports, or wire the components of ./witloom.toml.
    Compose(cmd::ComposeArgs),
    /// Run a component on wasmtime: a `wasi:cli/run` command, or one export
    /// with --invoke. Nothing is granted unless asked for.
    Run(cmd::RunArgs),
    /// Create a component for a world in the application: `NAME/` with a
    /// skeleton in C, Rust or Go that builds at once (you fill in the
    /// bodies), added to witloom.toml.
    New {
        /// The component's name (kebab-case); also its directory.
        name: String,
        /// The language to write it in.
        #[arg(long, value_parser = ["c", "rust", "go"])]
        lang: String,
        /// The world it implements (`w`, or `ns:pkg/w@version`).
        #[arg(long, short)]
        world: String,
        /// The application manifest [default: ./witloom.toml].
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
    /// List each guest language's toolchain: found, version, what is
    /// missing and how to install it. Exits 1 if anything is missing.
    Doctor,
    /// Write Rust host bindings for a world, for the wasmtime component
    /// API (what wasmtime's `bindgen!` would expand to, as plain source).
    Bindgen(BindgenArgs),
    /// Document WIT as Markdown pages or an HTML site: every world,
    /// interface, type and function, linked; for a witloom.toml, an
    /// application page with the wiring too.
    Doc(DocArgs),
}

#[derive(Args, Debug)]
struct DocArgs {
    /// WIT (a .wit file, a package directory, a component), or an
    /// application's witloom.toml.
    #[command(flatten)]
    input: Input,
    /// The directory to write the pages into.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    /// Markdown pages (md), a static HTML site with search (html), or
    /// both in one directory.
    #[arg(long, value_enum, default_value_t = DocFormat::Md)]
    format: DocFormat,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum DocFormat {
    Md,
    Html,
    Both,
}

#[derive(Args, Debug)]
struct BindgenArgs {
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

#[derive(Subcommand, Debug)]
enum WitCommand {
    /// Parse and resolve WIT; print a summary, or diagnostics (exit 1).
    Check {
        #[command(flatten)]
        input: Input,
    },
    /// Print the IR as JSON.
    Ir {
        #[command(flatten)]
        input: Input,
        /// Only what this world reaches (`w`, or `ns:pkg/w@version`).
        #[arg(long, short)]
        world: Option<String>,
    },
}

#[derive(Args, Debug)]
struct Input {
    /// A .wit file, a WIT package directory (with an optional deps/), or a
    /// component .wasm.
    path: PathBuf,
    /// Keep items behind these `@unstable(feature = …)` gates.
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
    /// Keep items behind every `@unstable` gate.
    #[arg(long)]
    all_features: bool,
}

impl Input {
    fn load(&self) -> Result<witloom_ir::Loaded, witloom_ir::Diagnostic> {
        let opts = witloom_ir::LoadOptions {
            features: self.features.clone(),
            all_features: self.all_features,
        };
        witloom_ir::load(&self.path, &opts)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build {
            manifest,
            release,
            components,
        } => return cmd::build(manifest, release, components),
        Command::Doctor => return cmd::doctor(),
        Command::Run(args) => return cmd::run(args),
        Command::Bindgen(args) => args.input.load().and_then(|loaded| {
            let opts = witloom_bindgen::Options {
                world: args.world,
                asynchronous: args.asynchronous,
                with: args.with.into_iter().collect(),
                trappable_imports: args.trappable_imports,
                trappable_error_types: args.trappable_error_type.into_iter().collect(),
            };
            let code = witloom_bindgen::generate(&loaded, &opts)?;
            match &args.output {
                Some(path) => std::fs::write(path, code).map_err(|e| {
                    witloom_ir::Diagnostic::new(format!("cannot write `{}`: {e}", path.display()))
                }),
                None => {
                    print!("{code}");
                    Ok(())
                }
            }
        }),
        Command::Doc(args) => {
            // A manifest by its extension: it need not be named witloom.toml.
            let format = match args.format {
                DocFormat::Md => witloom_doc::Format::Markdown,
                DocFormat::Html => witloom_doc::Format::Html,
                DocFormat::Both => witloom_doc::Format::Both,
            };
            let pages = if args.input.path.extension().is_some_and(|e| e == "toml") {
                witloom_manifest::Manifest::load(&args.input.path)
                    .and_then(|m| witloom_doc::app(&m, format))
            } else {
                args.input
                    .load()
                    .map(|l| witloom_doc::document(&l.ir, format))
            };
            pages.and_then(|pages| {
                witloom_doc::write(&args.out, &pages)?;
                eprintln!("wrote {} pages to {}", pages.len(), args.out.display());
                Ok(())
            })
        }
        Command::Compose(args) => return cmd::compose(args),
        Command::New {
            name,
            lang,
            world,
            manifest,
        } => return cmd::new(manifest, &name, &lang, &world),
        Command::Wit(WitCommand::Check { input }) => input.load().map(|loaded| {
            println!("{}: {}", input.path.display(), loaded.ir.counts());
        }),
        Command::Wit(WitCommand::Ir { input, world }) => input.load().and_then(|loaded| {
            let ir = match world {
                Some(name) => loaded.world_ir(loaded.select_world(Some(&name))?),
                None => loaded.ir,
            };
            print!("{}", ir.to_json());
            Ok(())
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(diagnostic) => {
            eprint!("{diagnostic}");
            ExitCode::FAILURE
        }
    }
}
