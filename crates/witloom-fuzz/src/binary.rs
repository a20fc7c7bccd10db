//! Class `binary`: damaged component binaries to `witloom wit check`,
//! `witloom compose` (plug mode) and `witloom run`.
//!
//! The corpus is made here, in-process: wit-component's dummy core module
//! for a world (every export a trap), its WIT embedded, encoded as a
//! component. The worlds import and export an interface, take and return
//! functions of many types, and define a resource. Each case takes one and
//! applies one to three edits: byte flips and truncation, a section whose
//! length claims 4 GiB (or a little more than is left), a vector count of
//! 2^32 - 1 items, sections duplicated, swapped, or spliced in from
//! another component, random bytes after the `\0asm` header.
//!
//! Each mutant goes to all three verbs, so one case is three processes and
//! `Counts::cases` counts processes. Compose takes the mutant as the socket
//! (plugged with a valid provider) or as the plug (of a valid consumer),
//! in turn. `run` gets `--timeout 2s --max-memory 64MiB --no-cache` (each
//! mutant is new, so the compiled-code cache would only grow) and, every
//! other case, an `--invoke` of a function the unmutated world exports.
//! A dummy that is called traps: exit 1, fine.
//!
//! Every run also feeds the fixed inputs of [`fixed`] to the three verbs:
//! a FIFO nobody writes to, `/dev/zero` behind a `x.wasm` symlink, an
//! empty file, and a directory named `x.wasm`.
//!
//! Counted: panics, hangs, crashes, odd exits, unsafe output. No
//! locations are expected of binaries (`unlocated` stays 0).

use crate::{Config, Counts, Rng, mutate};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The worlds of the corpus, in one package.
const WIT: &str = r#"package fuzz:bin@0.1.0;

interface api {
    record entry { key: string, value: list<u8>, seen: option<u64> }
    enum mode { fast, safe }
    flags opts { verbose, dry-run, force }
    get: func(key: string) -> result<entry, string>;
    put: func(e: entry, m: mode, o: opts) -> bool;
}

interface counters {
    resource counter {
        constructor(start: s64);
        add: func(n: s64) -> s64;
        peek: func() -> s64;
        merge: static func(a: borrow<counter>, b: counter) -> counter;
    }
    make: func() -> counter;
}

world provider {
    export api;
}

world consumer {
    import api;
    export run: func(args: list<string>) -> s32;
    export mix: func(a: u8, b: s16, c: f32, d: f64, e: char, f: tuple<u32, string>) -> list<option<u64>>;
}

world resources {
    export counters;
    export count: func() -> u32;
}
"#;

/// A component of `world` in `wit`: the dummy module with the world's WIT
/// embedded, encoded (and validated) by wit-component.
pub(crate) fn component(wit: &str, world: &str) -> anyhow::Result<Vec<u8>> {
    let mut resolve = wit_parser::Resolve::default();
    let package = resolve.push_source("fuzz.wit", wit)?;
    let world = resolve.select_world(&[package], Some(world))?;
    crate::dummy_component(&resolve, world)
}

/// A top-level section: its id and its payload's range in the binary.
#[derive(Debug, Clone, Copy)]
struct Section {
    /// Where the id byte is.
    start: usize,
    /// Where the payload starts.
    body: usize,
    /// Where the section ends.
    end: usize,
}

/// The top-level sections of a (valid) binary, read by their length
/// prefixes alone; stops at the first that does not fit.
fn sections(bin: &[u8]) -> Vec<Section> {
    let mut out = Vec::new();
    let mut at = 8;
    while at < bin.len() {
        let start = at;
        let Some((len, n)) = leb_u32(&bin[at + 1..]) else {
            break;
        };
        let begin = at + 1 + n;
        let end = begin.saturating_add(len as usize);
        if end > bin.len() {
            break;
        }
        out.push(Section {
            start,
            body: begin,
            end,
        });
        at = end;
    }
    out
}

/// An unsigned LEB128 u32 and how many bytes it took.
fn leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u64 = 0;
    for (i, &b) in bytes.iter().take(5).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return u32::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

