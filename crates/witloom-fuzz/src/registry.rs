//! Class `registry`: hostile OCI registries against `witloom pull`.
//!
//! Each case starts a fake registry in this process (a std `TcpListener`
//! on a free loopback port, a thread per connection, hand-written
//! HTTP/1.1, every socket under timeouts, every thread stopped when the
//! case ends) that answers the OCI distribution API (`/v2/`, manifests,
//! blobs) from a per-case script, and runs `witloom pull
//! 127.0.0.1:PORT/acme/app:1.0 -o OUT --registry-timeout 5s` against it
//! under a deadline. The script starts from a correct CNCF wasm artifact (an
//! image manifest, an `application/vnd.wasm.config.v0+json` config, one
//! `application/wasm` layer holding a small component made here) and is
//! damaged: malformed and truncated JSON, wrong media types, a 100 MB
//! manifest, layer sizes that lie, digests that do not match, 10,000
//! layers, image indexes, redirects and redirect loops, 401s with odd
//! challenges, 5xx, bodies cut short, dribbled or endless, chunked
//! garbage, Content-Length lies, garbage status lines, and layers that are
//! not components. Case 0 is always the undamaged artifact, so a broken
//! harness shows at once.
//!
//! It counts exits, panics, hangs (killed at the deadline), crashes
//! (signals), the peak RSS of a pull, and diagnostics that echo the
//! registry's control or bidi characters (`unsafe_output`). A finding is
//! any of those, a pull that should have failed but succeeded, a success
//! that wrote anything but the served component, a correct artifact
//! refused, or a failed pull that left the output (or a file beside it)
//! behind or changed an output that was there before.

use crate::{Config, Counts, Rng};
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What `--registry-timeout` the pulls get: short, so the slow cases are
/// cheap, long enough for a 100 MB manifest over loopback.
const REGISTRY_TIMEOUT: Duration = Duration::from_secs(5);
const REPO: &str = "acme/app";
const TAG: &str = "1.0";
const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";
const CONFIG_TYPE: &str = "application/vnd.wasm.config.v0+json";
const LAYER_TYPE: &str = "application/wasm";
/// Stands for the fake registry's port in scripted headers and bodies.
const PORT: &str = "{PORT}";
/// A pull that peaks above this is a finding: the largest honest input
/// here is a 100 MB manifest.
const MEMORY_FINDING_KIB: u64 = 1 << 20;
/// A diagnostic longer than this is a finding: a registry's words are
/// repeated without bound.
const FLOOD_BYTES: usize = 64 << 10;
/// An endless body stops after this much (it is "endless" to a client
/// that times out long before).
const ENDLESS_CAP: u64 = 1 << 30;
/// The most findings of one kind listed in full; the rest are counted.
const FINDINGS_PER_KIND: u64 = 4;
/// What an output that existed before a failed pull must still hold.
const PREVIOUS: &[u8] = b"the output as it was before the pull\n";

/// Runs `cfg.cases` pulls against scripted registries.
pub fn run(cfg: &Config) -> Result<Counts> {
    let mut counts = Counts::new("registry");
    let base = Base::new()?;
    let root = cfg.work.join("registry");
    let no_docker = root.join("no-docker-config");
    std::fs::create_dir_all(&no_docker)?;
    std::fs::create_dir_all(cfg.work.join("repro"))?;
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
        let mut rng = Rng::new(case_seed(cfg.seed, i));
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let case = if i == 0 {
            baseline(&base)
        } else {
            generate(&mut rng, &base, port)
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
        let registry = FakeRegistry::serve(listener, port, Arc::new(case.script.clone()))?;
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
        counts.cases += 1;
        *counts.exits.entry(outcome.key()).or_default() += 1;
        counts.peak_rss_kib = counts.peak_rss_kib.max(outcome.peak_rss_kib);
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
            problems.push(("panic", panic_lines(&stderr)));
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
        if let Some(c) = stderr.chars().find(|&c| unsafe_char(c)) {
            counts.unsafe_output += 1;
            let line = stderr.lines().find(|l| l.contains(c)).unwrap_or_default();
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
                cfg.work.join("repro").display()
            ));
        }
    }
    Ok(counts)
}

fn case_seed(seed: u64, i: u64) -> u64 {
    seed ^ i.wrapping_add(1).wrapping_mul(0xe703_7ed1_a0b4_28db)
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

/// Control and bidi characters a terminal would act on.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

fn last_line(s: &str) -> &str {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("")
}

fn panic_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.contains("panicked at"))
        .take(2)
        .collect();
    lines.join(" / ")
}

fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
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
    let dir = cfg.work.join("repro");
    let stem = format!("registry-{i}");
    let mut served = String::new();
    for (refs, media_type, bytes) in &case.script.manifests {
        let file = dir.join(format!("{stem}-manifest-{}.json", served.lines().count()));
        std::fs::write(&file, bytes)?;
        served.push_str(&format!(
            "manifest {refs:?} ({media_type}, {} bytes): {}\n",
            bytes.len(),
            file.display()
        ));
    }
    for (n, (digest, bytes)) in case.script.blobs.iter().enumerate() {
        let file = dir.join(format!("{stem}-blob-{n}.bin"));
        std::fs::write(&file, bytes)?;
        served.push_str(&format!(
            "blob {digest} ({} bytes): {}\n",
            bytes.len(),
            file.display()
        ));
    }
    for rule in &case.script.rules {
        served.push_str(&format!("rule {}\n", rule.describe()));
    }
    let text = dir.join(format!("{stem}.txt"));
    std::fs::write(
        &text,
        format!(
            "class registry, seed {}, case {i}\nfamily: {}\n{}\nexpected: {:?}\noutput existed before: {preexisting}\n\
             command: witloom pull 127.0.0.1:PORT/{REPO}:{TAG} -o OUT --registry-timeout 5s\n\n\
             served:\n{served}\nrequests seen:\n{}\n\nexit: {} after {:.1?}, peak RSS {} KiB\nstderr:\n{stderr}\n",
            cfg.seed,
            case.family,
            case.desc,
            case.expect,
            requests.join("\n"),
            outcome.key(),
            outcome.elapsed,
            outcome.peak_rss_kib,
        ),
    )?;
    Ok(text)
}

// ---------------------------------------------------------------------------
// The artifact

/// The pieces cases are made of: a small valid component, and things that
/// are not one.
struct Base {
    component: Vec<u8>,
    core_module: Vec<u8>,
    wit_package: Vec<u8>,
}

impl Base {
    fn new() -> Result<Base> {
        let mut resolve = wit_parser::Resolve::default();
        let pkg = resolve.push_str(
            "app.wit",
            "package acme:app@1.0.0;\n\nworld app {\n    export greet: func(name: string) -> string;\n}\n",
        )?;
        let world = resolve.select_world(&[pkg], Some("app"))?;
        let component = crate::dummy_component(&resolve, world)
            .context("encoding the registry class's component")?;
        let wit_package = wit_component::encode(&resolve, pkg, false)?;
        Ok(Base {
            component,
            core_module: b"\0asm\x01\0\0\0".to_vec(),
            wit_package,
        })
    }
}

