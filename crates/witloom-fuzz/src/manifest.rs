//! Class `manifest`: damaged `witloom.toml` to `witloom compose --check
//! --manifest FILE`, the verb that reads the manifest, loads the app's WIT
//! and checks the wiring without building a guest.
//!
//! The app lives in the work directory: a WIT package written here whose
//! worlds wire together (`kernel`, `formatter`, `flow`, as in the
//! wordstats example; a middleware world for chains; two worlds that
//! import each other's exports, for cycles). The corpus is a few valid
//! manifests of it written here and the repository's
//! `examples/*/witloom.toml`, read at run time (their worlds that this
//! WIT lacks fail to resolve, which is an error path too). Each case takes
//! one and applies one to four edits, TOML-level or semantic:
//!
//! - bytes and tokens (flips, truncation, control characters, invalid
//!   UTF-8, a keyword or a wrong-typed value for a word);
//! - a key's value replaced: wrong types, huge strings, paths such as `/`,
//!   `..`, `/dev/zero`, a FIFO, absent files, unicode and escaped control
//!   characters, unknown languages and worlds;
//! - lines added: unknown keys, duplicate keys, duplicate tables, a
//!   component named like the app, `[compose]` tables with unknown
//!   components, chains through a component twice, `with` that points
//!   back, a wiring cycle between two components.
//!
//! Counted: panics, hangs, crashes, odd exits, unsafe output, and
//! `unlocated` for an error about the manifest's own text that names no
//! line: a failure (exit 1) whose headline names the manifest file (TOML
//! syntax, schema and name errors do, and so does a manifest that is not
//! UTF-8, which TOML's grammar rules out like any syntax error) without a
//! ` --> ` line. Not counted: errors about what the manifest points to (a
//! WIT directory that is missing or bad, a world it lacks) or about the
//! wiring, whose headlines name those, not the manifest, and are right
//! without a line of it; and "has no components", where what is wrong is
//! what is missing, so there is no line to show.

use crate::{Config, Counts, Rng, mutate};
use std::path::Path;

/// The app's WIT: the wordstats worlds, a middleware for chains, and two
/// worlds that need each other.
const WIT: &str = r#"package fuzz:app@0.1.0;

interface words {
    count: func(text: string) -> list<tuple<string, u32>>;
}

interface report {
    render: func(rows: list<tuple<string, u32>>) -> string;
}

interface ping { ping: func(n: u32) -> u32; }
interface pong { pong: func(n: u32) -> u32; }

world kernel { export words; }
world formatter { export report; }
world flow {
    import words;
    import report;
    export run: func(args: list<string>) -> s32;
}
world middle {
    import words;
    export words;
}
world ping-side { import pong; export ping; }
world pong-side { import ping; export pong; }
"#;

const BASIC: &str = r#"[app]
name = "fuzz-app"
version = "0.1.0"
description = "A manifest to damage"
source = "https://example.invalid/fuzz"
wit = "wit"

[components.kernel]
language = "c"
path = "kernel"
world = "kernel"

[components.formatter]
language = "go"
path = "formatter"
world = "formatter"

[components.flow]
language = "rust"
path = "flow"
world = "flow"

[compose]
root = "flow"
"#;

const CHAIN: &str = r#"[app]
name = "chained"

[components.outer]
language = "rust"
path = "outer"
world = "middle"

[components.kernel]
language = "c"
path = "kernel"
world = "fuzz:app/kernel@0.1.0"
wit = "wit"

[components.formatter]
language = "go"
path = "formatter"
world = "formatter"

[components.flow]
language = "rust"
path = "flow"
world = "flow"

[compose]
root = "flow"
chain = ["outer", "kernel"]

[compose.with]
"fuzz:app/words@0.1.0" = "outer"
"#;

const CYCLE: &str = r#"[app]
name = "ping-pong"

[components.ping]
language = "c"
path = "ping"
world = "ping-side"

[components.pong]
language = "go"
path = "pong"
world = "pong-side"
"#;

