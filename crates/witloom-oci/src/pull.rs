//! Pulling: a wasm artifact's manifest, config and layer, each read with
//! a bound and all three within one timeout, the layer checked against
//! its digest here whatever the registry or the client library did; and
//! the other things witloom reads from registries (a repository's tags, a
//! registry's well-known metadata).

mod manifest;

pub use manifest::MAX_MANIFEST;

use crate::artifact::wasm_layer;
use crate::client::{self, run, run_until};
use crate::error::{Classify, NotWasmReason};
use crate::{MAX_BLOB, OciError, Options, Reference, WasmConfig, digest_of};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// What a pull brought back, verified.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub wasm: Vec<u8>,
    pub config: WasmConfig,
    pub manifest_digest: String,
    pub layer_digest: String,
    pub annotations: BTreeMap<String, String>,
}

/// Pulls the wasm artifact at `reference`. With `expected_layer`, the
/// layer must have that digest (a lock file's), or nothing is downloaded.
pub fn pull(
    reference: &Reference,
    expected_layer: Option<&str>,
    opts: &Options,
) -> Result<Pulled, OciError> {
    let session = Session::new(reference, opts);
    let shown = reference.whole();
    let (manifest, manifest_digest) = session.manifest()?;
    let config_size = config_size(&manifest.config, &shown)?;
    let config = session.blob(
        &manifest.config,
        config_size,
        format!("{shown} (its config)"),
    )?;
    // The config only describes the layer (the layer's digest is what is
    // verified), so bytes that are not UTF-8 are replaced, not refused.
    let config = String::from_utf8_lossy(&config).into_owned();
    let not_wasm = |reason| OciError::NotWasm {
        reference: shown.clone(),
        reason,
    };
    let layer = wasm_layer(&manifest).map_err(not_wasm)?;
    check_lock(expected_layer, layer, &shown)?;
    let layer_size = layer_size(layer, &shown)?;
    let config: WasmConfig =
        serde_json::from_str(&config).map_err(|e| not_wasm(NotWasmReason::Config(e)))?;
    let wasm = session.blob(layer, layer_size, shown.clone())?;
    check_layer_digest(&wasm, layer, &shown)?;
    Ok(Pulled {
        wasm,
        config,
        manifest_digest,
        layer_digest: layer.digest.clone(),
        annotations: manifest.annotations.clone().unwrap_or_default(),
    })
}

/// One pull's client, credentials and deadline: its manifest, config and
/// layer share the caller's timeout rather than getting one each.
struct Session<'a> {
    client: oci_client::Client,
    auth: RegistryAuth,
    reference: &'a Reference,
    opts: &'a Options,
    deadline: Instant,
}

impl<'a> Session<'a> {
    fn new(reference: &'a Reference, opts: &'a Options) -> Session<'a> {
        let (client, auth) = client::oci(reference, opts);
        Session {
            client,
            auth,
            reference,
            opts,
            deadline: Instant::now() + opts.timeout,
        }
    }

    /// `operation` within what is left of the pull's timeout.
    fn run<T, E: Classify>(
        &self,
        operation: impl Future<Output = Result<T, E>>,
    ) -> Result<T, OciError> {
        run_until(self.reference, self.opts, self.deadline, operation)
    }

    /// The image manifest and its digest, by [`manifest::fetch`].
    fn manifest(&self) -> Result<(OciImageManifest, String), OciError> {
        self.run(manifest::fetch(
            &self.client,
            self.reference,
            &self.auth,
            self.opts,
        ))
    }

    /// The blob `descriptor` names, of at most `size` bytes (its declared
    /// size, already bounded): a registry that sends more is cut off and
    /// refused (`shown` names the blob), not read on.
    fn blob(
        &self,
        descriptor: &OciDescriptor,
        size: usize,
        shown: String,
    ) -> Result<Vec<u8>, OciError> {
        let mut sink = Capped::new(size);
        let pulled = self.run(self.client.pull_blob(self.reference, descriptor, &mut sink));
        if sink.over {
            return Err(OciError::Oversized {
                reference: shown,
                declared: descriptor.size,
            });
        }
        pulled?;
        Ok(sink.buf)
    }
}