/// A consistent artifact whose parts can be damaged before it is scripted.
#[derive(Clone)]
struct Parts {
    layer: Vec<u8>,
    config: Vec<u8>,
    manifest: Value,
}

impl Parts {
    fn new(layer: &[u8]) -> Parts {
        let layer_digest = digest(layer);
        let config = serde_json::to_vec(&json!({
            "created": "2026-01-01T00:00:00Z",
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [layer_digest],
            "component": {"exports": ["greet"], "imports": []},
        }))
        .expect("a JSON value serializes");
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "digest": digest(&config), "size": config.len()},
            "layers": [{
                "mediaType": LAYER_TYPE,
                "digest": layer_digest,
                "size": layer.len(),
                "annotations": {"org.opencontainers.image.title": "app.wasm"},
            }],
        });
        Parts {
            layer: layer.to_vec(),
            config,
            manifest,
        }
    }

    /// Puts new config bytes in, with the manifest's descriptor to match.
    fn with_config(mut self, config: Vec<u8>) -> Parts {
        self.manifest["config"]["digest"] = json!(digest(&config));
        self.manifest["config"]["size"] = json!(config.len());
        self.config = config;
        self
    }

    fn manifest_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.manifest).expect("a JSON value serializes")
    }

    /// The registry that serves these parts as they are.
    fn script(&self) -> Script {
        self.script_with_manifest(self.manifest_bytes())
    }

    /// The registry that serves `manifest` (bytes, damaged or not) under the
    /// tag, and the layer and config blobs.
    fn script_with_manifest(&self, manifest: Vec<u8>) -> Script {
        let mut blobs = vec![(digest(&self.config), self.config.clone())];
        blobs.push((digest(&self.layer), self.layer.clone()));
        Script {
            manifests: vec![(
                vec![TAG.to_string(), digest(&manifest)],
                MANIFEST_TYPE.to_string(),
                manifest,
            )],
            blobs,
            rules: Vec::new(),
        }
    }
}

/// What a case should end in.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// A correct artifact: pulled, byte for byte.
    Succeed,
    /// Must be refused.
    Fail,
    /// Either, but a success writes exactly the served component.
    Either,
}

struct Case {
    family: &'static str,
    desc: String,
    script: Script,
    expect: Expect,
    /// What a successful pull must write.
    served: Vec<u8>,
}

impl Case {
    fn new(
        family: &'static str,
        desc: impl Into<String>,
        script: Script,
        expect: Expect,
        served: &[u8],
    ) -> Case {
        Case {
            family,
            desc: desc.into(),
            script,
            expect,
            served: served.to_vec(),
        }
    }
}

// ---------------------------------------------------------------------------
// The fake registry

/// What a registry answers: manifests by reference, blobs by digest, and
/// rules that override both (and `/v2/`).
#[derive(Clone, Default)]
struct Script {
    /// (references it answers to, Content-Type, bytes).
    manifests: Vec<(Vec<String>, String, Vec<u8>)>,
    blobs: Vec<(String, Vec<u8>)>,
    /// Checked first, in order.
    rules: Vec<Rule>,
}

#[derive(Clone)]
struct Rule {
    /// `None`: any method.
    method: Option<&'static str>,
    path: PathIs,
    reply: Reply,
}

#[derive(Clone)]
enum PathIs {
    Exact(String),
    Prefix(String),
}

impl Rule {
    fn any(path: PathIs, reply: Reply) -> Rule {
        Rule {
            method: None,
            path,
            reply,
        }
    }

    fn matches(&self, req: &Request) -> bool {
        self.method.is_none_or(|m| m == req.method)
            && match &self.path {
                PathIs::Exact(p) => req.path == *p,
                PathIs::Prefix(p) => req.path.starts_with(p.as_str()),
            }
    }

    fn describe(&self) -> String {
        let path = match &self.path {
            PathIs::Exact(p) => p.clone(),
            PathIs::Prefix(p) => format!("{p}*"),
        };
        format!(
            "{} {path} -> {}",
            self.method.unwrap_or("*"),
            self.reply.describe()
        )
    }
}

fn manifest_path() -> String {
    format!("/v2/{REPO}/manifests/{TAG}")
}

fn blob_path(digest: &str) -> String {
    format!("/v2/{REPO}/blobs/{digest}")
}

/// One scripted answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

#[derive(Clone)]
enum Body {
    /// With its true Content-Length (unless the headers set framing).
    Full(Vec<u8>),
    /// This Content-Length, these bytes, then close.
    Declared { declared: String, sent: Vec<u8> },
    /// `Transfer-Encoding: chunked` and these raw bytes, then close.
    Chunked(Vec<u8>),
    /// One byte every `every`, with its true length.
    Dribble { bytes: Vec<u8>, every: Duration },
    /// `prefix`, `count` copies of `fill`, `suffix`, with the true length,
    /// streamed (a large body without holding it).
    Filler {
        prefix: Vec<u8>,
        fill: u8,
        count: u64,
        suffix: Vec<u8>,
    },
    /// `prefix`, then `fill` with no length until the client goes (or
    /// `ENDLESS_CAP`).
    Endless { prefix: Vec<u8>, fill: u8 },
    /// These bytes instead of a response, then close.
    Raw(Vec<u8>),
    /// Read the request, answer nothing, keep the connection open.
    Silent,
    /// Close at once.
    Close,
}

impl Reply {
    fn new(status: u16, headers: &[(&str, &str)], body: Body) -> Reply {
        Reply {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
        }
    }

    fn json(status: u16, body: &[u8]) -> Reply {
        Reply::new(
            status,
            &[("Content-Type", "application/json")],
            Body::Full(body.to_vec()),
        )
    }

    /// An OCI error answer with this message.
    fn error(status: u16, code: &str, message: &str) -> Reply {
        let body = json!({"errors": [{"code": code, "message": message, "detail": null}]});
        Reply::json(status, &serde_json::to_vec(&body).expect("serializes"))
    }

    fn describe(&self) -> String {
        let body = match &self.body {
            Body::Full(b) => format!(
                "{} bytes {:?}",
                b.len(),
                clip(&String::from_utf8_lossy(b), 200)
            ),
            Body::Declared { declared, sent } => format!(
                "Content-Length {declared:?} but {} bytes, then close",
                sent.len()
            ),
            Body::Chunked(b) => format!("chunked raw {:?}", clip(&String::from_utf8_lossy(b), 200)),
            Body::Dribble { bytes, every } => format!("{} bytes, one per {every:?}", bytes.len()),
            Body::Filler {
                prefix,
                count,
                suffix,
                ..
            } => format!(
                "{} bytes streamed",
                prefix.len() as u64 + count + suffix.len() as u64
            ),
            Body::Endless { .. } => "endless body".to_string(),
            Body::Raw(b) => format!("raw {:?}", clip(&String::from_utf8_lossy(b), 200)),
            Body::Silent => "no answer".to_string(),
            Body::Close => "close".to_string(),
        };
        format!("{} {:?} {body}", self.status, self.headers)
    }
}

/// A request as the fake registry reads it.
struct Request {
    method: String,
    /// Without the query.
    path: String,
}

