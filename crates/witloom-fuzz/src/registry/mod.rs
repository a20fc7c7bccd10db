//! Class `registry`: hostile OCI registries against `witloom pull`.
//!
//! Each case starts a fake registry in this process (witloom-testkit's
//! scripted HTTP/1.1 server on a free loopback port: every socket under
//! timeouts, every thread stopped when the case ends) that answers the OCI
//! distribution API (`/v2/`, manifests, blobs) from a per-case script
//! (`server`), and runs `witloom pull
//! 127.0.0.1:PORT/acme/app:1.0 -o OUT --registry-timeout 5s` against it
//! under a deadline. The script starts from a correct CNCF wasm artifact (an
//! image manifest, an `application/vnd.wasm.config.v0+json` config, one
//! `application/wasm` layer holding a small component made here) and is
//! damaged: malformed and truncated JSON, wrong media types, a 100 MB
//! manifest, layer sizes that lie, digests that do not match, 10,000
//! layers, image indexes, redirects and redirect loops, 401s with odd
//! challenges, 5xx, bodies cut short, dribbled or endless, chunked
//! garbage, Content-Length lies, garbage status lines, and layers that are
//! not components (`cases`). Case 0 is always the undamaged artifact, so
//! a broken harness shows at once.
//!
//! It counts exits, panics, hangs (killed at the deadline), crashes
//! (signals), the peak RSS of a pull, and diagnostics that echo the
//! registry's control or bidi characters (`unsafe_output`). A finding is
//! any of those, a pull that should have failed but succeeded, a success
//! that wrote anything but the served component, a correct artifact
//! refused, or a failed pull that left the output (or a file beside it)
//! behind or changed an output that was there before.

mod cases;
mod server;

use crate::support::{self, Repro, clip, last_line};
use crate::{Config, Counts, Rng};
use anyhow::Result;
use cases::{Base, Case, Expect};
use server::{REPO, TAG, sha256_hex};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// What `--registry-timeout` the pulls get: short, so the slow cases are
/// cheap, long enough for a 100 MB manifest over loopback.
const REGISTRY_TIMEOUT: Duration = Duration::from_secs(5);
/// A pull that peaks above this is a finding: the largest honest input
/// here is a 100 MB manifest.
const MEMORY_FINDING_KIB: u64 = 1 << 20;
/// A diagnostic longer than this is a finding: a registry's words are
/// repeated without bound.
const FLOOD_BYTES: usize = 64 << 10;
/// The most findings of one kind listed in full; the rest are counted.
const FINDINGS_PER_KIND: u64 = 4;
/// What an output that existed before a failed pull must still hold.
const PREVIOUS: &[u8] = b"the output as it was before the pull\n";
/// This class's stream of case seeds ([`support::case_seed`]).
const CASE_STREAM: u64 = 0xe703_7ed1_a0b4_28db;

