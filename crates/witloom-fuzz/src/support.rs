//! What every class uses to turn a case into a line of a report: its seed,
//! the lines of stderr worth quoting and how they are clipped, the
//! characters a terminal would act on, and where its reproducer goes.
//! One definition of each, so two classes never report the same thing two
//! ways.

use crate::Config;
use anyhow::{Context as _, Result};
use std::path::PathBuf;

/// The seed of case `i` of a class that generates each case from a seed
/// of its own, so one case is rerun alone from `(seed, i)`. `stream` is
/// the class's own odd constant: the same `seed` makes different cases in
/// different classes.
pub(crate) fn case_seed(seed: u64, stream: u64, i: u64) -> u64 {
    seed ^ i.wrapping_add(1).wrapping_mul(stream)
}

/// Whether a character in a diagnostic could move the cursor, recolour or
/// reorder a terminal's text: C0 and C1 controls (bar newline and tab),
/// DEL, and Unicode's bidirectional controls.
pub fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// The first character of `s` that [`unsafe_char`] refuses, and the line
/// it is on (none when `lines` dropped it: a `\r` before a line's end).
pub(crate) fn first_unsafe(s: &str) -> Option<(char, Option<&str>)> {
    let c = s.chars().find(|&c| unsafe_char(c))?;
    Some((c, s.lines().find(|l| l.contains(c))))
}

/// At most `n` characters of `s`, and whether any were left off.
pub(crate) fn head(s: &str, n: usize) -> (&str, bool) {
    match s.char_indices().nth(n) {
        Some((at, _)) => (&s[..at], true),
        None => (s, false),
    }
}

/// At most `n` characters, `…` when cut: for text the suite wrote or that
/// goes out `{:?}`-quoted.
pub(crate) fn clip(s: &str, n: usize) -> String {
    match head(s, n) {
        (kept, true) => format!("{kept}…"),
        (kept, false) => kept.to_string(),
    }
}

/// [`clip`], escaped: for a finding line that quotes a diagnostic bare,
/// which must not carry the control bytes it reports.
pub(crate) fn clip_escaped(s: &str, n: usize) -> String {
    let (kept, cut) = head(s, n);
    let mut out: String = kept.chars().flat_map(char::escape_debug).collect();
    if cut {
        out.push('…');
    }
    out
}

pub(crate) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// The last line with anything on it: where a failing process says why.
pub(crate) fn last_line(s: &str) -> &str {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
}

/// The first `n` lines with anything on them.
pub(crate) fn first_lines(s: &str, n: usize) -> String {
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last `n` lines, as they are.
pub(crate) fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// An error and its causes on one line, `error: cause: cause`, as anyhow's
/// alternate form prints them: for a report's keys and lines, which are
/// text, never errors a caller handles.
pub(crate) use witloom_diag::one_line;

/// A panic's message in stderr: the line that says where (`panicked at
/// …`) and the one after it, which says what; fewer when stderr ends.
pub(crate) fn panic_lines(stderr: &str) -> impl Iterator<Item = &str> {
    stderr
        .lines()
        .skip_while(|l| !l.contains("panicked at"))
        .take(2)
}

/// Where every class keeps its reproducers.
pub(crate) fn repro_dir(cfg: &Config) -> PathBuf {
    cfg.work.join("repro")
}

/// The reproducer of case `i` of a class: `repro/<class>-<i>.txt` saying
/// what the case was and what was seen, and any files it names beside it
/// (`repro/<class>-<i><suffix>`).
#[derive(Debug)]
pub(crate) struct Repro {
    dir: PathBuf,
    class: &'static str,
    seed: u64,
    i: u64,
}

impl Repro {
    pub fn new(cfg: &Config, class: &'static str, i: u64) -> Result<Repro> {
        let dir = repro_dir(cfg);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Repro {
            dir,
            class,
            seed: cfg.seed,
            i,
        })
    }

    /// `repro/<class>-<i><suffix>`.
    pub fn path(&self, suffix: &str) -> PathBuf {
        self.dir.join(format!("{}-{}{suffix}", self.class, self.i))
    }

    /// Writes `bytes` to [`Repro::path`]`(suffix)`.
    pub fn write(&self, suffix: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.path(suffix);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// Writes the description, headed by what reruns the case (class,
    /// seed, index), and returns its path.
    pub fn describe(&self, text: &str) -> Result<PathBuf> {
        self.write(
            ".txt",
            format!(
                "class {}, seed {}, case {}\n{text}",
                self.class, self.seed, self.i
            )
            .as_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_counts_characters_and_escapes_only_when_asked() {
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("héllo", 5), "héllo");
        assert_eq!(clip_escaped("a\u{1b}[31mb", 2), "a\\u{1b}…");
        assert_eq!(clip_escaped("ab", 2), "ab");
    }

    #[test]
    fn lines_worth_quoting() {
        let stderr = "note\n\nthread 'main' panicked at src/x.rs:1:1:\noops\nmore\n  \n";
        assert_eq!(
            panic_lines(stderr).collect::<Vec<_>>(),
            ["thread 'main' panicked at src/x.rs:1:1:", "oops"]
        );
        assert_eq!(panic_lines("panicked at x").count(), 1);
        assert_eq!(last_line(stderr), "more");
        assert_eq!(first_line(stderr), "note");
        assert_eq!(
            first_lines(stderr, 2),
            "note\nthread 'main' panicked at src/x.rs:1:1:"
        );
        assert_eq!(last_lines("a\nb\nc", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
    }

    #[test]
    fn unsafe_characters_and_where_they_are() {
        assert_eq!(
            first_unsafe("ok\nbad \u{202E}x\n"),
            Some(('\u{202E}', Some("bad \u{202E}x")))
        );
        // `lines` drops a `\r` before `\n`: the character has no line.
        assert_eq!(first_unsafe("ok\r\n"), Some(('\r', None)));
        assert_eq!(first_unsafe("tab\tand newline\n"), None);
    }

    /// The report's keys are what they were when they were anyhow's
    /// alternate form.
    #[test]
    fn one_line_is_anyhows_alternate_form() {
        use anyhow::Context as _;
        let e = Err::<(), _>(std::io::Error::other("disk"))
            .context("reading x")
            .context("loading y")
            .unwrap_err();
        assert_eq!(one_line(e.as_ref()), format!("{e:#}"));
        assert_eq!(one_line(e.as_ref()), "loading y: reading x: disk");
    }

    #[test]
    fn case_seeds_differ_by_case_and_by_stream() {
        assert_ne!(case_seed(1, 3, 0), case_seed(1, 3, 1));
        assert_ne!(case_seed(1, 3, 0), case_seed(1, 5, 0));
        assert_eq!(case_seed(7, 3, 0), 7 ^ 3);
    }
}
