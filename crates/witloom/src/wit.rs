//! `witloom wit check|ir`: parse and resolve WIT; a summary, or the IR.

use crate::input::Input;
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
        }
        Ok(ExitCode::SUCCESS)
    }
}
