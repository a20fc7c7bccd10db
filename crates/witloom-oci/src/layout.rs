//! An OCI image layout on disk (`oci-layout`, `index.json`,
//! `blobs/sha256/…`): the same artifact a push makes, for air-gapped
//! transfer and for tools that read layouts (`skopeo inspect oci:DIR:TAG`).
//! A tag is `org.opencontainers.image.ref.name` in the index; writing a
//! tag into an existing layout keeps its other tags.

use crate::artifact::wasm_layer;
use crate::error::LayoutReason;
use crate::{Artifact, OciError, Pulled, WasmConfig, digest_of};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The most an `index.json` or a manifest in a layout may hold.
const SMALL: u64 = 4 << 20;

const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// What [`write`] did.
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest_digest: String,
    pub layer_digest: String,
}

fn blob_path(dir: &Path, digest: &str) -> Option<PathBuf> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| dir.join("blobs/sha256").join(hex))
}

/// Writes `artifact` into the layout at `dir` under `tag`. Blobs first,
/// the index last, so an interrupted write leaves the old index valid.
pub fn write(dir: &Path, tag: &str, artifact: &Artifact) -> Result<Written, OciError> {
    let (layer, config, manifest) = artifact.encode();
    let manifest_bytes = serde_json::to_vec(&manifest).expect("a manifest serializes");
    let manifest_digest = digest_of(&manifest_bytes);
    let bad = |reason| OciError::Layout {
        dir: dir.to_path_buf(),
        reason,
    };
    let io = |e| bad(LayoutReason::File(e));
    let mut index = match witloom_diag::io::read_capped(&dir.join("index.json"), SMALL) {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes).map_err(|source| {
            bad(LayoutReason::Json {
                what: "its index.json",
                source,
            })
        })?,
        Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => {
            json!({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": []})
        }
        // Never replace an index that could not be read: its other tags
        // would be lost.
        Err(e) => return Err(bad(LayoutReason::UnreadableIndex(e))),
    };
    for (digest, bytes) in [
        (&manifest.layers[0].digest, &layer.data[..]),
        (&manifest.config.digest, &config.data[..]),
        (&manifest_digest, &manifest_bytes[..]),
    ] {
        let path = blob_path(dir, digest).expect("our own digests are sha256");
        witloom_diag::io::write(&path, bytes).map_err(io)?;
    }
    witloom_diag::io::write(
        &dir.join("oci-layout"),
        b"{\"imageLayoutVersion\":\"1.0.0\"}",
    )
    .map_err(io)?;
    // `get_mut`, not indexing: indexing a JSON value that is not an
    // object panics.
    let manifests = index
        .as_object_mut()
        .and_then(|o| o.get_mut("manifests"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| bad(LayoutReason::NoManifests))?;
    manifests.retain(|m| m["annotations"][REF_NAME] != tag);
    manifests.push(json!({
        "mediaType": crate::MANIFEST_MEDIA_TYPE,
        "digest": manifest_digest,
        "size": manifest_bytes.len(),
        "annotations": { REF_NAME: tag },
    }));
    witloom_diag::io::write(
        &dir.join("index.json"),
        serde_json::to_vec_pretty(&index).expect("an index serializes"),
    )
    .map_err(io)?;
    Ok(Written {
        manifest_digest,
        layer_digest: manifest.layers[0].digest.clone(),
    })
}

/// Reads `tag` from the layout at `dir`, every blob checked against its
/// digest.
pub fn read(dir: &Path, tag: &str) -> Result<Pulled, OciError> {
    let shown = format!("{}:{tag}", dir.display());
    let bad = |reason| OciError::Layout {
        dir: dir.to_path_buf(),
        reason,
    };
    // A blob must be a regular file of at most `max` bytes: a layout from
    // elsewhere could link a blob to a device that never ends.
    let blob = |digest: &str, max: u64| -> Result<Vec<u8>, OciError> {
        use std::io::Read;
        let unreadable = |source| {
            bad(LayoutReason::Blob {
                digest: digest.to_string(),
                source,
            })
        };
        let path = blob_path(dir, digest).ok_or_else(|| {
            bad(LayoutReason::NotSha256 {
                digest: digest.to_string(),
            })
        })?;
        let meta = std::fs::symlink_metadata(&path).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(bad(LayoutReason::BlobNotFile {
                digest: digest.to_string(),
            }));
        }
        if meta.len() > max {
            return Err(OciError::TooLarge {
                reference: shown.clone(),
                size: meta.len() as i64,
                max,
            });
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(&path)
            .and_then(|f| f.take(max).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        let actual = digest_of(&bytes);
        if actual != digest {
            return Err(OciError::Digest {
                reference: shown.clone(),
                expected: digest.to_string(),
                actual,
            });
        }
        Ok(bytes)
    };
    let index_bytes = match std::fs::symlink_metadata(dir.join("index.json")) {
        Ok(m) if m.is_file() && m.len() <= SMALL => {
            std::fs::read(dir.join("index.json")).map_err(|e| bad(LayoutReason::Index(e)))?
        }
        Ok(_) => return Err(bad(LayoutReason::IndexNotSmall)),
        Err(e) => return Err(bad(LayoutReason::NoIndex(e))),
    };
    let json = |what| move |source| bad(LayoutReason::Json { what, source });
    let index: Value = serde_json::from_slice(&index_bytes).map_err(json("its index.json"))?;
    let entry = index
        .get("manifests")
        .and_then(Value::as_array)
        .and_then(|ms| ms.iter().find(|m| m["annotations"][REF_NAME] == tag))
        .ok_or_else(|| OciError::NotFound {
            reference: shown.clone(),
        })?;
    let manifest_digest = entry
        .get("digest")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            bad(LayoutReason::NoDigest {
                tag: tag.to_string(),
            })
        })?
        .to_string();
    let manifest: oci_client::manifest::OciImageManifest =
        serde_json::from_slice(&blob(&manifest_digest, SMALL)?).map_err(json("its manifest"))?;
    // The same shape a registry pull insists on.
    let layer = wasm_layer(&manifest).map_err(|reason| OciError::NotWasm {
        reference: shown.clone(),
        reason,
    })?;
    let config: WasmConfig = serde_json::from_slice(&blob(&manifest.config.digest, SMALL)?)
        .map_err(json("its config"))?;
    Ok(Pulled {
        wasm: blob(&layer.digest, crate::MAX_BLOB)?,
        config,
        manifest_digest,
        layer_digest: layer.digest.clone(),
        annotations: manifest.annotations.clone().unwrap_or_default(),
    })
}
