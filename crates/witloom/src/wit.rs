//! `witloom wit check|ir|deps`: parse and resolve WIT (a summary, or the
//! IR), or fill its `deps/`.

use crate::input::Input;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Args {
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
    /// Write the packages the WIT names into its `deps/`: WASI's from the
    /// WIT witloom carries (the versions the runtime implements; no
    /// network). For the app's WIT directories, or DIR's.
    Deps {
        /// A WIT directory [default: those of ./witloom.toml].
        #[arg(conflicts_with = "manifest")]
        dir: Option<PathBuf>,
        /// The application manifest [default: ./witloom.toml].
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        match self {
            Args::Check { input } => {
                let loaded = input.load()?;
                println!("{}: {}", input.path.display(), loaded.ir.counts());
            }
            Args::Ir { input, world } => {
                let loaded = input.load()?;
                let ir = match world {
                    Some(name) => loaded.world_ir(loaded.select_world(Some(&name))?),
                    None => loaded.ir,
                };
                print!("{}", ir.to_json());
            }
            Args::Deps { dir, manifest } => {
                let dirs = match dir {
                    Some(dir) => vec![dir],
                    None => witloom_deps::manifest_wit_dirs(&crate::manifest_path(manifest))?,
                };
                for dir in dirs {
                    let filled = witloom_deps::fill(&dir)?;
                    for file in &filled.written {
                        eprintln!("{:>9} {}", "wrote", file.display());
                    }
                    eprintln!(
                        "{:>9} {}: {} package(s) written, {} already there",
                        "ok",
                        dir.display(),
                        filled.written.len(),
                        filled.present.len()
                    );
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