impl Script {
    fn reply(&self, req: &Request) -> Reply {
        if let Some(rule) = self.rules.iter().find(|r| r.matches(req)) {
            return rule.reply.clone();
        }
        if req.path == "/v2/" || req.path == "/v2" {
            return Reply::new(
                200,
                &[
                    ("Content-Type", "application/json"),
                    ("Docker-Distribution-API-Version", "registry/2.0"),
                ],
                Body::Full(b"{}".to_vec()),
            );
        }
        let manifests = format!("/v2/{REPO}/manifests/");
        let blobs = format!("/v2/{REPO}/blobs/");
        if let Some(reference) = req.path.strip_prefix(&manifests) {
            return match self
                .manifests
                .iter()
                .find(|(refs, _, _)| refs.iter().any(|r| r == reference))
            {
                Some((_, media_type, bytes)) => Reply::new(
                    200,
                    &[
                        ("Content-Type", media_type.as_str()),
                        ("Docker-Content-Digest", &digest(bytes)),
                    ],
                    Body::Full(bytes.clone()),
                ),
                None => Reply::error(404, "MANIFEST_UNKNOWN", "manifest unknown"),
            };
        }
        if let Some(wanted) = req.path.strip_prefix(&blobs) {
            return match self.blobs.iter().find(|(d, _)| d == wanted) {
                Some((d, bytes)) => Reply::new(
                    200,
                    &[
                        ("Content-Type", "application/octet-stream"),
                        ("Docker-Content-Digest", d.as_str()),
                    ],
                    Body::Full(bytes.clone()),
                ),
                None => Reply::error(404, "BLOB_UNKNOWN", "blob unknown"),
            };
        }
        Reply::error(404, "NOT_FOUND", "not found")
    }
}

/// The fake registry of one case: an accept thread and a thread per
/// connection, all stopped by `stop`.
struct FakeRegistry {
    stop: Arc<AtomicBool>,
    accept: JoinHandle<()>,
    log: Arc<Mutex<Vec<String>>>,
}

/// How long a fake registry lives at most, whatever the client does.
const REGISTRY_LIFETIME: Duration = Duration::from_secs(90);
/// The most connections one case accepts (a redirect loop opens many).
const MAX_CONNECTIONS: usize = 256;
/// The most requests one connection serves.
const MAX_REQUESTS: usize = 1000;

