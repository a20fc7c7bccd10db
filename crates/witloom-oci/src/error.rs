//! What can go wrong with a registry, classified by the client library's
//! error types (never by message text), each naming the reference or
//! registry and, through the CLI's renderer, what to do.

use oci_client::Reference;
use oci_client::errors::{OciDistributionError, OciErrorCode};
use std::time::Duration;
use witloom_diag::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum OciError {
    #[error("`{reference}` is not an OCI reference: {reason}")]
    BadReference { reference: String, reason: String },
    #[error("cannot reach the registry `{registry}`: {reason}")]
    Unreachable { registry: String, reason: String },
    #[error("the registry `{registry}` did not finish within {}s", timeout.as_secs_f64())]
    Timeout { registry: String, timeout: Duration },
    #[error("`{reference}` is not in the registry")]
    NotFound { reference: String },
    #[error("the registry refused access to `{reference}`: {reason}")]
    Denied { reference: String, reason: String },
    #[error("`{reference}` is not a wasm artifact: {reason}")]
    NotWasm { reference: String, reason: String },
    #[error("`{reference}`: the registry sent bytes whose digest is {actual}, not {expected}")]
    Digest {
        reference: String,
        expected: String,
        actual: String,
    },
    #[error("`{reference}` is now {found}, but the lock file says {locked}")]
    Locked {
        reference: String,
        locked: String,
        found: String,
    },
    #[error("`{reference}` is {size} bytes, more than the {max} witloom accepts")]
    TooLarge {
        reference: String,
        size: i64,
        max: u64,
    },
    #[error(
        "`{reference}`: the registry sent more than the {declared} bytes its manifest declares"
    )]
    Oversized { reference: String, declared: i64 },
    #[error("`{file}` is not a component: {reason}")]
    NotComponent { file: String, reason: String },
    #[error("not a component or WIT package: {reason}")]
    NotAComponent { reason: String },
    #[error("`{}` is not a usable OCI image layout: {reason}", dir.display())]
    Layout {
        dir: std::path::PathBuf,
        reason: String,
    },
    #[error("the registry `{registry}` failed: {reason}")]
    Registry { registry: String, reason: String },
}

impl OciError {
    /// Sorts a client error into what it means for the user.
    pub(crate) fn classify(
        reference: &Reference,
        timeout: Duration,
        e: OciDistributionError,
    ) -> OciError {
        let mut e = Self::sort(reference, timeout, e);
        // A registry's own words are shown, but not without end: an error
        // body of 300 KB is the registry's problem, not the user's screen.
        if let OciError::Registry { reason, .. } | OciError::Denied { reason, .. } = &mut e {
            clip(reason);
        }
        e
    }

    fn sort(reference: &Reference, timeout: Duration, e: OciDistributionError) -> OciError {
        let registry = reference.resolve_registry().to_string();
        let shown = reference.whole();
        match e {
            OciDistributionError::ImageManifestNotFoundError(_) => {
                OciError::NotFound { reference: shown }
            }
            OciDistributionError::RegistryError { envelope, .. } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                let message = envelope
                    .errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::BlobUnknown
                            | OciErrorCode::NotFound
                    )
                }) {
                    OciError::NotFound { reference: shown }
                } else if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    OciError::Denied {
                        reference: shown,
                        reason: message,
                    }
                } else {
                    OciError::Registry {
                        registry,
                        reason: message,
                    }
                }
            }
            OciDistributionError::ServerError { code: 404, .. } => {
                OciError::NotFound { reference: shown }
            }
            OciDistributionError::ServerError {
                code: code @ (401 | 403),
                message,
                ..
            } => OciError::Denied {
                reference: shown,
                reason: format!("HTTP {code} {message}"),
            },
            OciDistributionError::AuthenticationFailure(reason) => OciError::Denied {
                reference: shown,
                reason,
            },
            OciDistributionError::DigestError(
                oci_client::errors::DigestError::VerificationError { expected, actual },
            ) => OciError::Digest {
                reference: shown,
                expected,
                actual,
            },
            OciDistributionError::RequestError(e) if e.is_connect() => OciError::Unreachable {
                registry,
                reason: io_reason(&e).unwrap_or_else(|| source_chain(&e)),
            },
            OciDistributionError::RequestError(e) if e.is_timeout() => {
                OciError::Timeout { registry, timeout }
            }
            OciDistributionError::IoError(e) => {
                match e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<oci_client::errors::DigestError>())
                {
                    Some(oci_client::errors::DigestError::VerificationError {
                        expected,
                        actual,
                    }) => OciError::Digest {
                        reference: shown,
                        expected: expected.clone(),
                        actual: actual.clone(),
                    },
                    _ => OciError::Registry {
                        registry,
                        reason: e.to_string(),
                    },
                }
            }
            other => OciError::Registry {
                registry,
                reason: source_chain(&other),
            },
        }
    }
}

/// The operating system's words for the I/O error under `e`, if one is
/// (`connection refused`).
fn io_reason(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(e);
    while let Some(cause) = next {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(witloom_diag::io::reason(io));
        }
        next = cause.source();
    }
    None
}

/// An error and its causes, `: `-joined (reqwest hides the useful part,
/// "Connection refused", in its sources).
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

impl From<OciError> for Diagnostic {
    fn from(e: OciError) -> Diagnostic {
        let d = Diagnostic::new(e.to_string());
        match e {
            OciError::BadReference { .. } => {
                d.with_help("write it as REGISTRY/REPOSITORY:TAG, e.g. 127.0.0.1:5000/acme/app:1.0.0")
            }
            OciError::Unreachable { .. } | OciError::Timeout { .. } => d.with_help(
                "check the address and that the registry is running; plain HTTP is used only for localhost and 127.0.0.1 registries (or with --insecure)",
            ),
            OciError::NotFound { .. } => {
                d.with_help("check the repository and the tag (list its tags with `skopeo list-tags`)")
            }
            OciError::Denied { .. } => d.with_help(
                "log in with `docker login REGISTRY` (witloom reads the Docker config and its credential helpers)",
            ),
            OciError::Digest { .. } => d.with_help(
                "the registry or something between it and you altered the bytes; nothing was written",
            ),
            OciError::Locked { .. } => d.with_help(
                "the tag was moved to other bytes since it was locked; if that is expected, delete its entry from the lock file and run again",
            ),
            _ => d,
        }
    }
}

/// The most of a registry's message an error shows.
const MAX_REASON: usize = 1000;

/// Cuts `reason` to [`MAX_REASON`] bytes (at a character boundary), saying
/// how much was left out.
fn clip(reason: &mut String) {
    if reason.len() <= MAX_REASON {
        return;
    }
    let mut end = MAX_REASON;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let left = reason.len() - end;
    reason.truncate(end);
    reason.push_str(&format!("… ({left} more bytes)"));
}
