//! The one golden harness. A suite is a directory of inputs; each input is
//! a test of its own (named by the file), whose output is compared with a
//! checked-in file. A mismatch fails with a unified diff; `BLESS=1` writes
//! the output instead. Suites run under libtest-mimic, so a test target
//! that uses them declares `harness = false` and calls [`main`]; filters,
//! `--list` and the summary work as with any Rust test.
//!
//! [`assert_golden`] is the same comparison for a single golden file in an
//! ordinary `#[test]`.

pub use libtest_mimic::Trial;
use libtest_mimic::{Arguments, Failed};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// What turns an input into the text to compare: `Err` fails the test
/// with that message (an input that should fail and did not, say).
pub type Runner = Arc<dyn Fn(&Path) -> Result<String, String> + Send + Sync>;

/// Inputs and how to check them.
#[allow(missing_debug_implementations)] // `run` is a closure
pub struct Suite {
    /// Test names are `NAME::<input file name>`.
    pub name: &'static str,
    /// The inputs, in order.
    pub inputs: Vec<PathBuf>,
    /// Fewer inputs than this means they went missing: a failure.
    pub min: usize,
    /// The golden file of an input.
    pub golden: fn(&Path) -> PathBuf,
    pub run: Runner,
}

impl Suite {
    /// A suite of the entries of `dir` that `keep` accepts, whose golden
    /// file is the input's with extension `golden_ext`.
    pub fn in_dir(
        name: &'static str,
        dir: impl AsRef<Path>,
        keep: impl Fn(&Path) -> bool,
        run: impl Fn(&Path) -> Result<String, String> + Send + Sync + 'static,
    ) -> Suite {
        Suite {
            name,
            inputs: inputs(dir.as_ref(), keep),
            min: 1,
            golden: |p| p.with_extension("golden"),
            run: Arc::new(run),
        }
    }

    /// Sets where an input's golden file is.
    pub fn golden(mut self, golden: fn(&Path) -> PathBuf) -> Suite {
        self.golden = golden;
        self
    }

    /// Sets how many inputs there must be at least.
    pub fn at_least(mut self, min: usize) -> Suite {
        self.min = min;
        self
    }
}

/// The entries of `dir` that `keep` accepts, sorted.
pub fn inputs(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p))
        .collect();
    entries.sort();
    entries
}

/// Runs `suites` as the test binary's tests, plus `extra` trials.
pub fn main(suites: Vec<Suite>, extra: Vec<Trial>) -> ExitCode {
    let args = Arguments::from_args();
    let mut trials = extra;
    for suite in suites {
        let count = suite.inputs.len();
        let min = suite.min;
        trials.push(Trial::test(format!("{}::inputs", suite.name), move || {
            if count < min {
                return Err(format!("only {count} inputs, expected at least {min}").into());
            }
            Ok(())
        }));
        for input in suite.inputs {
            let file = input.file_name().map_or_else(
                || input.display().to_string(),
                |f| f.to_string_lossy().into_owned(),
            );
            let run = suite.run.clone();
            let golden = (suite.golden)(&input);
            trials.push(Trial::test(format!("{}::{file}", suite.name), move || {
                let actual =
                    run(&input).map_err(|e| Failed::from(format!("{}: {e}", input.display())))?;
                compare(&golden, &actual).map_err(Failed::from)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}

/// The `key: value` lines of a case file, in order; blank lines and lines
/// starting with `#` are skipped.
pub fn case_lines(text: &str) -> Result<Vec<(&str, &str)>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            line.split_once(':')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| format!("`{line}` is not `key: value`"))
        })
        .collect()
}

/// Whether golden files are being re-blessed (`BLESS=1`).
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0")
}

/// Compares `actual` with the file at `path`, or writes it there when
/// blessing; a mismatch is a unified diff of the two.
pub fn compare(path: &Path, actual: &str) -> Result<(), String> {
    if blessing() {
        return crate::write_file(path, actual);
    }
    let expected = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read golden file {}: {e}\nrun with BLESS=1 to create it",
            path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{} (golden)", path.display()), "actual output")
        .to_string();
    Err(format!(
        "{} differs from the output:\n{diff}\nrun with BLESS=1 to accept the new output",
        path.display()
    ))
}

/// Checks `actual` against the golden file at `path` (or blesses it);
/// panics with a unified diff on a mismatch.
pub fn assert_golden(path: &Path, actual: &str) {
    if let Err(e) = compare(path, actual) {
        panic!("{e}");
    }
}
