//! `witloom build`: the application's components, with a progress bar.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_guest::Profile;
use witloom_guest::app::{BuildOptions, Event, build_app};

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
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let app = witloom_app::App::load(&crate::manifest_path(self.manifest))?;
        let total = if self.components.is_empty() {
            app.components().len()
        } else {
            self.components.len()
        };
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg}")
                .expect("a valid template")
                .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let opts = BuildOptions {
            profile: if self.release {
                Profile::Release
            } else {
                Profile::Debug
            },
            only: self.components,
        };
        let result = build_app(&app, &opts, &mut |event| match event {
            Event::Started { name, language } => {
                bar.set_message(format!("building {name} ({language})"))
            }
            Event::Finished(b) => {
                let how = if b.rebuilt {
                    format!("built in {:.1}s", b.elapsed.as_secs_f64())
                } else {
                    "up to date".to_string()
                };
                // `println` draws nothing when stderr is not a terminal.
                bar.suspend(|| {
                    eprintln!(
                        "{:>9} {} ({}) -> {} ({} KiB, {how})",
                        "ok",
                        b.name,
                        b.language,
                        b.path.display(),
                        b.bytes.div_ceil(1024)
                    )
                });
                bar.inc(1);
            }
        });
        bar.finish_and_clear();
        result?;
        Ok(ExitCode::SUCCESS)
    }
}
