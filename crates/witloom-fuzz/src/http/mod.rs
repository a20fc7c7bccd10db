//! Class `http`: hostile HTTP/1.1 against a running `witloom serve`.
//!
//! The suite builds two HTTP handlers once per work directory (`witloom
//! init --template http --lang c`, with `--wasi 0.2` and `--wasi 0.3`,
//! then `witloom build`; each answers 200 "hello from handler"), and sends
//! the first half of the cases to the 0.2 one (an instance per request),
//! the second to the 0.3 one (instances reused). It serves each on a free
//! loopback port with a 2 s
//! guest timeout (and `--max-body 1MiB` when the binary has that flag), and
//! sends each generated request on a fresh TCP connection: malformed
//! request lines, header abuse, framing conflicts (Content-Length against
//! Transfer-Encoding, bad chunk sizes), bodies that lie about their length,
//! pipelines, random byte damage of a valid request, and slow clients.
//!
//! It counts, per case, how the server answered: `http NNN` (the status of
//! the first answer), `closed`, `reset`, `garbage answer`, or `no answer
//! within T` (a hang: the server neither answered nor closed). After every
//! case the server process must still be alive, and every 50 cases a plain
//! GET must get 200 within 5 s; a dead server is a crash (or a panic, when
//! its log says so) and is restarted, an unresponsive one a hang. Slow
//! clients run beside the other cases on threads of their own: while one
//! holds a connection, a plain GET on another must still be answered, and
//! the server must close the slow connection within its header timeout
//! (30 s) plus slack. `peak_rss_kib` is the largest VmHWM of the server
//! processes.
//!
//! The suite is the client here: `server` runs the `witloom serve` under
//! test, `client` sends a case and reads how it ended, `cases` makes the
//! requests.

mod cases;
mod client;
mod server;

use crate::support::{self, Repro, clip, last_lines};
use crate::{Config, Counts, Rng};
use anyhow::{Result, bail};
use cases::Case;
use client::{End, HEALTH_DEADLINE, SLOW_CLIENT_BOUND, SlowWatch, health, send};
use server::{Server, handler_component, has_max_body};
use std::path::PathBuf;
use std::time::Duration;

/// The `--max-body` the suite passes when the binary has that flag.
const MAX_BODY: u64 = 1 << 20;
/// How often (in cases) a plain GET checks the server still answers.
const HEALTH_EVERY: u64 = 50;
/// This class's stream of case seeds ([`support::case_seed`]).
const CASE_STREAM: u64 = 0xa076_1d64_78bd_642f;

/// Runs `cfg.cases` hostile requests against `witloom serve`.
pub fn run(cfg: &Config) -> Result<Counts> {
    let mut counts = Counts::new("http");
    let dir = cfg.work.join("http");
    std::fs::create_dir_all(dir.join("logs"))?;
    std::fs::create_dir_all(support::repro_dir(cfg))?;
    let max_body = has_max_body(cfg)?.then_some(MAX_BODY);
    // A guest answers within 2 s; a case gets at least 5 s before it is a
    // hang, more when the caller allows it.
    let deadline = cfg.timeout.max(Duration::from_secs(5));

    let mut log = String::new();
    // Half the cases against a WASI 0.2 handler (an instance per
    // request), half against a 0.3 one (instances reused).
    let half = cfg.cases / 2;
    for (wasi, cases) in [("0.2", 0..half), ("0.3", half..cfg.cases)] {
        let handler = handler_component(cfg, wasi)?;
        pass(
            cfg,
            &mut counts,
            (&handler, max_body, deadline),
            &dir,
            cases,
            &mut log,
        )?;
    }
    // One line per case (what was sent, how it ended), so any case can be
    // found again by its index.
    std::fs::write(dir.join("cases.tsv"), log)?;
    if max_body.is_none() {
        // MAX-BODY: when `witloom serve --max-body` exists the suite adds
        // the limit cases (see `limit_case`); this binary has no such flag.
        counts.findings.push(
            "http: note: `witloom serve` has no --max-body; the body-limit cases were not run"
                .to_string(),
        );
    }
    Ok(counts)
}

