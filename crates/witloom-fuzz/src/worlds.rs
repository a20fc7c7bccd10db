//! The `worlds` class: random *valid* WIT from wit-smith, through every
//! stage witloom has for a world.
//!
//! Case `i` is wit-smith's package for a few KiB of bytes from
//! [`crate::Rng`] seeded from `seed` and `i` (so a case is reproduced from the
//! seed and its number; no corpus files), under wit-smith's default
//! configuration for even `i` and one drawn from the bytes for odd `i`. The package is decoded by
//! wit-component, printed as WIT text, and written as a package directory
//! (`worlds/NNNN/`: the root package, `deps/` for the packages it uses).
//! Per package, `witloom wit check` and `witloom doc`; per world of the root
//! package, `witloom wit ir --world`, `witloom bindgen --world` (the output
//! compiled at the end, every world a module of one scratch crate, by one
//! `cargo check`), and a dummy component built in-process by wit-component
//! for `witloom wit check FILE.wasm` and `witloom compose FILE.wasm --check`.
//!
//! The input is valid, so every non-zero exit is a finding, not just a
//! panic, hang or crash: each is listed with its stage, the world's
//! directory and the first lines of stderr, and grouped into kinds by its
//! first line; a refusal in which witloom names what it does not support
//! yet is labelled a named limitation, anything else a failure. Cases stop once `cfg.cases` worlds have run. What
//! wit-smith or wit-component cannot make (bytes it rejects, a world it has
//! no dummy module for) is counted apart, never against witloom.

mod bindings;
mod generate;

use crate::exec::exec;
use crate::{Config, Counts, support};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs the class; see the module docs.
pub fn run(cfg: &Config) -> anyhow::Result<Counts> {
    Ok(run_report(cfg)?.counts)
}

/// Everything the class measured, beyond the common [`Counts`].
#[derive(Debug, Default)]
pub struct Report {
    /// Every witloom invocation (`cases` counts invocations, not worlds).
    pub counts: Counts,
    /// Packages wit-smith made and the stages ran on.
    pub packages: u64,
    /// Cases wit-smith made no package for, by reason.
    pub smith_rejected: BTreeMap<String, u64>,
    /// Worlds run.
    pub worlds: u64,
    /// Worlds every stage passed on (exit 0, bindings compiled).
    pub worlds_passed: u64,
    /// Stage name to (passed, failed), counted per world for the per-world
    /// stages and per package for `wit check` and `doc`.
    pub stages: BTreeMap<&'static str, (u64, u64)>,
    /// Worlds wit-component made no dummy component for: reason to (count,
    /// first world's directory).
    pub skipped_wit_component: BTreeMap<String, (u64, String)>,
    /// Distinct failures, keyed `named limitation|failure: stage: how:
    /// first line` (names, numbers and paths blanked), to their count, one
    /// reproducer, and that reproducer's stderr (first lines).
    pub kinds: BTreeMap<String, Kind>,
    /// Times `cargo check` ran on the bindings crate, and worlds whose
    /// bindings were left unchecked when its rounds ran out.
    pub compile_checks: usize,
    pub compile_unverified: u64,
    pub elapsed: Duration,
}

/// One distinct failure.
#[derive(Debug, Default, Clone)]
pub struct Kind {
    pub count: u64,
    /// The command (or world, for compiler errors) that reproduces it.
    pub reproducer: String,
    pub stderr: String,
}

// Stage names, as the report spells them.
const WIT_CHECK: &str = "wit check DIR";
const DOC: &str = "doc DIR";
const WIT_IR: &str = "wit ir DIR --world";
const BINDGEN: &str = "bindgen DIR --world";
const RUSTC: &str = "bindings compile (cargo check)";
const COMPONENT_CHECK: &str = "wit check FILE.wasm";
const COMPOSE_CHECK: &str = "compose FILE.wasm --check";

/// How many lines of stderr a finding keeps.
const STDERR_LINES: usize = 6;

