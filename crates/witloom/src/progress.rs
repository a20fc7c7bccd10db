//! What `build` (and `dev`, on each rebuild) shows while components
//! build. On a terminal: one live line for the component being built
//! (language, step, elapsed time) above which each finished component
//! stays. Anywhere else (CI, pipes): plain lines, one per finished step,
//! nothing animated. `--quiet`: nothing but errors; `--verbose`: the
//! toolchains' own output too.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use witloom_guest::app::{Built, Event};
use witloom_guest::{Language, Step};

/// How much to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

impl Verbosity {
    pub fn of(quiet: bool, verbose: bool) -> Self {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

/// Shows a build's [`Event`]s as they come.
pub struct BuildProgress {
    verbosity: Verbosity,
    /// The live line, on a terminal only.
    live: Option<ProgressBar>,
    /// The step under way, and when it began (plain lines say how long
    /// each took once the next begins).
    step: Option<(Step, Instant)>,
    /// The language of the component being built.
    language: Option<Language>,
    started: Instant,
    built: Vec<Built>,
}

impl BuildProgress {
    pub fn new(verbosity: Verbosity) -> Self {
        let live = (verbosity != Verbosity::Quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {msg} {elapsed}")
                    .expect("a valid template")
                    .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        BuildProgress {
            verbosity,
            live,
            step: None,
            language: None,
            started: Instant::now(),
            built: Vec::new(),
        }
    }

    /// Prints a line above the live one (or as is, with none).
    fn line(&self, text: &str) {
        match &self.live {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    /// The plain line of the step that just ended.
    fn end_step(&mut self, name: &str) {
        if let Some((step, began)) = self.step.take()
            && let Some(language) = self.language
            && self.live.is_none()
            && self.verbosity != Verbosity::Quiet
        {
            self.line(&format!(
                "{:>13} {name} ({language}) in {:.1}s",
                step.done(),
                began.elapsed().as_secs_f64()
            ));
        }
    }

    pub fn on_event(&mut self, event: Event<'_>) {
        match event {
            Event::Started { name, language } => {
                self.step = None;
                self.language = Some(language);
                if let Some(bar) = &self.live {
                    bar.set_prefix(format!("{name} ({language})"));
                    bar.set_message("checking");
                    bar.reset_elapsed();
                }
            }
            Event::Step { name, step } => {
                self.end_step(name);
                self.step = Some((step, Instant::now()));
                if let Some(bar) = &self.live {
                    bar.set_message(step.doing());
                }
            }
            Event::Output { line, .. } => {
                if self.verbosity == Verbosity::Verbose {
                    self.line(line);
                }
            }
            Event::Finished(built) => {
                self.end_step(&built.name);
                if self.verbosity != Verbosity::Quiet {
                    let how = if built.rebuilt {
                        format!("built in {:.1}s", built.elapsed.as_secs_f64())
                    } else {
                        "up to date".to_string()
                    };
                    self.line(&format!(
                        "{:>13} {} ({}) -> {} ({} KiB, {how})",
                        "ok",
                        built.name,
                        built.language,
                        built.path.display(),
                        built.bytes.div_ceil(1024)
                    ));
                }
                self.built.push(built.clone());
            }
        }
    }

    /// Clears the live line and, if all went well, says what was done.
    pub fn finish(self, ok: bool) {
        if let Some(bar) = &self.live {
            bar.finish_and_clear();
        }
        if ok && self.verbosity != Verbosity::Quiet {
            let rebuilt = self.built.iter().filter(|b| b.rebuilt).count();
            eprintln!(
                "{:>13} {} component{} ({rebuilt} rebuilt) in {:.1}s",
                "finished",
                self.built.len(),
                if self.built.len() == 1 { "" } else { "s" },
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}