impl FakeRegistry {
    fn serve(listener: TcpListener, port: u16, script: Arc<Script>) -> Result<FakeRegistry> {
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stop2, log2) = (stop.clone(), log.clone());
        let accept = std::thread::spawn(move || {
            let started = Instant::now();
            let mut connections: Vec<JoinHandle<()>> = Vec::new();
            while !stop2.load(Ordering::Relaxed) && started.elapsed() < REGISTRY_LIFETIME {
                match listener.accept() {
                    Ok((stream, _)) if connections.len() < MAX_CONNECTIONS => {
                        let (script, stop, log) = (script.clone(), stop2.clone(), log2.clone());
                        connections.push(std::thread::spawn(move || {
                            connection(stream, port, &script, &stop, &log);
                        }));
                    }
                    // Over the limit: dropped, which closes it.
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            stop2.store(true, Ordering::Relaxed);
            for c in connections {
                let _ = c.join();
            }
        });
        Ok(FakeRegistry { stop, accept, log })
    }

    /// Stops every thread and returns the requests seen.
    fn stop(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.accept.join();
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn connection(
    mut stream: TcpStream,
    port: u16,
    script: &Script,
    stop: &AtomicBool,
    log: &Mutex<Vec<String>>,
) {
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .is_err()
        || stream
            .set_write_timeout(Some(Duration::from_secs(5)))
            .is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    let mut pending = Vec::new();
    for _ in 0..MAX_REQUESTS {
        let Some(req) = read_request(&mut stream, &mut pending, stop) else {
            break;
        };
        if let Ok(mut l) = log.lock()
            && l.len() < 10_000
        {
            l.push(format!("{} {}", req.method, req.path));
        }
        let reply = script.reply(&req);
        if !write_reply(&mut stream, &req, &reply, port, stop) {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads one request head (and drains a body it declares), keeping what
/// follows in `pending`. `None` at EOF, on garbage, or when stopped.
fn read_request(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    stop: &AtomicBool,
) -> Option<Request> {
    let idle_until = Instant::now() + Duration::from_secs(30);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = find(pending, b"\r\n\r\n") {
            break at + 4;
        }
        if pending.len() > 64 << 10 || stop.load(Ordering::Relaxed) || Instant::now() > idle_until {
            return None;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return None,
        }
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    pending.drain(..head_end);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?;
    // An absolute-form target (a proxy-style request) is cut to its path.
    let target = match target.find("://") {
        Some(at) => target[at + 3..]
            .find('/')
            .map_or("/", |p| &target[at + 3 + p..]),
        None => target,
    };
    let path = target.split('?').next().unwrap_or("/").to_string();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    // Pulls send no bodies; one that does is drained (up to 1 MiB).
    let mut left = length.min(1 << 20);
    let take = left.min(pending.len());
    pending.drain(..take);
    left -= take;
    let until = Instant::now() + Duration::from_secs(10);
    while left > 0 && Instant::now() < until && !stop.load(Ordering::Relaxed) {
        match stream.read(&mut chunk[..left.min(8192)]) {
            Ok(0) => return None,
            Ok(n) => left -= n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return None,
        }
    }
    Some(Request { method, path })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

fn with_port(bytes: &[u8], port: u16) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    if !text.contains(PORT) {
        return bytes.to_vec();
    }
    text.replace(PORT, &port.to_string()).into_bytes()
}

/// Writes `reply`; whether the connection may serve another request.
fn write_reply(
    stream: &mut TcpStream,
    req: &Request,
    reply: &Reply,
    port: u16,
    stop: &AtomicBool,
) -> bool {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    let mut framed = false;
    for (k, v) in &reply.headers {
        framed |=
            k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding");
        head.push_str(&format!("{k}: {}\r\n", v.replace(PORT, &port.to_string())));
    }
    let head_only = req.method == "HEAD";
    let mut out = |bytes: &[u8]| stream.write_all(bytes).is_ok();
    match &reply.body {
        Body::Close => false,
        Body::Silent => {
            let until = Instant::now() + REGISTRY_LIFETIME;
            while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
            false
        }
        Body::Raw(bytes) => {
            out(&with_port(bytes, port));
            false
        }
        Body::Full(bytes) => {
            let bytes = with_port(bytes, port);
            if !framed {
                head.push_str(&format!("Content-Length: {}\r\n", bytes.len()));
            }
            head.push_str("\r\n");
            out(head.as_bytes()) && (head_only || out(&bytes))
        }
        Body::Declared { declared, sent } => {
            head.push_str(&format!("Content-Length: {declared}\r\n\r\n"));
            out(head.as_bytes());
            out(sent);
            false
        }
        Body::Chunked(raw) => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            out(head.as_bytes());
            out(raw);
            false
        }
        Body::Dribble { bytes, every } => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            if !out(head.as_bytes()) {
                return false;
            }
            for b in bytes {
                std::thread::sleep(*every);
                if stop.load(Ordering::Relaxed) || !out(&[*b]) {
                    return false;
                }
            }
            true
        }
        Body::Filler {
            prefix,
            fill,
            count,
            suffix,
        } => {
            let total = prefix.len() as u64 + count + suffix.len() as u64;
            head.push_str(&format!("Content-Length: {total}\r\n\r\n"));
            if !out(head.as_bytes()) || !out(prefix) {
                return false;
            }
            let block = vec![*fill; 1 << 20];
            let mut left = *count;
            while left > 0 {
                let n = left.min(block.len() as u64) as usize;
                if stop.load(Ordering::Relaxed) || !out(&block[..n]) {
                    return false;
                }
                left -= n as u64;
            }
            out(suffix)
        }
        Body::Endless { prefix, fill } => {
            head.push_str("Connection: close\r\n\r\n");
            if !out(head.as_bytes()) || !out(prefix) {
                return false;
            }
            let block = vec![*fill; 1 << 20];
            let mut sent = 0u64;
            while sent < ENDLESS_CAP && !stop.load(Ordering::Relaxed) && out(&block) {
                sent += block.len() as u64;
            }
            false
        }
    }
}

// ---------------------------------------------------------------------------
// Cases

fn baseline(base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    Case::new(
        "baseline",
        "the undamaged artifact",
        parts.script(),
        Expect::Succeed,
        &base.component,
    )
}

fn generate(rng: &mut Rng, base: &Base, port: u16) -> Case {
    type Gen = fn(&mut Rng, &Base, u16) -> Case;
    let families: [(u32, Gen); 20] = [
        (1, |_, b, _| baseline(b)),
        (3, truncated_manifest),
        (3, flipped_manifest),
        (3, not_a_manifest),
        (3, media_types),
        (2, huge_manifest),
        (4, layer_size),
        (4, digests),
        (3, config),
        (2, layer_count),
        (2, index),
        (4, redirects),
        (4, auth),
        (3, server_errors),
        (4, cut_short),
        (2, slow),
        (3, chunked),
        (3, length_lies),
        (3, garbage_status),
        (3, not_a_component),
    ];
    let total: u32 = families.iter().map(|(w, _)| w).sum();
    let mut at = rng.below(total as usize) as u32;
    for (w, family) in families {
        if at < w {
            return family(rng, base, port);
        }
        at -= w;
    }
    baseline(base)
}

fn truncated_manifest(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let bytes = parts.manifest_bytes();
    let cut = rng.below(bytes.len());
    Case::new(
        "manifest/truncated",
        format!("the manifest cut at byte {cut} of {}", bytes.len()),
        parts.script_with_manifest(bytes[..cut].to_vec()),
        Expect::Fail,
        &base.component,
    )
}

fn flipped_manifest(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut bytes = parts.manifest_bytes();
    let n = 1 + rng.below(4);
    let mut what = Vec::new();
    for _ in 0..n {
        let at = rng.below(bytes.len());
        let b = (rng.next_u64() & 0xff) as u8;
        what.push(format!("{:#04x}->{b:#04x}@{at}", bytes[at]));
        bytes[at] = b;
    }
    Case::new(
        "manifest/bytes",
        format!("manifest bytes replaced: {}", what.join(", ")),
        parts.script_with_manifest(bytes),
        Expect::Either,
        &base.component,
    )
}

fn not_a_manifest(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let deep = "[".repeat(100_000);
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend(parts.manifest_bytes());
    let utf16: Vec<u8> = String::from_utf8_lossy(&parts.manifest_bytes())
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let mut duplicate = parts.manifest.clone();
    duplicate["schemaVersion"] = json!(2);
    let dup = String::from_utf8_lossy(&serde_json::to_vec(&duplicate).unwrap_or_default())
        .replacen("{", "{\"layers\":[],", 1);
    let options: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("null", b"null".to_vec()),
        ("an array", b"[]".to_vec()),
        ("an empty object", b"{}".to_vec()),
        ("schemaVersion only", b"{\"schemaVersion\":2}".to_vec()),
        (
            "schemaVersion 1",
            b"{\"schemaVersion\":1,\"name\":\"acme/app\",\"tag\":\"1.0\",\"fsLayers\":[]}".to_vec(),
        ),
        (
            "schemaVersion 2^64",
            b"{\"schemaVersion\":18446744073709551616}".to_vec(),
        ),
        ("100,000 nested arrays", deep.into_bytes()),
        ("a BOM first", with_bom),
        ("UTF-16", utf16),
        ("a duplicate `layers` key", dup.into_bytes()),
        (
            "random bytes",
            (0..512).map(|_| (rng.next_u64() & 0xff) as u8).collect(),
        ),
        ("NUL bytes", vec![0; 256]),
        ("a JSON string", b"\"\\u0000\\ud800\"".to_vec()),
    ];
    let (what, bytes) = &options[rng.below(options.len())];
    let expect = if what.starts_with("a duplicate") {
        Expect::Either
    } else {
        Expect::Fail
    };
    Case::new(
        "manifest/not-json",
        format!("the manifest is {what}"),
        parts.script_with_manifest(bytes.clone()),
        expect,
        &base.component,
    )
}

fn media_types(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut m = parts.clone();
    let (desc, expect, content_type) = match rng.below(9) {
        0 => {
            m.manifest["config"]["mediaType"] = json!("application/vnd.oci.image.config.v1+json");
            (
                "config media type is an image config",
                Expect::Fail,
                MANIFEST_TYPE,
            )
        }
        1 => {
            m.manifest["layers"][0]["mediaType"] =
                json!("application/vnd.oci.image.layer.v1.tar+gzip");
            ("layer media type is a tar", Expect::Fail, MANIFEST_TYPE)
        }
        2 => {
            m.manifest["layers"][0]["mediaType"] = json!("application/wasm; charset=\u{1b}[31m");
            (
                "layer media type with an escape sequence",
                Expect::Fail,
                MANIFEST_TYPE,
            )
        }
        3 => {
            m.manifest["mediaType"] = json!("application/vnd.docker.distribution.manifest.v2+json");
            (
                "manifest mediaType is Docker's",
                Expect::Either,
                MANIFEST_TYPE,
            )
        }
        4 => {
            m.manifest["mediaType"] = json!("text/\u{202e}lmth");
            (
                "manifest mediaType is unknown, with a bidi override",
                Expect::Fail,
                MANIFEST_TYPE,
            )
        }
        5 => {
            if let Some(o) = m.manifest.as_object_mut() {
                o.remove("mediaType");
            }
            ("manifest without mediaType", Expect::Either, MANIFEST_TYPE)
        }
        6 => ("served as text/html", Expect::Either, "text/html"),
        7 => ("served as an index", Expect::Either, INDEX_TYPE),
        _ => {
            m.manifest["config"]["mediaType"] = json!("");
            ("config media type empty", Expect::Fail, MANIFEST_TYPE)
        }
    };
    let mut script = m.script();
    script.manifests[0].1 = content_type.to_string();
    Case::new("manifest/media-type", desc, script, expect, &base.component)
}

/// A manifest of 100 MB (valid JSON, a huge annotation) or one that never
/// ends, streamed.
fn huge_manifest(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let mut parts = Parts::new(&base.component);
    parts.manifest["annotations"] = json!({"x": "@@FILL@@"});
    let text = String::from_utf8_lossy(&parts.manifest_bytes()).into_owned();
    let (prefix, suffix) = text.split_once("@@FILL@@").unwrap_or((&text, ""));
    let mut script = parts.script();
    let (desc, body, expect) = match rng.below(3) {
        0 => (
            "a 100 MB manifest (one annotation)",
            Body::Filler {
                prefix: prefix.as_bytes().to_vec(),
                fill: b'a',
                count: 100 << 20,
                suffix: suffix.as_bytes().to_vec(),
            },
            Expect::Either,
        ),
        1 => (
            "a manifest that never ends",
            Body::Endless {
                prefix: prefix.as_bytes().to_vec(),
                fill: b'a',
            },
            Expect::Fail,
        ),
        _ => (
            "100 MB of whitespace before the manifest",
            Body::Filler {
                prefix: Vec::new(),
                fill: b' ',
                count: 100 << 20,
                suffix: text.replace("@@FILL@@", "").into_bytes(),
            },
            Expect::Either,
        ),
    };
    script.rules.push(Rule::any(
        PathIs::Exact(manifest_path()),
        Reply::new(200, &[("Content-Type", MANIFEST_TYPE)], body),
    ));
    Case::new("manifest/huge", desc, script, expect, &base.component)
}

fn layer_size(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let len = base.component.len() as i64;
    let sizes: [(&str, Value, Expect); 12] = [
        ("size - 1", json!(len - 1), Expect::Fail),
        ("0", json!(0), Expect::Fail),
        ("1", json!(1), Expect::Fail),
        ("size + 1", json!(len + 1), Expect::Either),
        ("twice the size", json!(len * 2), Expect::Either),
        ("-1", json!(-1), Expect::Fail),
        ("i64::MIN", json!(i64::MIN), Expect::Fail),
        ("2^63 - 1", json!(i64::MAX), Expect::Fail),
        ("2^63", json!(1u64 << 63), Expect::Fail),
        ("512 MiB + 1", json!((512i64 << 20) + 1), Expect::Fail),
        ("a float", json!(len as f64 + 0.5), Expect::Fail),
        ("a string", json!(len.to_string()), Expect::Fail),
    ];
    let (what, size, expect) = &sizes[rng.below(sizes.len())];
    let mut m = parts.clone();
    m.manifest["layers"][0]["size"] = size.clone();
    Case::new(
        "layer/size",
        format!("the layer's size is {what} ({size})"),
        m.script(),
        *expect,
        &base.component,
    )
}

fn digests(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut m = parts.clone();
    let other = digest(b"other bytes");
    let real = digest(&base.component);
    let upper = format!("sha256:{}", real["sha256:".len()..].to_uppercase());
    let choice = rng.below(11);
    let desc = match choice {
        0 => {
            // The layer's digest names other bytes; the blob is served at it.
            m.manifest["layers"][0]["digest"] = json!(other);
            "the layer digest names other bytes"
        }
        1 => "the blob served at the layer's digest is other bytes",
        2 => {
            m.manifest["layers"][0]["digest"] = json!("sha256:xyz");
            "the layer digest is not hex"
        }
        3 => {
            m.manifest["layers"][0]["digest"] = json!("");
            "the layer digest is empty"
        }
        4 => {
            m.manifest["layers"][0]["digest"] = json!("md5:d41d8cd98f00b204e9800998ecf8427e");
            "the layer digest is md5"
        }
        5 => {
            m.manifest["layers"][0]["digest"] = json!("sha256:../../../../etc/passwd");
            "the layer digest is a path"
        }
        6 => {
            m.manifest["layers"][0]["digest"] = json!(upper);
            "the layer digest in upper case"
        }
        7 => {
            m.manifest["layers"][0]["digest"] = json!(format!("sha512:{}", "ab".repeat(64)));
            "the layer digest is a sha512 of other bytes"
        }
        8 => "the blob's Docker-Content-Digest header names other bytes",
        9 => "the manifest's Docker-Content-Digest header names other bytes",
        _ => {
            m = m.with_config(parts.config.clone());
            m.manifest["config"]["digest"] = json!(other);
            "the config digest names other bytes"
        }
    };
    let mut script = m.script();
    let layer_digest = m.manifest["layers"][0]["digest"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match choice {
        0 | 2..=7 => script
            .blobs
            .push((layer_digest.clone(), base.component.clone())),
        _ => {}
    }
    match choice {
        1 => {
            let mut wrong = base.component.clone();
            wrong.push(0);
            script.rules.push(Rule::any(
                PathIs::Exact(blob_path(&real)),
                Reply::new(200, &[], Body::Full(wrong)),
            ));
        }
        8 => script.rules.push(Rule::any(
            PathIs::Exact(blob_path(&real)),
            Reply::new(
                200,
                &[("Docker-Content-Digest", other.as_str())],
                Body::Full(base.component.clone()),
            ),
        )),
        9 => script.rules.push(Rule::any(
            PathIs::Exact(manifest_path()),
            Reply::new(
                200,
                &[
                    ("Content-Type", MANIFEST_TYPE),
                    ("Docker-Content-Digest", other.as_str()),
                ],
                Body::Full(m.manifest_bytes()),
            ),
        )),
        10 => script.blobs.push((other.clone(), parts.config.clone())),
        _ => {}
    }
    Case::new("digest", desc, script, Expect::Fail, &base.component)
}

fn config(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let (desc, config, expect): (&str, Vec<u8>, Expect) = match rng.below(7) {
        0 => (
            "the config is not JSON",
            b"not json at all".to_vec(),
            Expect::Fail,
        ),
        1 => ("the config is {}", b"{}".to_vec(), Expect::Fail),
        2 => (
            "the config is not UTF-8",
            vec![0xff, 0xfe, 0x00, 0x80],
            Expect::Fail,
        ),
        3 => (
            "the config has an escape sequence in `created`",
            br#"{"created":"\u001b]0;owned\u0007","architecture":"wasm","os":"wasip2"}"#.to_vec(),
            Expect::Either,
        ),
        4 => (
            "the config is 100,000 nested objects",
            "{\"a\":".repeat(100_000).into_bytes(),
            Expect::Fail,
        ),
        5 => {
            // A 100 MB config cannot be hashed cheaply here: it is served
            // where the small config's digest points, so a pull that reads
            // it all must refuse it.
            let mut s = parts.script();
            s.rules.push(Rule::any(
                PathIs::Exact(blob_path(&digest(&parts.config))),
                Reply::new(
                    200,
                    &[],
                    Body::Filler {
                        prefix: b"{\"x\":\"".to_vec(),
                        fill: b'c',
                        count: 100 << 20,
                        suffix: b"\"}".to_vec(),
                    },
                ),
            ));
            return Case::new(
                "config",
                "a 100 MB config blob",
                s,
                Expect::Fail,
                &base.component,
            );
        }
        _ => {
            let mut s = parts.script();
            s.rules.push(Rule::any(
                PathIs::Exact(blob_path(&digest(&parts.config))),
                Reply::new(
                    200,
                    &[],
                    Body::Endless {
                        prefix: Vec::new(),
                        fill: b'{',
                    },
                ),
            ));
            return Case::new(
                "config",
                "a config blob that never ends",
                s,
                Expect::Fail,
                &base.component,
            );
        }
    };
    let m = parts.clone().with_config(config);
    Case::new("config", desc, m.script(), expect, &base.component)
}

fn layer_count(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut m = parts.clone();
    let layer = parts.manifest["layers"][0].clone();
    let (desc, layers) = match rng.below(3) {
        0 => ("10,000 layers", vec![layer; 10_000]),
        1 => ("no layers", Vec::new()),
        _ => ("the layer twice", vec![layer.clone(), layer]),
    };
    m.manifest["layers"] = Value::Array(layers);
    Case::new(
        "layer/count",
        desc,
        m.script(),
        Expect::Fail,
        &base.component,
    )
}

fn index(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let inner = parts.manifest_bytes();
    let inner_digest = digest(&inner);
    let entry = |d: &str, size: usize| json!({"mediaType": MANIFEST_TYPE, "digest": d, "size": size, "platform": {"architecture": "wasm", "os": "wasip2"}});
    let (desc, index, expect) = match rng.below(4) {
        0 => (
            "an index naming the manifest",
            json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [entry(&inner_digest, inner.len())]}),
            Expect::Either,
        ),
        1 => (
            "an index of 10,000 entries",
            json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": vec![entry(&inner_digest, inner.len()); 10_000]}),
            Expect::Either,
        ),
        2 => (
            "an index with no entries",
            json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": []}),
            Expect::Fail,
        ),
        _ => {
            // An index that names an index that names itself.
            let nested = json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [entry("sha256:0000000000000000000000000000000000000000000000000000000000000000", 1)]});
            (
                "an index naming an index",
                json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [entry(&digest(&serde_json::to_vec(&nested).unwrap_or_default()), 1)], "x-nested": nested}),
                Expect::Fail,
            )
        }
    };
    let index_bytes = serde_json::to_vec(&index).expect("serializes");
    let mut script = parts.script();
    script.manifests = vec![
        (
            vec![TAG.to_string(), digest(&index_bytes)],
            INDEX_TYPE.to_string(),
            index_bytes,
        ),
        (vec![inner_digest], MANIFEST_TYPE.to_string(), inner),
    ];
    if let Some(nested) = index.get("x-nested") {
        let bytes = serde_json::to_vec(nested).unwrap_or_default();
        script
            .manifests
            .push((vec![digest(&bytes)], INDEX_TYPE.to_string(), bytes));
    }
    Case::new("index", desc, script, expect, &base.component)
}