/// Runs the class and returns the full report.
pub fn run_report(cfg: &Config) -> anyhow::Result<Report> {
    let start = Instant::now();
    let mut suite = Suite::new(cfg)?;
    // Generous, but finite: wit-smith rejects some byte strings, and a
    // generator that rejected everything must not loop forever.
    let max_packages = cfg.cases.saturating_mul(50).saturating_add(100);
    for index in 0..max_packages {
        if suite.report.worlds >= cfg.cases {
            break;
        }
        suite.case(index)?;
    }
    suite.compile()?;
    let mut report = suite.report;
    report.counts.class = "worlds".into();
    report.counts.wrong = report
        .kinds
        .iter()
        .filter(|(key, _)| key.starts_with("failure"))
        .map(|(_, kind)| kind.count)
        .sum();
    report.elapsed = start.elapsed();
    Ok(report)
}

/// One world waiting for its bindings to be compiled.
struct Pending {
    index: usize,
    dir: PathBuf,
    world: String,
    /// Every stage but the compile passed.
    other_stages_passed: bool,
}

struct Suite<'a> {
    cfg: &'a Config,
    report: Report,
    /// Package directories (`NNNN/`).
    packages_dir: PathBuf,
    /// What stages write: docs and dummy components, outside the package
    /// directory so nothing there is read as input.
    out_dir: PathBuf,
    crate_: bindings::Crate,
    /// Worlds whose bindings were generated, for the compile.
    pending: Vec<Pending>,
    start: Instant,
}

