//! Pushing an artifact: its two blobs, then the manifest that names them,
//! so that a registry never holds a manifest whose blobs are missing.

use crate::client::{self, run};
use crate::{Artifact, MANIFEST_MEDIA_TYPE, OciError, Options, Reference, digest_of};

/// What a push left in the registry.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The manifest's digest (`sha256:…`): `REF@DIGEST` pulls exactly this.
    pub manifest_digest: String,
    /// The layer's digest: the wasm's.
    pub layer_digest: String,
}

/// Pushes `artifact` to `reference`.
pub fn push(
    reference: &Reference,
    artifact: &Artifact,
    opts: &Options,
) -> Result<Pushed, OciError> {
    if reference.digest().is_some() {
        return Err(OciError::PushToDigest {
            reference: reference.whole(),
        });
    }
    // The wasm is hashed (tens of MB for an app with an interpreter in
    // it) while the client is made (it reads the system's TLS roots): each
    // takes milliseconds, and there are two cores.
    let ((layer, config, manifest), (client, auth)) = std::thread::scope(|scope| {
        let encoded = scope.spawn(|| artifact.encode());
        let client = client::oci(reference, opts);
        let encoded = encoded
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (encoded, client)
    });
    let layer_digest = manifest.layers[0].digest.clone();
    // The manifest as sent is ours, so its digest is known without asking
    // the registry again.
    let body = serde_json::to_vec(&manifest).expect("a manifest serializes");
    let manifest_digest = digest_of(&body);
    run(reference, opts, async {
        client
            .store_auth_if_needed(reference.resolve_registry(), &auth)
            .await;
        client
            .push_blob(reference, layer.data.clone(), &layer_digest)
            .await?;
        client
            .push_blob(reference, config.data.clone(), &manifest.config.digest)
            .await?;
        client
            .push_manifest_raw(
                reference,
                body.clone(),
                reqwest::header::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
            )
            .await
    })?;
    Ok(Pushed {
        manifest_digest,
        layer_digest,
    })
}