/// Values put in place of a key's value.
const VALUES: &[&str] = &[
    "\"\"",
    "\"/\"",
    "\"..\"",
    "\"../../../../..\"",
    "\"/dev/zero\"",
    "\"/dev/null\"",
    "\"/proc/self/mem\"",
    "\"fifo\"",
    "\"wit/app.wit\"",
    "\"absent/nowhere\"",
    "\"wit/../wit/./\"",
    "\"C\"",
    "\"cobol\"",
    "\"rust \"",
    "\"nope\"",
    "\"fuzz:app/nope@0.1.0\"",
    "\"fuzz:app/kernel@9.9.9\"",
    "\"ping-side\"",
    "\"pong-side\"",
    "\"Kernel\"",
    "\"kernel\"",
    "\"fuzz-app\"",
    "\"a/b\"",
    "\"-x\"",
    "\"1.0\"",
    "\"1.0.0-\"",
    "\"99999999999999999999.0.0\"",
    "\"\\u001b[31mred\\u001b[0m\"",
    "\"\\r\\u0007\\u0000\"",
    "\"\\u202eevil\\u202c\"",
    "\"ü\u{200B}😀\"",
    "\"\u{202E}raw\"",
    "'literal\\'",
    "\"\"\"multi\nline\"\"\"",
    "1",
    "-1",
    "1e400",
    "true",
    "[]",
    "[\"a\", \"b\"]",
    "{}",
    "{ language = \"c\" }",
    "1979-05-27T07:32:00Z",
    "nan",
];

/// Lines put after a table's header.
const LINES: &[&str] = &[
    "colour = \"red\"",
    "language = \"c\"",
    "name = \"again\"",
    "world = \"kernel\"",
    "path = \"/\"",
    "wit = \"/dev/zero\"",
    "root = \"nobody\"",
    "chain = [\"flow\"]",
    "chain = [\"kernel\", \"flow\", \"kernel\"]",
    "chain = []",
    "with = { \"fuzz:app/words@0.1.0\" = \"flow\" }",
    "a.b.c.d = 1",
    "\"\u{202E}key\" = 1",
    "[components]",
    "[app]",
];

/// Blocks appended at the end.
const BLOCKS: &[&str] = &[
    "[components.kernel]\nlanguage = \"c\"\npath = \"k2\"\nworld = \"kernel\"\n",
    "[components.fuzz-app]\nlanguage = \"c\"\npath = \"same\"\nworld = \"kernel\"\n",
    "[components.chained]\nlanguage = \"c\"\npath = \"same\"\nworld = \"kernel\"\n",
    "[components.ping]\nlanguage = \"c\"\npath = \"ping\"\nworld = \"ping-side\"\n[components.pong]\nlanguage = \"go\"\npath = \"pong\"\nworld = \"pong-side\"\n",
    "[components.\"Bad Name\"]\nlanguage = \"c\"\npath = \"x\"\nworld = \"kernel\"\n",
    "[components.\"../../etc\"]\nlanguage = \"c\"\npath = \"x\"\nworld = \"kernel\"\n",
    "[components.dev]\nlanguage = \"c\"\npath = \"/dev/zero\"\nworld = \"kernel\"\nwit = \"/dev/zero\"\n",
    "[components.fifo]\nlanguage = \"c\"\npath = \"x\"\nworld = \"kernel\"\nwit = \"fifo\"\n",
    "[components.root]\nlanguage = \"c\"\npath = \"/\"\nworld = \"kernel\"\nwit = \"/\"\n",
    "[compose.with]\n\"fuzz:app/ping@0.1.0\" = \"pong\"\n\"fuzz:app/pong@0.1.0\" = \"ping\"\n",
    "[compose]\nchain = [\"ping\", \"pong\", \"ping\"]\n",
    "[compose]\nroot = \"kernel\"\n",
    "[[components.flow]]\nlanguage = \"rust\"\n",
    "[app.extra]\nx = 1\n",
    "[other]\nx = 1\n",
];

/// Words a token edit puts in.
const WORDS: &[&str] = &[
    "app",
    "components",
    "compose",
    "name",
    "language",
    "path",
    "world",
    "wit",
    "root",
    "with",
    "chain",
    "version",
    "description",
    "source",
    "true",
    "1",
    "inf",
    "\"\"",
    "[",
    "]",
    "=",
    "kernel",
    "flow",
    "c",
    "rust",
    "go",
    "\u{202E}",
];

const PUNCT: &[u8] = b"[]{}=\".,'#\\\n";

fn corpus() -> Vec<String> {
    let mut out: Vec<String> = [BASIC, CHAIN, CYCLE].map(str::to_string).to_vec();
    let examples = crate::workspace_root().join("examples");
    if let Ok(entries) = std::fs::read_dir(&examples) {
        let mut dirs: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            if let Ok(text) = std::fs::read_to_string(dir.join("witloom.toml")) {
                out.push(text);
            }
        }
    }
    out
}

