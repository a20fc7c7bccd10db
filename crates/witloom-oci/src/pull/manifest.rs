//! A pull's image manifest, fetched by witloom's own GET: `oci-client`
//! reads a manifest whole, however much a registry sends. [`fetch`] is a
//! list of steps, each a function that says what it guarantees; the
//! bounds they keep are docs/limits.md's (4 MiB of manifest, 8 KiB of
//! challenge). Refusals are made as `oci-client`'s own errors where it
//! has one, so that one classifier sorts every operation's failures.

use crate::auth;
use crate::client;
use crate::digest_of;
use crate::error::{Classify, OciError, RegistryReason};
use crate::{Options, Reference};
use oci_client::errors::{DigestError, OciDistributionError as E};
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE, OciImageManifest,
};
use oci_client::secrets::RegistryAuth;
use reqwest::header::{ACCEPT, HeaderValue};
use std::time::Duration;

/// The largest manifest or config witloom reads (containerd's bound on a
/// manifest): a registry that sends more is refused, not read.
pub const MAX_MANIFEST: usize = 4 << 20;

/// What a manifest GET asks for. Indexes are asked for too, to say what
/// they are rather than "not found": a wasm artifact is one manifest.
const ACCEPTED: [&str; 4] = [
    OCI_IMAGE_MEDIA_TYPE,
    IMAGE_MANIFEST_MEDIA_TYPE,
    OCI_IMAGE_INDEX_MEDIA_TYPE,
    IMAGE_MANIFEST_LIST_MEDIA_TYPE,
];

