//! The hostile registry of one case, as the OCI distribution API sees it:
//! manifests by reference, blobs by digest, and the case's own rules ahead
//! of both. It is served by witloom-testkit's scripted HTTP/1.1 server,
//! which bounds every read, write and connection and stops when the case
//! ends.

use crate::support::clip;
use anyhow::Result;
use serde_json::json;
use witloom_testkit::scripted::{self, Answer, Body, PathIs, Response, Rule, ScriptedServer};

pub(super) use witloom_testkit::scripted::PORT;

pub(super) const REPO: &str = "acme/app";
pub(super) const TAG: &str = "1.0";

/// What a case's registry answers: manifests by reference, blobs by
/// digest, and rules that override both (and `/v2/`).
#[derive(Clone, Default)]
pub(super) struct Script {
    /// (references it answers to, Content-Type, bytes).
    pub manifests: Vec<(Vec<String>, String, Vec<u8>)>,
    pub blobs: Vec<(String, Vec<u8>)>,
    /// Checked first, in order.
    pub rules: Vec<Rule>,
}

impl Script {
    /// Starts serving this registry on a free loopback port.
    pub fn serve(&self) -> Result<ScriptedServer> {
        Ok(ScriptedServer::start(self.scripted())?)
    }

    /// The scripted server's rules: the case's own first, then the
    /// distribution API (`/v2/`, manifests, blobs), then a 404 in the
    /// registry's error envelope for anything else.
    fn scripted(&self) -> scripted::Script {
        let mut rules = self.rules.clone();
        let version = Response::new(
            200,
            &[
                ("Content-Type", "application/json"),
                ("Docker-Distribution-API-Version", "registry/2.0"),
            ],
            Body::Full(b"{}".to_vec()),
        );
        rules.push(Rule::any(PathIs::Exact("/v2/".into()), version.clone()));
        rules.push(Rule::any(PathIs::Exact("/v2".into()), version));
        let manifests = format!("/v2/{REPO}/manifests/");
        for (refs, media_type, bytes) in &self.manifests {
            let found = Response::new(
                200,
                &[
                    ("Content-Type", media_type.as_str()),
                    ("Docker-Content-Digest", &digest(bytes)),
                ],
                Body::Full(bytes.clone()),
            );
            for reference in refs {
                rules.push(Rule::any(
                    PathIs::Exact(format!("{manifests}{reference}")),
                    found.clone(),
                ));
            }
        }
        rules.push(Rule::any(
            PathIs::Prefix(manifests),
            oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown"),
        ));
        let blobs = format!("/v2/{REPO}/blobs/");
        for (d, bytes) in &self.blobs {
            rules.push(Rule::any(
                PathIs::Exact(format!("{blobs}{d}")),
                Response::new(
                    200,
                    &[
                        ("Content-Type", "application/octet-stream"),
                        ("Docker-Content-Digest", d.as_str()),
                    ],
                    Body::Full(bytes.clone()),
                ),
            ));
        }
        rules.push(Rule::any(
            PathIs::Prefix(blobs),
            oci_error(404, "BLOB_UNKNOWN", "blob unknown"),
        ));
        scripted::Script {
            rules,
            fallback: Some(oci_error(404, "NOT_FOUND", "not found").into()),
        }
    }
}

pub(super) fn manifest_path() -> String {
    format!("/v2/{REPO}/manifests/{TAG}")
}

pub(super) fn blob_path(digest: &str) -> String {
    format!("/v2/{REPO}/blobs/{digest}")
}

/// An answer in the registry's error envelope, with this message.
pub(super) fn oci_error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({"errors": [{"code": code, "message": message, "detail": null}]});
    Response::json(status, &serde_json::to_vec(&body).expect("serializes"))
}

/// A rule in words, for a reproducer.
pub(super) fn describe_rule(rule: &Rule) -> String {
    let path = match &rule.path {
        PathIs::Any => "*".to_string(),
        PathIs::Exact(p) => p.clone(),
        PathIs::Prefix(p) => format!("{p}*"),
    };
    let answer = match &rule.answer {
        Answer::Reply(response) => describe_response(response),
        Answer::Raw(_) => "raw bytes".to_string(),
    };
    format!(
        "{} {path} -> {answer}",
        rule.method.as_deref().unwrap_or("*")
    )
}

fn describe_response(response: &Response) -> String {
    let body = match &response.body {
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
    format!("{} {:?} {body}", response.status, response.headers)
}

/// The hex SHA-256 of `data`.
pub(super) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `sha256:<hex>`, as OCI spells a digest.
pub(super) fn digest(data: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(data))
}