/// The byte range of each `key = value` line's value.
fn value_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !trimmed.starts_with('[')
            && !trimmed.starts_with('#')
            && let Some(eq) = line.find('=')
        {
            let end = line.trim_end_matches(['\n', '\r']).len();
            if eq < end {
                out.push(at + eq + 1..at + end);
            }
        }
        at += line.len();
    }
    out
}

/// One semantic edit of manifest text.
fn semantic(rng: &mut Rng, text: &mut String) {
    match rng.below(5) {
        0 | 1 => {
            let spans = value_spans(text);
            if spans.is_empty() {
                return;
            }
            let span = rng.pick(&spans).clone();
            let value = if rng.below(12) == 0 {
                // A huge string: 1 MB, or a 100 KB name.
                format!(
                    "\"{}\"",
                    "a".repeat(if rng.below(2) == 0 {
                        1 << 20
                    } else {
                        100 << 10
                    })
                )
            } else {
                rng.pick(VALUES).to_string()
            };
            text.replace_range(span, &format!(" {value}"));
        }
        2 => {
            let headers: Vec<usize> = text
                .match_indices('[')
                .filter(|(i, _)| *i == 0 || text.as_bytes()[i - 1] == b'\n')
                .filter_map(|(i, _)| text[i..].find('\n').map(|n| i + n + 1))
                .collect();
            let at = if headers.is_empty() {
                text.len()
            } else {
                *rng.pick(&headers)
            };
            text.insert_str(at, &format!("{}\n", rng.pick(LINES)));
        }
        3 => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            let block = rng.pick(BLOCKS);
            text.push_str(block.as_ref());
        }
        _ => {
            // A line twice: a duplicate key, or a duplicate table.
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            if lines.is_empty() {
                return;
            }
            let i = rng.below(lines.len());
            let mut out = String::new();
            for (k, line) in lines.iter().enumerate() {
                out.push_str(line);
                if k == i {
                    if !line.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(line);
                }
            }
            *text = out;
        }
    }
}

pub fn run(cfg: &Config) -> anyhow::Result<Counts> {
    let mut counts = Counts::new("manifest");
    let app = cfg.work.join("manifest").join("app");
    std::fs::create_dir_all(app.join("wit"))?;
    std::fs::write(app.join("wit").join("app.wit"), WIT)?;
    // A FIFO for a manifest's paths to name (`"fifo"`): a reader that
    // opens it waits for a writer that never comes.
    let fifo = app.join("fifo");
    if !fifo.exists() {
        let status = std::process::Command::new("mkfifo").arg(&fifo).status()?;
        anyhow::ensure!(status.success(), "mkfifo {} failed", fifo.display());
    }
    let corpus = corpus();
    let file = app.join("witloom.toml");
    let mut rng = Rng::new(cfg.seed ^ 0x746f_6d6c);
    for _ in 0..cfg.cases {
        let mut data = rng.pick(&corpus).clone().into_bytes();
        for _ in 0..1 + rng.below(4) {
            if rng.below(2) == 0 {
                mutate::mutate(&mut rng, &mut data, WORDS, PUNCT);
            } else if let Ok(mut text) = String::from_utf8(data.clone()) {
                semantic(&mut rng, &mut text);
                data = text.into_bytes();
            } else {
                mutate::bytes(&mut rng, &mut data);
            }
        }
        std::fs::write(&file, &data)?;
        check(cfg, &mut counts, &file)?;
    }
    Ok(counts)
}

/// `witloom compose --check --manifest FILE`, counted.
fn check(cfg: &Config, counts: &mut Counts, file: &Path) -> anyhow::Result<()> {
    let mut cmd = crate::witloom(cfg);
    cmd.args(["compose", "--check", "--manifest"]).arg(file);
    let outcome = crate::exec(cmd, cfg.timeout)?;
    let stderr = String::from_utf8_lossy(&outcome.stderr);
    let headline = stderr.lines().next().unwrap_or_default();
    // About the manifest's own text: its headline names the file. An
    // app without components has no line to point at (what is wrong is
    // what is missing); wiring errors name the file only in their help.
    let about_manifest =
        headline.contains("witloom.toml") && !headline.ends_with("has no components");
    counts.record(cfg, "compose --check", &outcome, file, about_manifest);
    Ok(())
}
