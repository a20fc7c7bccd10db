//! `witloom build`: the application's components, with their progress
//! shown as [`crate::progress`] shows it.

use crate::progress::{BuildProgress, Verbosity};
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_guest::Profile;
use witloom_guest::app::{BuildOptions, build_app};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    flags: BuildFlags,
    /// Build only this component (repeatable).
    #[arg(short = 'c', long = "component", value_name = "NAME")]
    components: Vec<String>,
}

/// What to build and how much to say: `build`'s flags, which `dev` takes
/// too.
#[derive(clap::Args, Debug)]
pub struct BuildFlags {
    /// The application manifest [default: ./witloom.toml].
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Optimize, and strip debug info.
    #[arg(long)]
    pub release: bool,
    /// Print nothing but errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show each toolchain's own output as it builds (cargo's, clang's,
    /// go's).
    #[arg(short, long)]
    pub verbose: bool,
}

impl BuildFlags {
    pub fn profile(&self) -> Profile {
        if self.release {
            Profile::Release
        } else {
            Profile::Debug
        }
    }

    pub fn verbosity(&self) -> Verbosity {
        Verbosity::of(self.quiet, self.verbose)
    }
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let flags = self.flags;
        let app = witloom_app::App::load(&crate::manifest_path(flags.manifest.clone()))?;
        let opts = BuildOptions {
            profile: flags.profile(),
            only: self.components,
            verbose: flags.verbose,
        };
        let mut progress = BuildProgress::new(flags.verbosity());
        let result = build_app(&app, &opts, &mut |event| progress.on_event(event));
        progress.finish(result.is_ok());
        result?;
        Ok(ExitCode::SUCCESS)
    }
}
