//! What can go wrong with a registry, classified by the client library's
//! error types (never by message text), each naming the reference or
//! registry and, through the CLI's renderer, what to do. Where a failure
//! has a cause of its own (an I/O error, JSON that does not parse, the
//! client library's error), the cause is kept as the error's source, and
//! the message says it in the same words.

use oci_client::Reference;
use oci_client::errors::{OciDistributionError, OciErrorCode};
use std::time::Duration;
use witloom_diag::Diagnostic;
use witloom_diag::io::reason as io_words;

#[derive(Debug, thiserror::Error)]
pub enum OciError {
    #[error("`{reference}` is not an OCI reference: {reason}")]
    BadReference { reference: String, reason: String },
    #[error("cannot reach the registry `{registry}`: {}", connect_words(.source))]
    Unreachable {
        registry: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the registry `{registry}` did not finish within {}s", timeout.as_secs_f64())]
    Timeout { registry: String, timeout: Duration },
    #[error("`{reference}` is not in the registry")]
    NotFound { reference: String },
    #[error("`{reference}` names a digest; a push names a tag (the digest is the result)")]
    PushToDigest { reference: String },
    /// `reason` is the registry's words, or why witloom would not answer
    /// its authentication challenge; clipped.
    #[error("the registry refused access to `{reference}`: {reason}")]
    Denied { reference: String, reason: String },
    #[error("`{reference}` is not a wasm artifact: {reason}")]
    NotWasm {
        reference: String,
        #[source]
        reason: NotWasmReason,
    },
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
    NotComponent {
        file: String,
        #[source]
        reason: NotComponentReason,
    },
    #[error("not a component or WIT package: {reason}")]
    NotAComponent {
        #[source]
        reason: NotAComponentReason,
    },
    #[error("`{}` is not a usable OCI image layout: {reason}", dir.display())]
    Layout {
        dir: std::path::PathBuf,
        #[source]
        reason: LayoutReason,
    },
    /// The reason is clipped to [`MAX_REASON`] bytes when shown: it may be
    /// the registry's own words, of any length.
    #[error("the registry `{registry}` failed: {}", clipped(reason.to_string()))]
    Registry {
        registry: String,
        #[source]
        reason: RegistryReason,
    },
}

/// Why a manifest does not describe a wasm artifact (one
/// `application/wasm` layer and a wasm config).
#[derive(Debug, thiserror::Error)]
pub enum NotWasmReason {
    #[error("its config declares a negative size ({0})")]
    NegativeConfigSize(i64),
    #[error("its config is `{0}`, not `{expected}`", expected = crate::CONFIG_MEDIA_TYPE)]
    ConfigMediaType(String),
    #[error("it has {0} layers, not one")]
    Layers(usize),
    #[error("its layer is `{0}`, not `{expected}`", expected = crate::LAYER_MEDIA_TYPE)]
    LayerMediaType(String),
    #[error("its layer declares a negative size ({0})")]
    NegativeLayerSize(i64),
    #[error("its config does not parse: {0}")]
    Config(#[source] serde_json::Error),
}

/// Why a file is not a component witloom ships.
#[derive(Debug, thiserror::Error)]
pub enum NotComponentReason {
    #[error("it is a core wasm module; build a component (`witloom build`)")]
    CoreModule,
    #[error("it is not WebAssembly")]
    NotWebAssembly,
    #[error("it is a WIT package; publish it with `witloom wit publish`")]
    WitPackage,
    #[error("{0}")]
    Binary(#[source] wasmparser::BinaryReaderError),
}

/// Why the names of a component or WIT package could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NotAComponentReason {
    #[error("{0}")]
    Binary(#[source] wasmparser::BinaryReaderError),
    /// wit-component's error; shown with its context, `: `-joined.
    #[error("{}", context_chain(.0))]
    Decode(#[source] anyhow::Error),
    #[error("it exports only types, but does not decode as a WIT package")]
    TypesOnly,
}

/// Why an OCI image layout cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum LayoutReason {
    #[error("{0}")]
    File(#[source] witloom_diag::IoError),
    #[error("cannot read its index.json: {}", io_words(&.0.source))]
    UnreadableIndex(#[source] witloom_diag::IoError),
    #[error("its index.json: {}", io_words(.0))]
    Index(#[source] std::io::Error),
    #[error("no index.json: {}", io_words(.0))]
    NoIndex(#[source] std::io::Error),
    #[error("its index.json is not a small regular file")]
    IndexNotSmall,
    #[error("its index.json has no `manifests` list")]
    NoManifests,
    #[error("the index entry of `{tag}` has no digest")]
    NoDigest { tag: String },
    /// `what` is `its index.json`, `its manifest` or `its config`.
    #[error("{what} does not parse: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{digest}` is not a sha256 digest")]
    NotSha256 { digest: String },
    #[error("blob {digest}: {}", io_words(.source))]
    Blob {
        digest: String,
        #[source]
        source: std::io::Error,
    },
    #[error("blob {digest} is not a regular file")]
    BlobNotFile { digest: String },
}

/// Why a registry operation failed, when it is neither a refusal nor a
/// missing artifact.
#[derive(Debug, thiserror::Error)]
pub enum RegistryReason {
    /// The messages of the registry's error envelope.
    #[error("{}", .0.join("; "))]
    Said(Vec<String>),
    /// The client library's error with its causes (reqwest hides the
    /// useful part, "Connection refused", in its sources).
    #[error("{}", source_chain(.0))]
    Client(#[source] OciDistributionError),
    #[error("{0}")]
    Io(#[source] std::io::Error),
    /// The manifest is not JSON of a manifest. The words are
    /// `oci-client`'s, which said this before witloom read manifests
    /// itself.
    #[error("Failed to parse manifest as Versioned object: {0}")]
    ManifestJson(#[source] serde_json::Error),
    #[error("cannot start the I/O runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// A failed registry operation's error, made into what it means for the
/// user; `client::run` takes operations that fail with one.
pub(crate) trait Classify {
    fn classify(self, reference: &Reference, timeout: Duration) -> OciError;
}

impl Classify for OciDistributionError {
    fn classify(self, reference: &Reference, timeout: Duration) -> OciError {
        let mut e = sort(reference, timeout, self);
        // A registry's own words are shown, but not without end: an error
        // body of 300 KB is the registry's problem, not the user's screen.
        // (`Registry` clips when it is shown.)
        if let OciError::Denied { reason, .. } = &mut e {
            *reason = clipped(std::mem::take(reason));
        }
        e
    }
}

/// Sorts a client error into what it means for the user.
fn sort(reference: &Reference, timeout: Duration, e: OciDistributionError) -> OciError {
    let registry = reference.resolve_registry().to_string();
    let shown = reference.whole();
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => {
            OciError::NotFound { reference: shown }
        }
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            let messages: Vec<String> = envelope.errors.iter().map(|e| e.message.clone()).collect();
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
                    reason: messages.join("; "),
                }
            } else {
                OciError::Registry {
                    registry,
                    reason: RegistryReason::Said(messages),
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
        OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
            expected,
            actual,
        }) => OciError::Digest {
            reference: shown,
            expected,
            actual,
        },
        OciDistributionError::RequestError(e) if e.is_connect() => OciError::Unreachable {
            registry,
            source: e,
        },
        OciDistributionError::RequestError(e) if e.is_timeout() => {
            OciError::Timeout { registry, timeout }
        }
        OciDistributionError::IoError(e) => {
            match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<oci_client::errors::DigestError>())
            {
                Some(oci_client::errors::DigestError::VerificationError { expected, actual }) => {
                    OciError::Digest {
                        reference: shown,
                        expected: expected.clone(),
                        actual: actual.clone(),
                    }
                }
                _ => OciError::Registry {
                    registry,
                    reason: RegistryReason::Io(e),
                },
            }
        }
        other => OciError::Registry {
            registry,
            reason: RegistryReason::Client(other),
        },
    }
}

/// Why a connection failed: the operating system's words for the I/O
/// error under `e` if there is one (`connection refused`), else `e` and
/// its causes.
fn connect_words(e: &reqwest::Error) -> String {
    io_reason(e).unwrap_or_else(|| source_chain(e))
}

/// The operating system's words for the I/O error under `e`, if one is
/// (`connection refused`).
fn io_reason(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(e);
    while let Some(cause) = next {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(io_words(io));
        }
        next = cause.source();
    }
    None
}

/// An anyhow error and every context and cause under it, `: `-joined:
/// wit-component says what it was decoding in a context, and what went
/// wrong beneath it.
fn context_chain(e: &anyhow::Error) -> String {
    e.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
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
            OciError::PushToDigest { .. } => {
                d.with_help("push to REGISTRY/REPOSITORY:TAG; the pinned reference is printed")
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

/// `reason` cut to [`MAX_REASON`] bytes (at a character boundary), saying
/// how much was left out.
fn clipped(mut reason: String) -> String {
    if reason.len() <= MAX_REASON {
        return reason;
    }
    let mut end = MAX_REASON;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let left = reason.len() - end;
    reason.truncate(end);
    reason.push_str(&format!("… ({left} more bytes)"));
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference {
        crate::parse_reference("127.0.0.1:5000/acme/app:1").unwrap()
    }

    /// The words of each failure that has a cause of its own are those
    /// witloom showed when the cause was kept as text.
    #[test]
    fn causes_read_as_before() {
        let json = || serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let json_words = json().to_string();
        let registry = |reason| OciError::Registry {
            registry: "127.0.0.1:5000".to_string(),
            reason,
        };
        assert_eq!(
            registry(RegistryReason::ManifestJson(json())).to_string(),
            format!(
                "the registry `127.0.0.1:5000` failed: Failed to parse manifest as Versioned object: {json_words}"
            )
        );
        assert_eq!(
            registry(RegistryReason::Runtime(std::io::Error::other("no threads"))).to_string(),
            "the registry `127.0.0.1:5000` failed: cannot start the I/O runtime: no threads"
        );
        let e = OciDistributionError::UnsupportedMediaTypeError("x/y".to_string())
            .classify(&reference(), Duration::from_secs(1));
        assert_eq!(
            e.to_string(),
            "the registry `127.0.0.1:5000` failed: Unsupported media type: x/y"
        );
        let e = OciDistributionError::IoError(std::io::Error::other("cut short"))
            .classify(&reference(), Duration::from_secs(1));
        assert_eq!(
            e.to_string(),
            "the registry `127.0.0.1:5000` failed: cut short"
        );
        assert!(std::error::Error::source(&e).is_some());
        let e = OciError::NotWasm {
            reference: "r".to_string(),
            reason: NotWasmReason::Config(json()),
        };
        assert_eq!(
            e.to_string(),
            format!("`r` is not a wasm artifact: its config does not parse: {json_words}")
        );
        let decode = anyhow::Error::from(std::io::Error::other("inner"))
            .context("middle")
            .context("outer");
        let was = format!("not a component or WIT package: {decode:#}");
        assert_eq!(
            OciError::NotAComponent {
                reason: NotAComponentReason::Decode(decode)
            }
            .to_string(),
            was
        );
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(
            OciError::Layout {
                dir: "out".into(),
                reason: LayoutReason::Blob {
                    digest: "sha256:00".to_string(),
                    source: missing,
                },
            }
            .to_string(),
            "`out` is not a usable OCI image layout: blob sha256:00: no such file or directory"
        );
        assert_eq!(
            OciError::Layout {
                dir: "out".into(),
                reason: LayoutReason::Json {
                    what: "its manifest",
                    source: json(),
                },
            }
            .to_string(),
            format!(
                "`out` is not a usable OCI image layout: its manifest does not parse: {json_words}"
            )
        );
    }

    #[test]
    fn a_registrys_words_are_clipped() {
        let envelope: oci_client::errors::OciEnvelope = serde_json::from_value(
            serde_json::json!({"errors": [{"code": "UNKNOWN", "message": "m".repeat(5000)}]}),
        )
        .unwrap();
        let e = OciDistributionError::RegistryError {
            envelope,
            url: String::new(),
        }
        .classify(&reference(), Duration::from_secs(1));
        let shown = e.to_string();
        assert!(shown.ends_with("… (4000 more bytes)"), "{shown}");
        let e = OciDistributionError::AuthenticationFailure("d".repeat(1500))
            .classify(&reference(), Duration::from_secs(1));
        assert!(e.to_string().ends_with("… (500 more bytes)"), "{e}");
    }
}