impl<'a> Suite<'a> {
    fn new(cfg: &'a Config) -> anyhow::Result<Self> {
        let packages_dir = cfg.work.join("worlds");
        let out_dir = cfg.work.join("worlds-out");
        // Our own subdirectories only: a new run starts from nothing.
        for dir in [&packages_dir, &out_dir] {
            if dir.exists() {
                std::fs::remove_dir_all(dir)
                    .with_context(|| format!("clearing {}", dir.display()))?;
            }
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let crate_ = bindings::Crate::create(&cfg.work.join("worlds-bindings"))?;
        Ok(Suite {
            cfg,
            report: Report {
                counts: Counts::new("worlds"),
                ..Report::default()
            },
            packages_dir,
            out_dir,
            crate_,
            pending: Vec::new(),
            start: Instant::now(),
        })
    }

    /// Case `index`: one package, its stages, and each world's up to the
    /// world budget.
    fn case(&mut self, index: u64) -> anyhow::Result<()> {
        let bytes = generate::case_bytes(self.cfg.seed, index);
        let pkg = match generate::smith(&bytes, generate::drawn_config(index)) {
            Ok(pkg) => pkg,
            Err(reason) => {
                *self
                    .report
                    .smith_rejected
                    .entry(support::one_line(&reason))
                    .or_default() += 1;
                return Ok(());
            }
        };
        let name = format!("{index:04}");
        let dir = self.packages_dir.join(&name);
        generate::write_package(&pkg, &dir)?;
        let out = self.out_dir.join(&name);
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        self.report.packages += 1;

        // Package stages: a failure here fails every world of the package.
        let dir_s = dir.display().to_string();
        let check_ok = self.stage(
            WIT_CHECK,
            &dir,
            None,
            &["wit", "check", &dir_s, "--all-features"],
        )?;
        let doc_out = out.join("doc").display().to_string();
        let doc_args = [
            "doc",
            &dir_s,
            "--all-features",
            "--format",
            "both",
            "--out",
            &doc_out,
        ];
        let doc_ok = self.stage(DOC, &dir, None, &doc_args)?;

        let worlds: Vec<(String, wit_parser::WorldId)> = pkg.resolve.packages[pkg.root]
            .worlds
            .iter()
            .map(|(n, id)| (n.clone(), *id))
            .collect();
        let budget = self.cfg.cases.saturating_sub(self.report.worlds) as usize;
        for (world, id) in worlds.into_iter().take(budget) {
            self.report.worlds += 1;
            let mut ok = check_ok && doc_ok;
            let w = Some(world.as_str());
            let ir_args = ["wit", "ir", &dir_s, "--all-features", "--world", &world];
            ok &= self.stage(WIT_IR, &dir, w, &ir_args)?;

            // Module numbers are world numbers (from 0), so a file names
            // its world.
            let module = self.report.worlds as usize - 1;
            let rs = self.crate_.module_path(module);
            let rs_s = rs.display().to_string();
            let bindgen_args = [
                "bindgen",
                &dir_s,
                "--all-features",
                "--world",
                &world,
                "-o",
                &rs_s,
            ];
            let generated = self.stage(BINDGEN, &dir, w, &bindgen_args)? && rs.exists();

            ok &= self.dummy(&pkg, id, &dir, &world, &out)?;
            if generated {
                // Compiled whatever the other stages said: the compile is a
                // stage of its own.
                self.pending.push(Pending {
                    index: module,
                    dir: dir.clone(),
                    world: world.clone(),
                    other_stages_passed: ok,
                });
            } else {
                // A stale file of this number must not be compiled.
                let _ = std::fs::remove_file(&rs);
            }
            if self.report.worlds.is_multiple_of(100) {
                eprintln!(
                    "worlds: {} worlds, {} packages, {} invocations, {:.0?}",
                    self.report.worlds,
                    self.report.packages,
                    self.report.counts.cases,
                    self.start.elapsed()
                );
            }
        }
        Ok(())
    }

    /// The dummy component stages for one world; `Ok(true)` also when
    /// wit-component could make no component (counted as skipped).
    fn dummy(
        &mut self,
        pkg: &generate::Package,
        world_id: wit_parser::WorldId,
        dir: &Path,
        world: &str,
        out: &Path,
    ) -> anyhow::Result<bool> {
        let bytes = match generate::dummy_component(&pkg.resolve, world_id) {
            Ok(bytes) => bytes,
            Err(reason) => {
                let e = self
                    .report
                    .skipped_wit_component
                    .entry(normalize(&reason.key()))
                    .or_insert_with(|| (0, format!("{} (world {world})", dir.display())));
                e.0 += 1;
                return Ok(true);
            }
        };
        let wasm = out.join(format!("{world}.wasm"));
        std::fs::write(&wasm, bytes).with_context(|| format!("writing {}", wasm.display()))?;
        let wasm_s = wasm.display().to_string();
        let w = Some(world);
        let mut ok = self.stage(COMPONENT_CHECK, dir, w, &["wit", "check", &wasm_s])?;
        ok &= self.stage(COMPOSE_CHECK, dir, w, &["compose", &wasm_s, "--check"])?;
        Ok(ok)
    }

    /// Runs one witloom invocation of `stage`, records it, and files a
    /// finding when it did not exit 0. `Ok(passed)`.
    fn stage(
        &mut self,
        stage: &'static str,
        dir: &Path,
        world: Option<&str>,
        args: &[&str],
    ) -> anyhow::Result<bool> {
        let mut cmd = crate::witloom(self.cfg);
        // In the case's directory: nothing else there to be read.
        cmd.args(args).current_dir(dir);
        let out = exec(cmd, self.cfg.timeout)
            .with_context(|| format!("running {}", self.cfg.witloom.display()))?;
        let what = format!("{stage} {}", world.unwrap_or(""));
        // The input kept on a panic, hang or crash: the component for its
        // stages (a file), else the package directory (named, not copied).
        let input = args
            .iter()
            .find(|a| a.ends_with(".wasm"))
            .map_or_else(|| dir.to_path_buf(), PathBuf::from);
        let findings_before = self.report.counts.findings.len();
        self.report
            .counts
            .record(self.cfg, &what, &out, &input, false);
        let recorded = self.report.counts.findings.len() > findings_before;
        let mut passed = out.code == Some(0) && !out.timed_out;
        let mut stderr = support::first_lines(&String::from_utf8_lossy(&out.stderr), STDERR_LINES);
        if passed && stage == WIT_IR && out.stdout.len() < (1 << 20) {
            // The IR is promised as JSON (`exec` keeps the first MiB, so a
            // longer one is not judged).
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&out.stdout) {
                passed = false;
                stderr = format!("stdout is not JSON: {e}");
            }
        }
        let tally = self.report.stages.entry(stage).or_default();
        if passed {
            tally.0 += 1;
            return Ok(true);
        }
        tally.1 += 1;
        let how = if out.timed_out {
            "hang".to_string()
        } else if out.signal.is_some() {
            format!("crash ({})", out.key())
        } else if out.panicked() {
            "panic".to_string()
        } else {
            format!("exit {}", out.key())
        };
        let repro = format!(
            "cd {} && {} {}",
            dir.display(),
            self.cfg.witloom.display(),
            args.join(" ")
        );
        if !recorded {
            // A plain error exit on valid input: `record` counts it as
            // expected, this class does not.
            let world_s = world.map(|w| format!(" (world {w})")).unwrap_or_default();
            self.report.counts.findings.push(format!(
                "{stage}: {how}: {}{world_s}: {}",
                dir.display(),
                stderr.replace('\n', " | ")
            ));
        }
        let label = if !recorded && names_a_limitation(&stderr) {
            "named limitation"
        } else {
            "failure"
        };
        self.kind(
            format!("{label}: {stage}: {how}: {}", normalize(&stderr)),
            repro,
            stderr,
        );
        Ok(false)
    }

