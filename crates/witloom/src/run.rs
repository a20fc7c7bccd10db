//! `witloom run`: a command, or one export called with WAVE arguments, on
//! wasmtime with only what is granted.

use crate::common::{DatabaseArgs, LimitArgs, guest_log, parse_dir, parse_env};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component.
    file: PathBuf,
    /// Call this export instead, with WAVE arguments: `greet("world")`,
    /// `iface#func(1, [2, 3])`. The result is printed in WAVE.
    #[arg(long, value_name = "CALL")]
    invoke: Option<String>,
    /// Give the guest a host directory, optionally under another name
    /// (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    dirs: Vec<(PathBuf, String)>,
    /// Set an environment variable in the guest (repeatable).
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    env: Vec<(String, String)>,
    #[command(flatten)]
    limits: LimitArgs,
    /// The largest --invoke result the host accepts, e.g. 256MiB
    /// [default: 16MiB].
    #[arg(long, value_parser = witloom_run::parse_size)]
    max_result: Option<usize>,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Compile afresh instead of using the compiled-code cache.
    #[arg(long)]
    no_cache: bool,
    /// Sample the guest as it runs and write OUT.json (the Firefox
    /// profiler's format) and OUT.svg (a flame graph).
    #[arg(long, value_name = "OUT")]
    profile: Option<PathBuf>,
    /// How often --profile samples, e.g. 1ms.
    #[arg(long, value_name = "DURATION", default_value = "1ms", value_parser = crate::common::parse_interval, requires = "profile")]
    profile_interval: std::time::Duration,
    /// Arguments for the guest's `main` (a command; with --invoke, pass
    /// values in the call instead).
    #[arg(last = true, conflicts_with = "invoke")]
    args: Vec<String>,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let opts = witloom_run::RunOptions {
            args: self.args,
            dirs: self.dirs,
            env: self.env,
            invoke: self.invoke,
            limits: self.limits.into(),
            max_result: self.max_result,
            sqlite: self.database.sqlite,
            postgres: self.database.sql,
            no_cache: self.no_cache,
            profile: self.profile.map(|out| witloom_run::ProfileOptions {
                out,
                interval: self.profile_interval,
            }),
        };
        guest_log();
        let outcome = witloom_run::run(&self.file, &opts).map_err(|e| e.about(&self.file));
        if let Some(profile) = &opts.profile {
            print_profile(profile);
        }
        match outcome? {
            witloom_run::Outcome::Exited(code) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
            witloom_run::Outcome::Returned(value) => {
                if !value.is_empty() {
                    println!("{value}");
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

/// The line that says where a profile was written (if it was: a guest
/// that could not start left none).
pub fn print_profile(profile: &witloom_run::ProfileOptions) {
    let (json, svg) = profile.files();
    if json.is_file() {
        eprintln!(
            "{:>9} {} (profiler.firefox.com) and {} (flame graph)",
            "profile",
            json.display(),
            svg.display()
        );
    }
}
