//! A component as a container image that containerd runs with witloom's
//! shim (`witloom package --image`): an OCI image layout in one tar file,
//! what `ctr image import` (and `docker load`, `skopeo copy
//! oci-archive:…`) reads.
//!
//! The component is the one file of an ordinary rootfs layer
//! (`/app.wasm`), and the image's entrypoint names it. That is the layout
//! every containerd accepts: the wasm-layer images runwasi also reads
//! (`application/vnd.bytecodealliance.wasm.component.layer.v0+wasm`) need
//! containerd 1.6.25+ or 1.7.7+ to be unpacked, and Debian 12's is 1.6.20.
//! The platform is `wasi/wasm` (as Docker's and Spin's wasm images say), so
//! `ctr image import` takes it with `--all-platforms`; a node whose
//! containerd pulls only its own platform can be given an image that
//! says `linux/amd64` instead (the shim does not look).
//!
//! The CNCF wasm artifact of `witloom push` and `witloom package --out` is
//! another thing and stays as it is: registries and `wkg` read that one.

use crate::ship::{AppInfo, annotations, check_component};
use crate::{OciError, digest_of};
use serde_json::{Value, json};

/// Where the component is in the image, and so the entrypoint.
pub const ENTRYPOINT: &str = "/app.wasm";

/// The image's platform by default, `wasi/wasm`.
pub const PLATFORM: Platform<'static> = Platform {
    os: "wasi",
    architecture: "wasm",
};

/// An image's `os` and `architecture`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform<'a> {
    pub os: &'a str,
    pub architecture: &'a str,
}

impl<'a> Platform<'a> {
    /// `OS/ARCH`, e.g. `wasi/wasm` or `linux/amd64`.
    pub fn parse(s: &'a str) -> Option<Platform<'a>> {
        let (os, architecture) = s.split_once('/')?;
        let word = |w: &str| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        (word(os) && word(architecture)).then_some(Platform { os, architecture })
    }
}

const LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";
const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

/// An image archive, ready to be written.
#[derive(Debug, Clone)]
pub struct ImageArchive {
    /// The tar file's bytes.
    pub bytes: Vec<u8>,
    /// The name containerd gives the image on import.
    pub reference: String,
    pub manifest_digest: String,
}

/// The image of the component `wasm` (read from `shown`, which names it in
/// errors), named `reference` (e.g. `localhost/wordstats:0.1.0`), for
/// `platform` (usually [`PLATFORM`]).
pub fn image_archive(
    shown: &str,
    wasm: &[u8],
    reference: &str,
    platform: Platform,
    info: &AppInfo,
) -> Result<ImageArchive, OciError> {
    check_component(shown, wasm)?;
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let layer = tar(&[(ENTRYPOINT.trim_start_matches('/'), wasm)]);
    let layer_digest = digest_of(&layer);
    let labels = annotations(info, &created);
    let config = json!({
        "created": created,
        "architecture": platform.architecture,
        "os": platform.os,
        "config": {
            "Entrypoint": [ENTRYPOINT],
            "Labels": labels,
        },
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    });
    let config = to_vec(&config);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": descriptor(CONFIG_MEDIA_TYPE, &config),
        "layers": [descriptor(LAYER_MEDIA_TYPE, &layer)],
        "annotations": labels,
    });
    let manifest = to_vec(&manifest);
    let manifest_digest = digest_of(&manifest);
    let tag = reference
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .map_or("latest", |(_, tag)| tag);
    let mut entry = descriptor(MANIFEST_MEDIA_TYPE, &manifest);
    entry["annotations"] = json!({
        "io.containerd.image.name": reference,
        "org.opencontainers.image.ref.name": tag,
    });
    entry["platform"] = json!({"architecture": platform.architecture, "os": platform.os});
    let index = to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": [entry],
    }));
    let blob = |bytes: &[u8]| format!("blobs/sha256/{}", &digest_of(bytes)["sha256:".len()..]);
    let files: Vec<(String, &[u8])> = vec![
        ("oci-layout".into(), br#"{"imageLayoutVersion":"1.0.0"}"#),
        (blob(&layer), &layer),
        (blob(&config), &config),
        (blob(&manifest), &manifest),
        ("index.json".into(), &index),
    ];
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    Ok(ImageArchive {
        bytes: tar(&files),
        reference: reference.to_string(),
        manifest_digest,
    })
}

fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": digest_of(bytes), "size": bytes.len()})
}

fn to_vec(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON values serialize")
}

/// A tar of regular files (mode 0644, owned by root, dated 1970: the same
/// component gives the same layer digest), with the directories their
/// paths need.
fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    for (path, bytes) in files {
        let mut parent = std::path::Path::new(path).parent();
        let mut missing = Vec::new();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            if dirs.insert(dir.to_path_buf()) {
                missing.push(dir.to_path_buf());
            }
            parent = dir.parent();
        }
        for dir in missing.into_iter().rev() {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            header.set_mtime(0);
            out.append_data(&mut header, &dir, std::io::empty())
                .expect("writing to memory does not fail");
        }
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_size(bytes.len() as u64);
        header.set_mtime(0);
        out.append_data(&mut header, path, *bytes)
            .expect("writing to memory does not fail");
    }
    out.into_inner().expect("writing to memory does not fail")
}