/// The config's declared size, which must be one a manifest's config can
/// have: the buffer for it is reserved before a byte arrives.
fn config_size(config: &OciDescriptor, shown: &str) -> Result<usize, OciError> {
    if config.size < 0 {
        return Err(OciError::NotWasm {
            reference: shown.to_string(),
            reason: NotWasmReason::NegativeConfigSize(config.size),
        });
    }
    if config.size as u64 > MAX_MANIFEST as u64 {
        return Err(OciError::TooLarge {
            reference: format!("{shown} (its config)"),
            size: config.size,
            max: MAX_MANIFEST as u64,
        });
    }
    Ok(config.size as usize)
}

/// The layer's declared size, at most [`MAX_BLOB`]: the buffer for it is
/// reserved before a byte arrives.
fn layer_size(layer: &OciDescriptor, shown: &str) -> Result<usize, OciError> {
    if layer.size < 0 {
        return Err(OciError::NotWasm {
            reference: shown.to_string(),
            reason: NotWasmReason::NegativeLayerSize(layer.size),
        });
    }
    if layer.size as u64 > MAX_BLOB {
        return Err(OciError::TooLarge {
            reference: shown.to_string(),
            size: layer.size,
            max: MAX_BLOB,
        });
    }
    Ok(layer.size as usize)
}

/// A locked layer (`expected`) is the one the manifest names, checked
/// before the layer is downloaded: a moved tag costs nothing.
fn check_lock(expected: Option<&str>, layer: &OciDescriptor, shown: &str) -> Result<(), OciError> {
    match expected {
        Some(expected) if layer.digest != expected => Err(OciError::Locked {
            reference: shown.to_string(),
            locked: expected.to_string(),
            found: layer.digest.clone(),
        }),
        _ => Ok(()),
    }
}

/// The layer's bytes are the ones its digest names, hashed here: what
/// the registry or the client library checked is not relied on.
fn check_layer_digest(wasm: &[u8], layer: &OciDescriptor, shown: &str) -> Result<(), OciError> {
    let actual = digest_of(wasm);
    if actual != layer.digest {
        return Err(OciError::Digest {
            reference: shown.to_string(),
            expected: layer.digest.clone(),
            actual,
        });
    }
    Ok(())
}

/// The tags of `reference`'s repository.
pub fn tags(reference: &Reference, opts: &Options) -> Result<Vec<String>, OciError> {
    let (client, auth) = client::oci(reference, opts);
    let response = run(reference, opts, async {
        client.list_tags(reference, &auth, None, None).await
    })?;
    Ok(response.tags)
}

/// The most of a `registry.json` [`well_known`] reads.
const MAX_WELL_KNOWN: usize = 64 << 10;

/// A registry's `/.well-known/wasm-pkg/registry.json` (where `wkg` looks
/// for the OCI registry and namespace prefix behind a registry name), if
/// it serves one; at most 64 KiB, within `timeout`.
pub fn well_known(registry: &str, http: bool, timeout: Duration) -> Option<serde_json::Value> {
    client::install_crypto_provider();
    let scheme = client::scheme(registry, http);
    let url = format!("{scheme}://{registry}/.well-known/wasm-pkg/registry.json");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .ok()?;
        let mut response = client.get(&url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_WELL_KNOWN {
                return None;
            }
        }
        serde_json::from_slice(&body).ok()
    })
}

/// An `AsyncWrite` into memory that refuses more than it was told to
/// expect, so a registry cannot make witloom allocate without bound.
struct Capped {
    buf: Vec<u8>,
    max: usize,
    over: bool,
}

impl Capped {
    fn new(max: usize) -> Capped {
        Capped {
            // The declared size, at most `MAX_BLOB`: reserved, not touched,
            // until bytes come, and never doubled by growth.
            buf: Vec::with_capacity(max),
            max,
            over: false,
        }
    }
}

impl tokio::io::AsyncWrite for Capped {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.buf.len() + data.len() > self.max {
            self.over = true;
            return std::task::Poll::Ready(Err(std::io::Error::other(
                "the registry sent more than the manifest's size",
            )));
        }
        self.buf.extend_from_slice(data);
        std::task::Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
