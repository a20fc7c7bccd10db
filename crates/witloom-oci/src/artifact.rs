//! The CNCF wasm artifact as OCI pieces: its media types, the manifest,
//! config and layer a push (or an image layout) is made of, and the shape
//! a pull (or a layout read) insists on before it takes the layer.

use crate::error::NotWasmReason;
use crate::{OciError, WasmConfig};
use oci_client::client::{Config, ImageLayer};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use sha2::Digest as _;
use std::collections::BTreeMap;

/// The manifest media type of a wasm artifact.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The config media type of a wasm artifact.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of its one layer.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The largest blob witloom pulls: a component or a WIT package far
/// beyond any real one.
pub const MAX_BLOB: u64 = 512 << 20;

/// What to push: the wasm, its config, and the manifest's annotations
/// (`org.opencontainers.image.*`).
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Shared, not copied, by the layer `encode` makes: a component may be
    /// tens of MB.
    pub wasm: bytes::Bytes,
    pub config: WasmConfig,
    pub annotations: BTreeMap<String, String>,
    /// The layer's `org.opencontainers.image.title` (`name.wasm`).
    pub title: String,
}

impl Artifact {
    /// A component or an encoded WIT package, with its config read from
    /// its bytes.
    pub fn new(wasm: Vec<u8>, title: &str) -> Result<Artifact, OciError> {
        let config = WasmConfig::of(&wasm)?;
        Ok(Artifact {
            wasm: wasm.into(),
            config,
            annotations: BTreeMap::new(),
            title: title.to_string(),
        })
    }

    /// The OCI pieces: the layer, the config blob and the manifest. The
    /// wasm is hashed once (its digest is the config's `layerDigests`).
    pub fn encode(&self) -> (ImageLayer, Config, OciImageManifest) {
        let layer_digest = match self.config.layer_digests.as_slice() {
            [d] => d.clone(),
            _ => digest_of(&self.wasm),
        };
        let mut layer_annotations = BTreeMap::new();
        layer_annotations.insert(
            "org.opencontainers.image.title".to_string(),
            self.title.clone(),
        );
        let mut config = self.config.clone();
        config.layer_digests = vec![layer_digest.clone()];
        let config_bytes = serde_json::to_vec(&config).expect("a config serializes");
        let manifest = OciImageManifest {
            schema_version: 2,
            media_type: Some(MANIFEST_MEDIA_TYPE.to_string()),
            config: OciDescriptor {
                media_type: CONFIG_MEDIA_TYPE.to_string(),
                digest: digest_of(&config_bytes),
                size: config_bytes.len() as i64,
                ..OciDescriptor::default()
            },
            layers: vec![OciDescriptor {
                media_type: LAYER_MEDIA_TYPE.to_string(),
                digest: layer_digest,
                size: self.wasm.len() as i64,
                annotations: Some(layer_annotations.clone()),
                ..OciDescriptor::default()
            }],
            annotations: (!self.annotations.is_empty()).then(|| self.annotations.clone()),
            ..OciImageManifest::default()
        };
        let layer = ImageLayer::new(
            self.wasm.clone(),
            LAYER_MEDIA_TYPE.to_string(),
            Some(layer_annotations),
        );
        let config = Config::new(config_bytes, CONFIG_MEDIA_TYPE.to_string(), None);
        (layer, config, manifest)
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The one wasm layer of `manifest`, which must have a wasm config: what
/// witloom would hand on as a component is only ever such a layer, from a
/// registry or from a layout.
pub(crate) fn wasm_layer(manifest: &OciImageManifest) -> Result<&OciDescriptor, NotWasmReason> {
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(NotWasmReason::ConfigMediaType(
            manifest.config.media_type.clone(),
        ));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(NotWasmReason::Layers(manifest.layers.len()));
    };
    if layer.media_type != LAYER_MEDIA_TYPE {
        return Err(NotWasmReason::LayerMediaType(layer.media_type.clone()));
    }
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_sha256_hex() {
        assert_eq!(
            digest_of(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
