//! `witloom dev`: build, compose and serve (or run) the app, then rebuild
//! and swap it in on every saved change ([`witloom_dev`]). This module
//! parses the flags and prints the loop's events.

use crate::build::BuildFlags;
use crate::common::{guest_log, parse_dir};
use crate::progress::{BuildProgress, Verbosity};
use crate::serve::{ServeFlags, print_ready};
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_dev::{DevOptions, Event};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    build: BuildFlags,
    /// How long the sources must be quiet after a change before the
    /// rebuild starts.
    #[arg(long, value_name = "DURATION", default_value = "50ms", value_parser = witloom_run::parse_duration)]
    debounce: std::time::Duration,
    /// A command app: give it a host directory, optionally under another
    /// name (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    dirs: Vec<(PathBuf, String)>,
    #[command(flatten)]
    serve: ServeFlags,
    /// A command app: arguments for its `main`.
    #[arg(last = true)]
    args: Vec<String>,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        guest_log();
        let verbosity = self.build.verbosity();
        // A command app runs as `witloom run FILE` with the flags given
        // here: a process of its own, which a change can stop at once.
        let mut run_args = self.serve.run_args();
        for (host, guest) in &self.dirs {
            run_args.extend(["--dir".to_string(), format!("{}::{guest}", host.display())]);
        }
        run_args.push("--".to_string());
        run_args.extend(self.args);
        let exe = std::env::current_exe().map_err(|e| {
            witloom_diag::Diagnostic::new(format!("cannot find witloom itself: {e}"))
        })?;
        let opts = DevOptions {
            profile: self.build.profile(),
            verbose: self.build.verbose,
            manifest: crate::manifest_path(self.build.manifest),
            serve: self.serve.options(),
            run: Box::new(move |file| {
                let mut cmd = std::process::Command::new(&exe);
                cmd.arg("run").arg(file).args(&run_args);
                cmd
            }),
            debounce: self.debounce,
        };
        let profile = opts.serve.profile.clone();
        let mut progress: Option<BuildProgress> = None;
        witloom_dev::dev(opts, &mut |event| {
            if let Event::Build(e) = event {
                progress
                    .get_or_insert_with(|| BuildProgress::new(verbosity))
                    .on_event(e);
                return;
            }
            if let Some(done) = progress.take() {
                done.finish(!matches!(event, Event::Failed(_)));
            }
            show(&event, verbosity);
        })?;
        if let Some(profile) = profile {
            crate::run::print_profile(&profile);
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Prints one event of the loop (all but the build's progress).
fn show(event: &Event<'_>, verbosity: Verbosity) {
    let quiet = verbosity == Verbosity::Quiet;
    match event {
        Event::Build(_) => {}
        Event::Composed(done) if !quiet => crate::compose::print_composed(done),
        Event::Composed(_) => {}
        Event::Serving {
            path,
            addr,
            metrics,
        } => {
            print_ready(path, *addr, *metrics);
            if !quiet {
                eprintln!("{:>13} for changes (Ctrl-C to stop)", "watching");
            }
        }
        Event::Reloaded(reload) => {
            let rebuilt = if reload.rebuilt.is_empty() {
                "nothing rebuilt".to_string()
            } else {
                let each: Vec<String> = reload
                    .rebuilt
                    .iter()
                    .map(|(name, language, took)| {
                        format!("{name} ({language}) {:.1}s", took.as_secs_f64())
                    })
                    .collect();
                format!("rebuilt {}", each.join(", "))
            };
            eprintln!(
                "{:>13} in {:.1}s: {rebuilt}; build {:.1}s, compose {:.1}s, swap {:.1}s",
                "reloaded",
                reload.total.as_secs_f64(),
                reload.build.as_secs_f64(),
                reload.compose.as_secs_f64(),
                reload.swap.as_secs_f64()
            );
        }
        Event::Unchanged if !quiet => {
            eprintln!(
                "{:>13} the composed app is the one in place already",
                "unchanged"
            )
        }
        Event::Unchanged => {}
        Event::Running { path } if !quiet => {
            eprintln!("{:>13} {}", "running", path.display())
        }
        Event::Running { .. } => {}
        Event::Exited(status) if !quiet => eprintln!(
            "{:>13} {status}; watching for changes (Ctrl-C to stop)",
            "exited"
        ),
        Event::Exited(_) => {}
        Event::Changed(paths) if !quiet => {
            // An editor's temporary files come and go within a save: name
            // what is still there, unless the change was a removal.
            let mut listed: Vec<_> = paths.iter().filter(|p| p.exists()).collect();
            if listed.is_empty() {
                listed = paths.iter().collect();
            }
            let shown: Vec<String> = listed
                .iter()
                .take(3)
                .map(|p| p.display().to_string())
                .collect();
            let more = listed.len().saturating_sub(3);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            eprintln!("{:>13} {}{more}", "changed", shown.join(", "));
        }
        Event::Changed(_) => {}
        Event::Failed(diagnostic) => {
            eprint!("{diagnostic}");
            eprintln!(
                "{:>13} the last good app; fix the error and save to try again",
                "keeping"
            );
        }
        Event::Stopping if !quiet => eprintln!("{:>13} (finishing requests in flight)", "stopping"),
        Event::Stopping => {}
    }
}