/// `cases` against `handler` (served with `max_body`, each case given
/// `deadline`), counted into `counts`, a line per case into `log`.
fn pass(
    cfg: &Config,
    counts: &mut Counts,
    (handler, max_body, deadline): (&std::path::Path, Option<u64>, Duration),
    dir: &std::path::Path,
    cases: std::ops::Range<u64>,
    log: &mut String,
) -> Result<()> {
    let mut server = Server::start(cfg, handler, max_body, dir, cases.start)?;
    if health(server.addr) != Some(200) {
        bail!(
            "the http handler ({}) is not answered 200 at the start:\n{}",
            handler.display(),
            server.log_tail()
        );
    }
    let mut slow: Vec<SlowWatch> = Vec::new();
    for i in cases {
        let mut rng = Rng::new(support::case_seed(cfg.seed, CASE_STREAM, i));
        let case = cases::generate(&mut rng, server.addr.port(), max_body);
        counts.cases += 1;
        if case.slow {
            let watch = SlowWatch::start(server.addr, &case, i);
            // The slow client has sent its bytes and stopped: others must
            // still be served meanwhile.
            let answered = health(server.addr);
            if answered != Some(200) {
                counts.hangs += 1;
                let repro = save_repro(cfg, i, &case, &format!("{answered:?}"))?;
                counts.findings.push(format!(
                    "http case {i} ({}): while a slow client held a connection, a plain GET got {} instead of 200 within {HEALTH_DEADLINE:?}; reproducer {}",
                    case.kind,
                    answered.map_or("no answer".to_string(), |s| format!("http {s}")),
                    repro.display()
                ));
            }
            slow.push(watch);
        } else {
            let answer = send(server.addr, &case, deadline);
            let key = answer.key(deadline);
            if matches!(answer.end, End::NoAnswer) {
                counts.hangs += 1;
                let repro = save_repro(cfg, i, &case, &answer.note)?;
                counts.findings.push(format!(
                    "http case {i} ({}): the server neither answered nor closed within {deadline:?}; reproducer {}",
                    case.kind,
                    repro.display()
                ));
            }
            if let (Some(want), End::Status(got)) = (case.expect, &answer.end)
                && want != *got
            {
                let repro = save_repro(cfg, i, &case, &answer.note)?;
                counts.findings.push(format!(
                    "http case {i} ({}): answered {got}, expected {want}; reproducer {}",
                    case.kind,
                    repro.display()
                ));
            }
            log.push_str(&format!(
                "{i}\t{}\t{}\t{key}\n",
                case.kind,
                clip(&case.desc, 100)
            ));
            *counts.exits.entry(key).or_default() += 1;
        }
        server.sample_rss();
        let periodic = (i + 1) % HEALTH_EVERY == 0;
        if let Some(restarted) = check_server(cfg, counts, &mut server, i, &case, periodic)? {
            server = restarted;
        }
    }
    // Slow clients end within their own bound; a connection still open
    // then is a hang of its own.
    for watch in slow {
        let (case, i, end) = watch.finish();
        let key = match &end {
            End::NoAnswer => format!(
                "no answer within {}s (slow client)",
                SLOW_CLIENT_BOUND.as_secs()
            ),
            other => End::key_of(other, SLOW_CLIENT_BOUND),
        };
        if matches!(end, End::NoAnswer | End::HeldOpen(_)) {
            counts.hangs += u64::from(matches!(end, End::NoAnswer));
            let repro = save_repro(cfg, i, &case, &key)?;
            counts.findings.push(format!(
                "http case {i} ({}): the server kept a slow client's connection open past {SLOW_CLIENT_BOUND:?} ({key}; its header timeout is 30 s); reproducer {}",
                case.kind,
                repro.display()
            ));
        }
        log.push_str(&format!(
            "{i}\t{}\t{}\t{key}\n",
            case.kind,
            clip(&case.desc, 100)
        ));
        *counts.exits.entry(key).or_default() += 1;
    }
    server.sample_rss();
    if let Some(status) = server.exited() {
        counts.crashes += 1;
        counts.findings.push(format!(
            "http: the server exited ({status}) after the slow clients:\n{}",
            server.log_tail()
        ));
    }
    counts.peak_rss_kib = counts.peak_rss_kib.max(server.peak_kib);
    Ok(())
}

/// After a case: the server must be alive, and (every `HEALTH_EVERY` cases)
/// answer a plain GET. A dead or stuck server is recorded and replaced.
fn check_server(
    cfg: &Config,
    counts: &mut Counts,
    server: &mut Server,
    i: u64,
    case: &Case,
    periodic: bool,
) -> Result<Option<Server>> {
    if let Some(status) = server.exited() {
        let log = server.log_tail();
        let repro = save_repro(cfg, i, case, &log)?;
        if log.contains("panicked at") {
            counts.panics += 1;
        } else {
            counts.crashes += 1;
        }
        counts.findings.push(format!(
            "http case {i} ({}): the server exited ({status}); its log ends:\n{}\nreproducer {}",
            case.kind,
            last_lines(&log, 6),
            repro.display()
        ));
    } else if periodic {
        let answered = health(server.addr);
        if answered == Some(200) {
            return Ok(None);
        }
        counts.hangs += 1;
        let repro = save_repro(cfg, i, case, &server.log_tail())?;
        counts.findings.push(format!(
            "http after case {i} ({}): a plain GET got {answered:?} instead of 200 within {HEALTH_DEADLINE:?}; reproducer {}",
            case.kind,
            repro.display()
        ));
    } else {
        return Ok(None);
    }
    counts.peak_rss_kib = counts.peak_rss_kib.max(server.peak_kib);
    let handler = server.file.clone();
    let max_body = server.max_body;
    server.kill();
    let next = Server::start(cfg, &handler, max_body, &cfg.work.join("http"), i + 1)?;
    Ok(Some(next))
}

/// Writes the case (its description, then the bytes it sent) and what was
/// seen to `work/repro/http-N.*`.
fn save_repro(cfg: &Config, i: u64, case: &Case, seen: &str) -> Result<PathBuf> {
    let repro = Repro::new(cfg, "http", i)?;
    let bytes: Vec<u8> = case
        .pieces
        .iter()
        .flat_map(|p| p.bytes.iter().copied())
        .collect();
    let raw = repro.write(".bin", &bytes)?;
    repro.describe(&format!(
            "kind: {}\n{}\nhalf-close after sending: {}\nbytes sent: {} ({} pieces), in {}\n\nseen:\n{seen}\n",
            case.kind,
            case.desc,
            case.half_close,
            bytes.len(),
            case.pieces.len(),
            raw.display()
        ))
}