/// Runs `cfg.cases` pulls against scripted registries.
pub fn run(cfg: &Config) -> Result<Counts> {
    let mut counts = Counts::new("registry");
    let base = Base::new()?;
    let root = cfg.work.join("registry");
    let no_docker = root.join("no-docker-config");
    std::fs::create_dir_all(&no_docker)?;
    std::fs::create_dir_all(support::repro_dir(cfg))?;
    // Two registry operations (manifest and config, then the layer), each
    // bounded by the timeout, plus the process's own start and slack.
    let deadline = cfg
        .timeout
        .max(REGISTRY_TIMEOUT * 2 + Duration::from_secs(10));
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    // One line per case (what was served, how the pull ended), so any
    // case can be found again by its index.
    let mut log = String::new();
    for i in 0..cfg.cases {
        let mut rng = Rng::new(support::case_seed(cfg.seed, CASE_STREAM, i));
        let case = if i == 0 {
            cases::baseline(&base)
        } else {
            cases::generate(&mut rng, &base)
        };
        let preexisting = rng.below(5) == 0;
        let dir = root.join(format!("case-{i}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let out_dir = dir.join("out");
        std::fs::create_dir_all(&out_dir)?;
        let out = out_dir.join("app.wasm");
        if preexisting {
            std::fs::write(&out, PREVIOUS)?;
        }
        let registry = case.script.serve()?;
        let port = registry.port();
        let mut cmd = Command::new(&cfg.witloom);
        cmd.arg("pull")
            .arg(format!("127.0.0.1:{port}/{REPO}:{TAG}"))
            .arg("-o")
            .arg(&out)
            .args(["--registry-timeout", "5s"])
            .current_dir(&dir)
            // No credentials of this machine's are read or offered.
            .env("DOCKER_CONFIG", &no_docker)
            .env("NO_COLOR", "1")
            .env_remove("WITLOOM_LOG")
            .env_remove("RUST_BACKTRACE");
        // A proxy would take loopback requests elsewhere.
        for var in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            cmd.env_remove(var);
        }
        crate::limit_data(&mut cmd, crate::DATA_LIMIT);
        let outcome = crate::exec(cmd, deadline)?;
        let requests = registry.stop();
        counts.tally(&outcome);
        let stderr = String::from_utf8_lossy(&outcome.stderr).into_owned();
        log.push_str(&format!(
            "{i}\t{}\t{}\t{}\t{:.1?}\t{}\n",
            case.family,
            clip(&case.desc, 100),
            outcome.key(),
            outcome.elapsed,
            clip(last_line(&stderr), 200)
        ));

        let mut problems: Vec<(&'static str, String)> = Vec::new();
        if outcome.timed_out {
            counts.hangs += 1;
            problems.push(("hang", format!("no exit within {deadline:?}")));
        } else if outcome.panicked() {
            counts.panics += 1;
            let lines: Vec<&str> = support::panic_lines(&stderr).collect();
            problems.push(("panic", lines.join(" / ")));
        } else if let Some(signal) = outcome.signal {
            counts.crashes += 1;
            problems.push(("crash", format!("signal {signal}: {}", last_line(&stderr))));
        } else if outcome.code == Some(0) {
            if matches!(case.expect, Expect::Fail) {
                problems.push((
                    "accepted",
                    "the pull succeeded, but this answer must be refused".to_string(),
                ));
            }
            match std::fs::read(&out) {
                Ok(wrote) if wrote == case.served => {}
                Ok(wrote) => problems.push((
                    "wrong-output",
                    format!(
                        "the pull succeeded but wrote {} bytes ({}) instead of the served component's {} ({})",
                        wrote.len(),
                        sha256_hex(&wrote),
                        case.served.len(),
                        sha256_hex(&case.served)
                    ),
                )),
                Err(e) => problems.push(("wrong-output", format!("the pull succeeded but {} cannot be read: {e}", out.display()))),
            }
            if let Some(extra) = leftovers(&out_dir, &["app.wasm"]) {
                problems.push((
                    "leftover",
                    format!("the pull succeeded and left {extra} beside the output"),
                ));
            }
        } else {
            if matches!(case.expect, Expect::Succeed) {
                problems.push((
                    "refused",
                    format!("a correct artifact was refused: {}", last_line(&stderr)),
                ));
            }
            if preexisting {
                if std::fs::read(&out).ok().as_deref() != Some(PREVIOUS) {
                    problems.push((
                        "clobbered",
                        "the failed pull changed or removed the output that was there before"
                            .to_string(),
                    ));
                }
                if let Some(extra) = leftovers(&out_dir, &["app.wasm"]) {
                    problems.push(("leftover", format!("the failed pull left {extra}")));
                }
            } else if let Some(extra) = leftovers(&out_dir, &[]) {
                problems.push(("leftover", format!("the failed pull left {extra}")));
            }
        }
        if outcome.stderr.len() > FLOOD_BYTES {
            problems.push((
                "flood",
                format!(
                    "the diagnostic is {} bytes long (the registry's text, unbounded)",
                    outcome.stderr.len()
                ),
            ));
        }
        if outcome.peak_rss_kib > MEMORY_FINDING_KIB {
            problems.push((
                "memory",
                format!("the pull peaked at {} MiB", outcome.peak_rss_kib / 1024),
            ));
        }
        if let Some((c, line)) = support::first_unsafe(&stderr) {
            counts.unsafe_output += 1;
            let line = line.unwrap_or_default();
            problems.push((
                "unsafe-output",
                format!(
                    "the diagnostic carries U+{:04X}: {:?}",
                    c as u32,
                    clip(line, 160)
                ),
            ));
        }

        if problems.is_empty() {
            // Nothing to keep: the case is its seed and index.
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        let repro = save_repro(cfg, i, &case, preexisting, &outcome, &stderr, &requests)?;
        for (kind, what) in problems {
            let seen = kinds.entry(kind.to_string()).or_default();
            *seen += 1;
            if *seen <= FINDINGS_PER_KIND {
                counts.findings.push(format!(
                    "registry case {i} ({}: {}){}: {kind}: {what}; stderr: {:?}; reproducer {}",
                    case.family,
                    clip(&case.desc, 120),
                    if preexisting { " [output existed]" } else { "" },
                    clip(last_line(&stderr), 300),
                    repro.display()
                ));
            }
        }
    }
    std::fs::write(root.join("cases.tsv"), log)?;
    for (kind, n) in kinds {
        if n > FINDINGS_PER_KIND {
            counts.findings.push(format!(
                "registry: {} more `{kind}` findings like the above (reproducers under {})",
                n - FINDINGS_PER_KIND,
                support::repro_dir(cfg).display()
            ));
        }
    }
    Ok(counts)
}

/// Files in `dir` other than `allowed`, named, if any.
fn leftovers(dir: &Path, allowed: &[&str]) -> Option<String> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !allowed.contains(&n.as_str()))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// Writes what the case served and saw to `work/repro/registry-N.*`.
fn save_repro(
    cfg: &Config,
    i: u64,
    case: &Case,
    preexisting: bool,
    outcome: &crate::Outcome,
    stderr: &str,
    requests: &[String],
) -> Result<PathBuf> {
    let repro = Repro::new(cfg, "registry", i)?;
    let mut served = String::new();
    for (refs, media_type, bytes) in &case.script.manifests {
        let file = repro.write(&format!("-manifest-{}.json", served.lines().count()), bytes)?;
        served.push_str(&format!(
            "manifest {refs:?} ({media_type}, {} bytes): {}\n",
            bytes.len(),
            file.display()
        ));
    }
    for (n, (digest, bytes)) in case.script.blobs.iter().enumerate() {
        let file = repro.write(&format!("-blob-{n}.bin"), bytes)?;
        served.push_str(&format!(
            "blob {digest} ({} bytes): {}\n",
            bytes.len(),
            file.display()
        ));
    }
    for rule in &case.script.rules {
        served.push_str(&format!("rule {}\n", server::describe_rule(rule)));
    }
    repro.describe(&format!(
            "family: {}\n{}\nexpected: {:?}\noutput existed before: {preexisting}\n\
             command: witloom pull 127.0.0.1:PORT/{REPO}:{TAG} -o OUT --registry-timeout 5s\n\n\
             served:\n{served}\nrequests seen:\n{}\n\nexit: {} after {:.1?}, peak RSS {} KiB\nstderr:\n{stderr}\n",
            case.family,
            case.desc,
            case.expect,
            requests.join("\n"),
            outcome.key(),
            outcome.elapsed,
            outcome.peak_rss_kib,
        ))
}