/// Why a manifest could not be had: a failure `oci-client` has an error
/// for, or bytes that are not a manifest's JSON (kept as the cause).
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    #[error(transparent)]
    Client(#[from] E),
    #[error("the manifest does not parse: {0}")]
    Json(#[source] serde_json::Error),
}

impl From<reqwest::Error> for FetchError {
    fn from(e: reqwest::Error) -> FetchError {
        FetchError::Client(E::RequestError(e))
    }
}

impl Classify for FetchError {
    fn classify(self, reference: &Reference, timeout: Duration) -> OciError {
        match self {
            FetchError::Client(e) => e.classify(reference, timeout),
            FetchError::Json(e) => OciError::Registry {
                registry: reference.resolve_registry().to_string(),
                reason: RegistryReason::ManifestJson(e),
            },
        }
    }
}

/// `reference`'s image manifest and its digest, read with a bound, with
/// the client's credentials.
pub(super) async fn fetch(
    client: &oci_client::Client,
    reference: &Reference,
    auth: &RegistryAuth,
    opts: &Options,
) -> Result<(OciImageManifest, String), FetchError> {
    let registry = reference.resolve_registry();
    let base = format!("{}://{registry}", client::scheme(registry, opts.insecure));
    let url = manifest_url(&base, reference);
    let http = client::http(opts)?;
    auth::check_challenge(&http, &base).await?;
    let request = http.get(&url).header(ACCEPT, ACCEPTED.join(","));
    let request = auth::authorize(client, reference, auth, request).await;
    let answer = Answer::read(request).await?;
    answer.check_status(&url)?;
    answer.check_whole()?;
    let digest = answer.check_digest(reference)?;
    check_media_type(&answer.body)?;
    let manifest = serde_json::from_slice(&answer.body).map_err(FetchError::Json)?;
    Ok((manifest, digest))
}

/// `/v2/<repository>/manifests/<digest, else tag, else latest>`: a pinned
/// digest is asked for by itself, so no tag can substitute other bytes.
fn manifest_url(base: &str, reference: &Reference) -> String {
    let tag = reference.digest().or(reference.tag()).unwrap_or("latest");
    format!("{base}/v2/{}/manifests/{tag}", reference.repository())
}

/// A registry's answer to the manifest GET, its body read up to
/// [`MAX_MANIFEST`] bytes.
struct Answer {
    status: reqwest::StatusCode,
    /// `Docker-Content-Digest`: what the registry says it sent.
    claimed: Option<HeaderValue>,
    body: Vec<u8>,
    /// Whether the registry sent more than [`MAX_MANIFEST`] (the rest
    /// was not read).
    cut: bool,
}

impl Answer {
    /// Sends `request` and reads the answer in chunks, stopping at the
    /// bound: a registry that never stops sending costs at most
    /// [`MAX_MANIFEST`] bytes of memory.
    async fn read(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
        let mut response = request.send().await?;
        let status = response.status();
        let claimed = response.headers().get("docker-content-digest").cloned();
        let mut body = Vec::new();
        let mut cut = false;
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_MANIFEST {
                cut = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            claimed,
            body,
            cut,
        })
    }

    /// A refusal is said as `oci-client` says one, so that it is
    /// classified as any other operation's: 404 is "not found" whatever
    /// the body says, an OCI error envelope is read for its codes, and
    /// anything else keeps its status and text. (Checked before the
    /// bound: an error page cut short still says what went wrong.)
    fn check_status(&self, url: &str) -> Result<(), E> {
        if self.status.is_success() {
            return Ok(());
        }
        if self.status == reqwest::StatusCode::NOT_FOUND {
            return Err(E::ImageManifestNotFoundError(url.to_string()));
        }
        if let Ok(envelope) = serde_json::from_slice::<oci_client::errors::OciEnvelope>(&self.body)
        {
            return Err(E::RegistryError {
                envelope,
                url: url.to_string(),
            });
        }
        Err(E::ServerError {
            code: self.status.as_u16(),
            url: url.to_string(),
            message: String::from_utf8_lossy(&self.body).into_owned(),
        })
    }

    /// A manifest cut at the bound is refused, never parsed in part.
    fn check_whole(&self) -> Result<(), E> {
        if self.cut {
            return Err(E::ManifestParsingError(format!(
                "the manifest is larger than the {} MiB witloom reads",
                MAX_MANIFEST >> 20
            )));
        }
        Ok(())
    }

    /// The body's digest, which must be the one `reference` pins and the
    /// one the registry says it sent: a manifest is trusted for the
    /// digests it names only if it is itself the bytes asked for. A digest
    /// in another algorithm than sha256 cannot be compared with ours and
    /// is not checked.
    fn check_digest(&self, reference: &Reference) -> Result<String, E> {
        let digest = digest_of(&self.body);
        let claimed = self
            .claimed
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .filter(|d| d.starts_with("sha256:"))
            .map(str::to_string);
        let pinned = reference
            .digest()
            .filter(|d| d.starts_with("sha256:"))
            .map(str::to_string);
        for expected in pinned.into_iter().chain(claimed) {
            if expected != digest {
                return Err(E::DigestError(DigestError::VerificationError {
                    expected,
                    actual: digest,
                }));
            }
        }
        Ok(digest)
    }
}

/// The body is a schema 2 image manifest, read by its `schemaVersion` and
/// `mediaType` alone before it is parsed whole: an image index (what a
/// multi-platform image is) is named as such, and a manifest of any other
/// type is refused rather than misread as an image's.
fn check_media_type(body: &[u8]) -> Result<(), FetchError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Versioned {
        schema_version: i32,
        media_type: Option<String>,
    }
    let versioned: Versioned = serde_json::from_slice(body).map_err(FetchError::Json)?;
    if versioned.schema_version != 2 {
        return Err(E::UnsupportedSchemaVersionError(versioned.schema_version).into());
    }
    match versioned.media_type.as_deref() {
        None | Some(OCI_IMAGE_MEDIA_TYPE | IMAGE_MANIFEST_MEDIA_TYPE) => Ok(()),
        Some(index @ (OCI_IMAGE_INDEX_MEDIA_TYPE | IMAGE_MANIFEST_LIST_MEDIA_TYPE)) => {
            Err(E::ManifestParsingError(format!(
                "it is an image index (`{index}`), not a wasm artifact's manifest"
            ))
            .into())
        }
        Some(other) => Err(E::UnsupportedMediaTypeError(other.to_string()).into()),
    }
}