fn redirect(to: &str) -> Reply {
    Reply::new(307, &[("Location", to)], Body::Full(Vec::new()))
}

fn redirects(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let real = digest(&base.component);
    let here = format!("http://127.0.0.1:{PORT}");
    let (desc, expect) = match rng.below(9) {
        0 => {
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect(&manifest_path()),
            ));
            ("the manifest redirects to itself", Expect::Fail)
        }
        1 => {
            script
                .rules
                .push(Rule::any(PathIs::Exact(manifest_path()), redirect("/a")));
            script.rules.push(Rule::any(
                PathIs::Exact("/a".into()),
                redirect(&format!("{here}/b")),
            ));
            script.rules.push(Rule::any(
                PathIs::Exact("/b".into()),
                redirect(&manifest_path()),
            ));
            ("the manifest redirects in a loop of three", Expect::Fail)
        }
        2 => {
            for n in 0..5 {
                script.rules.push(Rule::any(
                    PathIs::Exact(format!("/hop/{n}")),
                    redirect(&format!("/hop/{}", n + 1)),
                ));
            }
            let bytes = parts.manifest_bytes();
            script.rules.push(Rule::any(
                PathIs::Exact("/hop/5".into()),
                Reply::new(200, &[("Content-Type", MANIFEST_TYPE)], Body::Full(bytes)),
            ));
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect("/hop/0"),
            ));
            ("the manifest after five redirects", Expect::Either)
        }
        3 => {
            for n in 0..50 {
                script.rules.push(Rule::any(
                    PathIs::Exact(format!("/hop/{n}")),
                    redirect(&format!("/hop/{}", n + 1)),
                ));
            }
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect("/hop/0"),
            ));
            ("the manifest behind fifty redirects", Expect::Fail)
        }
        4 => {
            script.rules.push(Rule::any(
                PathIs::Exact(blob_path(&real)),
                redirect("/storage/layer"),
            ));
            script.rules.push(Rule::any(
                PathIs::Exact("/storage/layer".into()),
                Reply::new(200, &[], Body::Full(base.component.clone())),
            ));
            (
                "the layer redirects to storage, as many registries do",
                Expect::Either,
            )
        }
        5 => {
            script.rules.push(Rule::any(
                PathIs::Exact(blob_path(&real)),
                redirect(&blob_path(&real)),
            ));
            ("the layer redirects to itself", Expect::Fail)
        }
        6 => {
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect("http://127.0.0.1:1/v2/acme/app/manifests/1.0"),
            ));
            ("the manifest redirects to a closed port", Expect::Fail)
        }
        7 => {
            let to = *rng.pick(&[
                "http://[::1",
                "file:///etc/passwd",
                "",
                "//",
                "http://127.0.0.1:99999/",
                "javascript:alert(1)",
                "\u{1b}[2J",
            ]);
            script
                .rules
                .push(Rule::any(PathIs::Exact(manifest_path()), redirect(to)));
            ("the manifest redirects to a bad Location", Expect::Fail)
        }
        _ => {
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                Reply::new(302, &[], Body::Full(Vec::new())),
            ));
            ("a redirect with no Location", Expect::Fail)
        }
    };
    Case::new("redirect", desc, script, expect, &base.component)
}

