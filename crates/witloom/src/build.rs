//! `witloom build`: the application's components, with their progress
//! shown as [`crate::progress`] shows it.

use crate::progress::{BuildProgress, Verbosity};
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_guest::Profile;
use witloom_guest::app::{BuildOptions, build_app};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The application manifest [default: ./witloom.toml].
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Optimize, and strip debug info.
    #[arg(long)]
    release: bool,
    /// Build only this component (repeatable).
    #[arg(short = 'c', long = "component", value_name = "NAME")]
    components: Vec<String>,
    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Show each toolchain's own output as it builds (cargo's, clang's,
    /// go's).
    #[arg(short, long)]
    verbose: bool,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let app = witloom_app::App::load(&crate::manifest_path(self.manifest))?;
        let opts = BuildOptions {
            profile: if self.release {
                Profile::Release
            } else {
                Profile::Debug
            },
            only: self.components,
            verbose: self.verbose,
        };
        let mut progress = BuildProgress::new(Verbosity::of(self.quiet, self.verbose));
        let result = build_app(&app, &opts, &mut |event| progress.on_event(event));
        progress.finish(result.is_ok());
        result?;
        Ok(ExitCode::SUCCESS)
    }
}