    fn kind(&mut self, key: String, reproducer: String, stderr: String) {
        let kind = self.report.kinds.entry(key).or_insert_with(|| Kind {
            count: 0,
            reproducer,
            stderr,
        });
        kind.count += 1;
    }

    /// The one compile of every generated module, and each world's verdict.
    fn compile(&mut self) -> anyhow::Result<()> {
        let indices: Vec<usize> = self.pending.iter().map(|p| p.index).collect();
        if indices.is_empty() {
            self.report.worlds_passed = 0;
            return Ok(());
        }
        // wasmtime is compiled once per machine (minutes); after that a
        // check of a thousand modules takes about as long again.
        let deadline = Duration::from_secs(40 * 60);
        let verdict = self.crate_.check_all(&indices, deadline, 6)?;
        self.report.compile_checks = verdict.checks;
        self.report.compile_unverified = verdict.unverified.len() as u64;
        let tally = self.report.stages.entry(RUSTC).or_default();
        tally.0 += verdict.compiled.len() as u64;
        tally.1 += (verdict.errors.len() + verdict.unverified.len()) as u64;
        // A world passes when bindgen's output compiled and every other
        // stage passed.
        self.report.worlds_passed = self
            .pending
            .iter()
            .filter(|p| p.other_stages_passed && verdict.compiled.contains(&p.index))
            .count() as u64;
        let pending = std::mem::take(&mut self.pending);
        for p in &pending {
            let Some(errors) = verdict.errors.get(&p.index) else {
                continue;
            };
            let file = self.crate_.module_path(p.index);
            let first = errors.first().map(String::as_str).unwrap_or("");
            let shown: String = first.lines().take(12).collect::<Vec<_>>().join("\n");
            self.report.counts.findings.push(format!(
                "{RUSTC}: {} errors: {} (world {}) in {}: {}",
                errors.len(),
                p.dir.display(),
                p.world,
                file.display(),
                first.lines().next().unwrap_or("")
            ));
            let repro = format!(
                "{} (world {}): bindings {}",
                p.dir.display(),
                p.world,
                file.display()
            );
            // rustc's quoted names are Rust items, often ones witloom
            // generates itself (`Host`): kept, so two bugs that both
            // redefine a name stay two kinds.
            let key = normalize_keeping_names(first);
            self.kind(format!("failure: {RUSTC}: {key}"), repro, shown);
        }
        for e in &verdict.unattributed {
            let first = e.lines().next().unwrap_or("");
            self.report
                .counts
                .findings
                .push(format!("{RUSTC}: not attributed to a world: {first}"));
            let shown: String = e.lines().take(20).collect::<Vec<_>>().join("\n");
            self.kind(
                format!("failure: {RUSTC}: unattributed: {}", normalize(first)),
                self.crate_
                    .module_path(0)
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                shown,
            );
        }
        for i in &verdict.unverified {
            if let Some(p) = pending.iter().find(|p| p.index == *i) {
                self.report.counts.findings.push(format!(
                    "{RUSTC}: not checked (rounds ran out): {} (world {})",
                    p.dir.display(),
                    p.world
                ));
            }
        }
        Ok(())
    }
}