fn leb(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

/// A section rebuilt around a new payload.
fn section_bytes(id: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![id];
    out.extend(leb(payload.len() as u64));
    out.extend_from_slice(payload);
    out
}

/// The ids of component sections whose payload starts with a count of
/// items: core instance (2), core type (3), instance (5), alias (6),
/// type (7), canon (8), import (10), export (11).
const COUNTED: &[u8] = &[2, 3, 5, 6, 7, 8, 10, 11];

/// One structural or byte edit of `bin`; `others` are the corpus, for
/// splicing.
fn edit(rng: &mut Rng, bin: &mut Vec<u8>, others: &[Vec<u8>]) {
    let secs = sections(bin);
    match rng.below(8) {
        // A section claims 4 GiB - 1, or a few bytes more than it has.
        0 if !secs.is_empty() => {
            let s = *rng.pick(&secs);
            let claim = if rng.below(2) == 0 {
                u64::from(u32::MAX)
            } else {
                ((s.end - s.body) + 1 + rng.below(16)) as u64
            };
            bin.splice(s.start + 1..s.body, leb(claim));
        }
        // A vector claims 2^32 - 1 items (the section's length kept true).
        1 => {
            let counted: Vec<Section> = secs
                .iter()
                .copied()
                .filter(|s| COUNTED.contains(&bin[s.start]))
                .collect();
            if counted.is_empty() {
                return mutate::bytes(rng, bin);
            }
            let s = *rng.pick(&counted);
            let payload = &bin[s.body..s.end];
            let Some((_, n)) = leb_u32(payload) else {
                return mutate::bytes(rng, bin);
            };
            let count = if rng.below(2) == 0 {
                u64::from(u32::MAX)
            } else {
                1 << 20
            };
            let mut new = leb(count);
            new.extend_from_slice(&payload[n..]);
            let id = bin[s.start];
            bin.splice(s.start..s.end, section_bytes(id, &new));
        }
        // A section twice.
        2 if !secs.is_empty() => {
            let s = *rng.pick(&secs);
            let copy = bin[s.start..s.end].to_vec();
            let at = rng.pick(&secs).start;
            bin.splice(at..at, copy);
        }
        // Two sections swapped.
        3 if secs.len() > 1 => {
            let i = rng.below(secs.len() - 1);
            let (a, b) = (secs[i], secs[i + 1]);
            let first = bin[a.start..a.end].to_vec();
            let second = bin[b.start..b.end].to_vec();
            let mut both = second;
            both.extend(first);
            bin.splice(a.start..b.end, both);
        }
        // A section of another component in place of one of ours.
        4 if !secs.is_empty() => {
            let other = rng.pick(others);
            let theirs = sections(other);
            if theirs.is_empty() {
                return mutate::bytes(rng, bin);
            }
            let t = *rng.pick(&theirs);
            let s = *rng.pick(&secs);
            let spliced = other[t.start..t.end].to_vec();
            bin.splice(s.start..s.end, spliced);
        }
        // Random bytes after the header.
        5 => {
            let n = 1 + rng.below(256);
            let noise: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            let end = if rng.below(2) == 0 { bin.len() } else { 8 };
            bin.truncate(end.min(bin.len()));
            bin.extend(noise);
        }
        // Truncated anywhere.
        6 => {
            let at = rng.below(bin.len() + 1);
            bin.truncate(at);
        }
        _ => {
            // A few bit flips anywhere, most often past the header (which
            // is checked first and would stop everything else).
            for _ in 0..1 + rng.below(4) {
                if bin.len() > 8 {
                    let i = 8 + rng.below(bin.len() - 8);
                    bin[i] ^= 1 << rng.below(8);
                } else {
                    mutate::bytes(rng, bin);
                }
            }
        }
    }
}

/// A component of the corpus and a call its unmutated world can take.
struct Seed {
    bytes: Vec<u8>,
    invoke: &'static str,
}

fn corpus() -> anyhow::Result<Vec<Seed>> {
    let seed = |world: &str, invoke: &'static str| {
        Ok::<_, anyhow::Error>(Seed {
            bytes: component(WIT, world).with_context(|| format!("encoding world `{world}`"))?,
            invoke,
        })
    };
    Ok(vec![
        seed("provider", r#"get("key")"#)?,
        seed("consumer", r#"mix(1, -2, 3.5, 1e300, 'x', (7, "s"))"#)?,
        seed("resources", "count()")?,
        Seed {
            bytes: crate::wave::component()?,
            invoke: r#"text('c', "hello")"#,
        },
    ])
}

/// The fixed inputs: each a name and a path that [`fixed`] has made.
fn fixed(dir: &Path) -> anyhow::Result<Vec<(&'static str, PathBuf)>> {
    let fixed = dir.join("fixed");
    if fixed.exists() {
        std::fs::remove_dir_all(&fixed)?;
    }
    std::fs::create_dir_all(&fixed)?;
    let fifo = fixed.join("fifo.wasm");
    // mkfifo(1) rather than libc's: no unsafe code for a one-off.
    let status = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .context("running mkfifo")?;
    anyhow::ensure!(status.success(), "mkfifo {} failed", fifo.display());
    let zero = fixed.join("x.wasm");
    std::os::unix::fs::symlink("/dev/zero", &zero)?;
    let empty = fixed.join("empty.wasm");
    std::fs::write(&empty, b"")?;
    let header = fixed.join("header.wasm");
    std::fs::write(&header, b"\0asm\x0d\0\x01\0")?;
    let folder = fixed.join("dir").join("x.wasm");
    std::fs::create_dir_all(&folder)?;
    Ok(vec![
        ("fifo", fifo),
        ("dev-zero", zero),
        ("empty", empty),
        ("header-only", header),
        ("directory", folder),
    ])
}

pub fn run(cfg: &Config) -> anyhow::Result<Counts> {
    let mut counts = Counts::new("binary");
    let dir = cfg.work.join("binary");
    std::fs::create_dir_all(&dir)?;
    let corpus = corpus()?;
    let all: Vec<Vec<u8>> = corpus.iter().map(|s| s.bytes.clone()).collect();
    // The valid partners of plug mode: a provider of `api` to plug a
    // mutated socket, a consumer of it for a mutated plug.
    let provider = dir.join("provider.wasm");
    std::fs::write(&provider, &corpus[0].bytes)?;
    let consumer = dir.join("consumer.wasm");
    std::fs::write(&consumer, &corpus[1].bytes)?;
    let partners = Partners {
        provider: &provider,
        consumer: &consumer,
    };
    for (n, (_, path)) in fixed(&dir)?.into_iter().enumerate() {
        verbs(cfg, &mut counts, &path, &partners, n, None)?;
    }
    let mut rng = Rng::new(cfg.seed ^ 0x6269_6e00);
    let file = dir.join("case.wasm");
    for case in 0..cfg.cases {
        let seed = rng.pick(&corpus);
        let mut bin = seed.bytes.clone();
        // Mostly one edit: a validator stops most binaries at the first
        // fault, so more edits seldom reach further.
        let edits = [1, 1, 1, 2, 3][rng.below(5)];
        for _ in 0..edits {
            edit(&mut rng, &mut bin, &all);
        }
        std::fs::write(&file, &bin)?;
        let invoke = (case % 2 == 1).then_some(seed.invoke);
        verbs(cfg, &mut counts, &file, &partners, case as usize, invoke)?;
    }
    Ok(counts)
}

struct Partners<'a> {
    provider: &'a Path,
    consumer: &'a Path,
}

/// One input to the three verbs.
fn verbs(
    cfg: &Config,
    counts: &mut Counts,
    input: &Path,
    partners: &Partners,
    n: usize,
    invoke: Option<&str>,
) -> anyhow::Result<()> {
    let mut check = crate::witloom(cfg);
    check.args(["wit", "check"]).arg(input);
    let outcome = crate::exec(check, cfg.timeout)?;
    counts.record(cfg, "wit check", &outcome, input, false);

    let out = cfg.work.join("binary").join("composed.wasm");
    let mut compose = crate::witloom(cfg);
    compose.arg("compose");
    let what = if n.is_multiple_of(2) {
        compose.arg(input).arg("--plug").arg(partners.provider);
        "compose (mutant as socket)"
    } else {
        compose.arg(partners.consumer).arg("--plug").arg(input);
        "compose (mutant as plug)"
    };
    compose.arg("-o").arg(&out);
    let outcome = crate::exec(compose, cfg.timeout)?;
    counts.record(cfg, what, &outcome, input, false);

    let mut run = crate::witloom(cfg);
    run.arg("run")
        .arg(input)
        .args(["--timeout", "2s", "--max-memory", "64MiB", "--no-cache"]);
    if let Some(call) = invoke {
        run.arg(format!("--invoke={call}"));
    }
    let outcome = crate::exec(run, cfg.timeout)?;
    counts.record(cfg, "run", &outcome, input, false);
    Ok(())
}