fn auth(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let realm = format!("http://127.0.0.1:{PORT}/token");
    let challenges = [
        format!("Bearer realm=\"{realm}\",service=\"fake\",scope=\"repository:acme/app:pull\""),
        "Bearer".to_string(),
        "Bearer realm=\"\"".to_string(),
        "Bearer realm=\"file:///etc/passwd\"".to_string(),
        "Bearer realm=\"http://127.0.0.1:1/token\"".to_string(),
        "Bearer realm=\"http://127.0.0.1:{PORT}/token\",realm=\"http://127.0.0.1:{PORT}/other\""
            .to_string(),
        "Basic realm=\"fake\"".to_string(),
        "Bearer realm=\"unterminated".to_string(),
        format!("Bearer realm=\"{realm}\",{}", "x=\"y\",".repeat(5000)),
        "Negotiate".to_string(),
        "Bearer realm=\"http://127.0.0.1:{PORT}/token\",error=\"\u{1b}[31minvalid\u{1b}[0m\""
            .to_string(),
    ];
    let challenge = challenges[rng.below(challenges.len())].clone();
    let tokens: [(&str, Reply); 6] = [
        (
            "a token",
            Reply::json(200, br#"{"token":"abc","expires_in":60}"#),
        ),
        ("not JSON", Reply::json(200, b"<html>no</html>")),
        (
            "a 401",
            Reply::error(401, "UNAUTHORIZED", "no token for you"),
        ),
        (
            "a 10 MB token",
            Reply::new(
                200,
                &[("Content-Type", "application/json")],
                Body::Filler {
                    prefix: b"{\"token\":\"".to_vec(),
                    fill: b't',
                    count: 10 << 20,
                    suffix: b"\"}".to_vec(),
                },
            ),
        ),
        (
            "an endless body",
            Reply::new(
                200,
                &[],
                Body::Endless {
                    prefix: b"{\"token\":\"".to_vec(),
                    fill: b't',
                },
            ),
        ),
        ("a redirect to itself", redirect("/token")),
    ];
    let (token_what, token) = &tokens[rng.below(tokens.len())];
    let unauthorized = Reply::new(
        401,
        &[
            ("WWW-Authenticate", challenge.as_str()),
            ("Content-Type", "application/json"),
        ],
        Body::Full(
            br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec(),
        ),
    );
    script
        .rules
        .push(Rule::any(PathIs::Prefix("/token".into()), token.clone()));
    let (where_, expect) = match rng.below(2) {
        // Only the version check asks: the rest is open, so the pull may
        // go on anonymously.
        0 => {
            script
                .rules
                .push(Rule::any(PathIs::Exact("/v2/".into()), unauthorized));
            ("/v2/", Expect::Either)
        }
        _ => {
            script
                .rules
                .push(Rule::any(PathIs::Prefix("/v2/".into()), unauthorized));
            ("every path", Expect::Fail)
        }
    };
    Case::new(
        "auth",
        format!(
            "401 on {where_} with `WWW-Authenticate: {}`; the token endpoint answers {token_what}",
            clip(&challenge, 100)
        ),
        script,
        expect,
        &base.component,
    )
}

fn server_errors(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let real = digest(&base.component);
    let replies: [(&str, Reply); 9] = [
        ("500", Reply::error(500, "INTERNAL", "boom")),
        (
            "503 with Retry-After",
            Reply::new(503, &[("Retry-After", "1")], Body::Full(Vec::new())),
        ),
        (
            "429",
            Reply::new(
                429,
                &[("Retry-After", "99999999999")],
                Body::Full(Vec::new()),
            ),
        ),
        (
            "404 whose message has escapes",
            Reply::error(
                404,
                "MANIFEST_UNKNOWN",
                "\u{1b}[2J\u{1b}[31mrm -rf /\u{1b}[0m \u{202e}gnp.exe\u{0007}",
            ),
        ),
        (
            "500 with a 50 MB body",
            Reply::new(
                500,
                &[],
                Body::Filler {
                    prefix: Vec::new(),
                    fill: b'e',
                    count: 50 << 20,
                    suffix: Vec::new(),
                },
            ),
        ),
        (
            "200 with no body",
            Reply::new(
                200,
                &[("Content-Type", MANIFEST_TYPE)],
                Body::Full(Vec::new()),
            ),
        ),
        ("204", Reply::new(204, &[], Body::Full(Vec::new()))),
        (
            "a 100 Continue, then the answer",
            Reply::new(100, &[], Body::Raw(Vec::new())),
        ),
        (
            "418 with an error list of 100,000",
            Reply::json(
                418,
                format!(
                    "{{\"errors\":[{}]}}",
                    vec!["{\"code\":\"X\",\"message\":\"m\"}"; 100_000].join(",")
                )
                .as_bytes(),
            ),
        ),
    ];
    let (what, mut reply) = replies[rng.below(replies.len())].clone();
    let on_blob = rng.below(2) == 0;
    let path = if on_blob {
        blob_path(&real)
    } else {
        manifest_path()
    };
    if what.starts_with("a 100 Continue") {
        let real_bytes = if on_blob {
            base.component.clone()
        } else {
            parts.manifest_bytes()
        };
        let mut raw = format!(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            real_bytes.len()
        )
        .into_bytes();
        raw.extend(real_bytes);
        reply = Reply::new(200, &[], Body::Raw(raw));
    }
    let expect = if what.starts_with("a 100 Continue") {
        Expect::Either
    } else {
        Expect::Fail
    };
    script.rules.push(Rule::any(PathIs::Exact(path), reply));
    Case::new(
        "status",
        format!(
            "{what} for the {}",
            if on_blob { "layer" } else { "manifest" }
        ),
        script,
        expect,
        &base.component,
    )
}

/// Which of the three documents a case damages.
fn target(rng: &mut Rng, parts: &Parts) -> (&'static str, String, Vec<u8>, &'static str) {
    match rng.below(3) {
        0 => (
            "manifest",
            manifest_path(),
            parts.manifest_bytes(),
            MANIFEST_TYPE,
        ),
        1 => (
            "config",
            blob_path(&digest(&parts.config)),
            parts.config.clone(),
            "application/octet-stream",
        ),
        _ => (
            "layer",
            blob_path(&digest(&parts.layer)),
            parts.layer.clone(),
            "application/octet-stream",
        ),
    }
}

fn cut_short(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let cut = rng.below(bytes.len().max(1));
    let (desc, body) = match rng.below(3) {
        0 => (
            format!("the {what} stops after {cut} of {} bytes", bytes.len()),
            Body::Declared {
                declared: bytes.len().to_string(),
                sent: bytes[..cut].to_vec(),
            },
        ),
        1 => (
            format!("the {what}'s connection closes before any answer"),
            Body::Close,
        ),
        _ => (
            format!("the {what}'s head only, then close"),
            Body::Declared {
                declared: bytes.len().to_string(),
                sent: Vec::new(),
            },
        ),
    };
    script.rules.push(Rule::any(
        PathIs::Exact(path),
        Reply::new(200, &[("Content-Type", content_type)], body),
    ));
    Case::new("cut-short", desc, script, Expect::Fail, &base.component)
}

fn slow(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let (desc, body, expect) = match rng.below(3) {
        0 => (
            format!(
                "the {what} dribbled one byte per 50 ms ({} bytes)",
                bytes.len()
            ),
            Body::Dribble {
                bytes: bytes.clone(),
                every: Duration::from_millis(50),
            },
            Expect::Either,
        ),
        1 => (
            format!("the {what} dribbled one byte per second"),
            Body::Dribble {
                bytes: bytes.clone(),
                every: Duration::from_secs(1),
            },
            Expect::Fail,
        ),
        _ => (
            format!("no answer for the {what}"),
            Body::Silent,
            Expect::Fail,
        ),
    };
    // A 50 ms dribble of a long document outlasts the timeout.
    let expect = if matches!(expect, Expect::Either) && bytes.len() as u64 * 50 > 4000 {
        Expect::Fail
    } else {
        expect
    };
    script.rules.push(Rule::any(
        PathIs::Exact(path),
        Reply::new(200, &[("Content-Type", content_type)], body),
    ));
    Case::new("slow", desc, script, expect, &base.component)
}

fn chunked(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let good = {
        let mut b = format!("{:x}\r\n", bytes.len()).into_bytes();
        b.extend_from_slice(&bytes);
        b.extend_from_slice(b"\r\n0\r\n\r\n");
        b
    };
    let mut short = format!("{:x}\r\n", bytes.len() + 10).into_bytes();
    short.extend_from_slice(&bytes);
    let garbage: [(&str, Vec<u8>, Expect); 8] = [
        ("correct chunked encoding", good, Expect::Either),
        (
            "chunk size `zz`",
            b"zz\r\nhello\r\n0\r\n\r\n".to_vec(),
            Expect::Fail,
        ),
        (
            "chunk size ffffffffffffffff",
            b"ffffffffffffffff\r\nhello".to_vec(),
            Expect::Fail,
        ),
        (
            "chunk size 2^64",
            b"10000000000000000\r\nhello\r\n0\r\n\r\n".to_vec(),
            Expect::Fail,
        ),
        (
            "a chunk longer than the bytes sent, then close",
            short,
            Expect::Fail,
        ),
        (
            "no last chunk, then close",
            {
                let mut b = format!("{:x}\r\n", bytes.len()).into_bytes();
                b.extend_from_slice(&bytes);
                b.extend_from_slice(b"\r\n");
                b
            },
            Expect::Either,
        ),
        (
            "a 1 MiB chunk extension",
            format!("1;{}\r\nx\r\n0\r\n\r\n", "e".repeat(1 << 20)).into_bytes(),
            Expect::Fail,
        ),
        (
            "a negative chunk size",
            b"-5\r\nhello\r\n0\r\n\r\n".to_vec(),
            Expect::Fail,
        ),
    ];
    let (how, raw, expect) = &garbage[rng.below(garbage.len())];
    script.rules.push(Rule::any(
        PathIs::Exact(path),
        Reply::new(
            200,
            &[("Content-Type", content_type)],
            Body::Chunked(raw.clone()),
        ),
    ));
    Case::new(
        "chunked",
        format!("the {what} with {how}"),
        script,
        *expect,
        &base.component,
    )
}

/// How a lie is told: in words, the headers, the body.
type Lie = (String, Vec<(&'static str, String)>, Vec<u8>);

fn length_lies(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let n = bytes.len();
    let mut more = bytes.clone();
    more.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let lies: [Lie; 7] = [
        (
            format!("Content-Length {} for {n} bytes", n / 2),
            vec![("Content-Length", (n / 2).to_string())],
            bytes.clone(),
        ),
        (
            format!(
                "Content-Length {n} for {} bytes (a response smuggled after)",
                more.len()
            ),
            vec![("Content-Length", n.to_string())],
            more,
        ),
        (
            "two Content-Lengths that disagree".to_string(),
            vec![
                ("Content-Length", n.to_string()),
                ("Content-Length", (n + 1).to_string()),
            ],
            bytes.clone(),
        ),
        (
            "Content-Length `abc`".to_string(),
            vec![("Content-Length", "abc".to_string())],
            bytes.clone(),
        ),
        (
            "Content-Length -1".to_string(),
            vec![("Content-Length", "-1".to_string())],
            bytes.clone(),
        ),
        (
            "Content-Length 2^64".to_string(),
            vec![("Content-Length", "18446744073709551616".to_string())],
            bytes.clone(),
        ),
        (
            "Content-Length and chunked".to_string(),
            vec![
                ("Content-Length", n.to_string()),
                ("Transfer-Encoding", "chunked".to_string()),
            ],
            bytes.clone(),
        ),
    ];
    let (how, headers, body) = &lies[rng.below(lies.len())];
    let mut reply = Reply::new(
        200,
        &[("Content-Type", content_type)],
        Body::Raw(Vec::new()),
    );
    // Raw, so the lie goes out exactly as written, then the connection
    // closes.
    let mut raw = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n").into_bytes();
    for (k, v) in headers {
        raw.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(body);
    reply.body = Body::Raw(raw);
    script.rules.push(Rule::any(PathIs::Exact(path), reply));
    Case::new(
        "length-lies",
        format!("the {what} with {how}"),
        script,
        Expect::Either,
        &base.component,
    )
}

fn garbage_status(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let many: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let options: [(&str, Vec<u8>); 9] = [
        (
            "status 999",
            b"HTTP/1.1 999 Weird\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        (
            "status abc",
            b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        ("an SSH banner", b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()),
        ("HTTP/0.9 (a body with no head)", parts.manifest_bytes()),
        (
            "a head that never ends",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n".to_vec(),
        ),
        (
            "a 100 KiB header line",
            format!(
                "HTTP/1.1 200 OK\r\nX-Long: {}\r\nContent-Length: 0\r\n\r\n",
                "l".repeat(100 << 10)
            )
            .into_bytes(),
        ),
        (
            "10,000 headers",
            format!("HTTP/1.1 200 OK\r\n{many}Content-Length: 0\r\n\r\n").into_bytes(),
        ),
        (
            "random bytes",
            (0..256).map(|_| (rng.next_u64() & 0xff) as u8).collect(),
        ),
        ("an HTTP/2 SETTINGS frame", vec![0, 0, 0, 4, 0, 0, 0, 0, 0]),
    ];
    let (what, raw) = &options[rng.below(options.len())];
    let on = if rng.below(3) == 0 {
        "/v2/".to_string()
    } else {
        manifest_path()
    };
    let expect = if on == "/v2/" {
        Expect::Either
    } else {
        Expect::Fail
    };
    script.rules.push(Rule::any(
        PathIs::Exact(on.clone()),
        Reply::new(200, &[], Body::Raw(raw.clone())),
    ));
    Case::new(
        "garbage-status",
        format!("{what} instead of an answer on {on}"),
        script,
        expect,
        &base.component,
    )
}

fn not_a_component(rng: &mut Rng, base: &Base, _: u16) -> Case {
    let mut truncated = base.component.clone();
    truncated.truncate(base.component.len() / 2);
    let options: [(&str, Vec<u8>, Expect); 6] = [
        ("a core module", base.core_module.clone(), Expect::Fail),
        ("a WIT package", base.wit_package.clone(), Expect::Fail),
        ("empty", Vec::new(), Expect::Fail),
        (
            "random bytes",
            (0..300).map(|_| (rng.next_u64() & 0xff) as u8).collect(),
            Expect::Fail,
        ),
        ("the component cut in half", truncated, Expect::Either),
        (
            "a component preamble only",
            b"\0asm\x0d\0\x01\0".to_vec(),
            Expect::Either,
        ),
    ];
    let (what, layer, expect) = &options[rng.below(options.len())];
    let parts = Parts::new(layer);
    let mut script = parts.script();
    if rng.below(2) == 0 {
        // The layer names other places to fetch it from, which a client
        // tries when the registry has no such blob.
        let mut m = parts.clone();
        m.manifest["layers"][0]["urls"] = json!([
            format!("http://127.0.0.1:{PORT}/foreign"),
            "file:///etc/passwd"
        ]);
        script = m.script();
        script.blobs.retain(|(d, _)| *d != digest(layer));
        script.rules.push(Rule::any(
            PathIs::Exact("/foreign".into()),
            Reply::new(200, &[], Body::Full(layer.clone())),
        ));
        return Case::new(
            "not-a-component",
            format!("the layer is {what}, fetched from its `urls`"),
            script,
            *expect,
            layer,
        );
    }
    Case::new(
        "not-a-component",
        format!("the layer is {what}"),
        script,
        *expect,
        layer,
    )
}

/// The hex SHA-256 of `data`.
fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `sha256:<hex>`, as OCI spells a digest.
fn digest(data: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(data))
}