/// Whether witloom refused by naming what it does not support (`does not
/// generate … yet`): a limitation it owns up to, told apart from failures
/// that say nothing of the kind. The report still lists both.
fn names_a_limitation(stderr: &str) -> bool {
    let first = stderr.lines().next().unwrap_or("");
    first.contains("does not") && first.contains(" yet")
}

/// A failure's kind from its message: the first line with what varies per
/// case (quoted names, numbers, paths) blanked, so one bug is one kind.
fn normalize(message: &str) -> String {
    normalize_with(message, true)
}

/// [`normalize`] without blanking quoted names.
fn normalize_keeping_names(message: &str) -> String {
    normalize_with(message, false)
}

fn normalize_with(message: &str, blank_quoted: bool) -> String {
    let line = message.lines().next().unwrap_or("");
    let mut out = String::new();
    let mut quoted = false;
    let mut last_digit = false;
    for c in line.chars().take(400) {
        match c {
            '`' if blank_quoted => {
                if !quoted {
                    out.push_str("`…`");
                }
                quoted = !quoted;
                last_digit = false;
            }
            _ if quoted => {}
            '0'..='9' => {
                if !last_digit {
                    out.push('N');
                }
                last_digit = true;
            }
            _ => {
                out.push(c);
                last_digit = false;
            }
        }
    }
    // Paths name the case's directory; the rest of the message is the kind.
    out.split_whitespace()
        .map(|w| if w.contains('/') { "PATH" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.counts)?;
        writeln!(
            f,
            "worlds {} (passed every stage {}) from {} packages in {:.1?}; wit-smith made no package for {} cases",
            self.worlds,
            self.worlds_passed,
            self.packages,
            self.elapsed,
            self.smith_rejected.values().sum::<u64>()
        )?;
        for (reason, n) in &self.smith_rejected {
            writeln!(f, "  wit-smith: {n} × {reason}")?;
        }
        for (stage, (ok, failed)) in &self.stages {
            writeln!(f, "  stage {stage:<32} passed {ok:>5}  failed {failed:>5}")?;
        }
        writeln!(
            f,
            "  bindings: {} cargo check run(s), {} world(s) left unchecked",
            self.compile_checks, self.compile_unverified
        )?;
        for (reason, (n, first)) in &self.skipped_wit_component {
            writeln!(
                f,
                "  skipped: wit-component: {n} × {reason} (first: {first})"
            )?;
        }
        for (key, kind) in &self.kinds {
            writeln!(
                f,
                "kind ({} ×): {key}\n  reproducer: {}",
                kind.count, kind.reproducer
            )?;
            for line in kind.stderr.lines() {
                writeln!(f, "  | {line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn kinds_ignore_names_numbers_and_paths() {
        assert_eq!(
            normalize("error: type `foo-bar` at /tmp/x/0012/a.wit:3:4 is 12 bytes\nmore"),
            "error: type `…` at PATH is N bytes"
        );
        assert_eq!(
            super::normalize_keeping_names("error[E0428]: the name `Name3` is defined"),
            "error[EN]: the name `NameN` is defined"
        );
    }

    /// The report's keys for what the generator could not make read as
    /// they did when the reasons were strings formatted with `{:#}`.
    #[test]
    fn generator_failures_keep_their_keys() {
        use super::generate::{DummyError, SmithError};
        use anyhow::Context as _;
        let chain = || {
            Err::<(), _>(anyhow::anyhow!("bad type\nsecond line"))
                .context("decoding")
                .unwrap_err()
        };
        let e = chain();
        assert_eq!(
            crate::support::one_line(&SmithError::Undecodable(chain())),
            format!("wit-component cannot decode wit-smith's package: {e:#}")
        );
        assert_eq!(
            crate::support::one_line(&SmithError::Panicked("boom".into())),
            "wit-smith panicked: boom"
        );
        assert_eq!(DummyError::Failed(chain()).key(), "decoding: bad type");
        let long = "p".repeat(400);
        assert_eq!(
            DummyError::Panicked(format!("{long}\nmore")).key(),
            format!("panicked: {}", &long[..300])
        );
    }
}
