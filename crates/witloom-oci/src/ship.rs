//! Shipping a component: the artifact `witloom push` and `witloom package`
//! make of a built app, with the `org.opencontainers.image.*` annotations
//! its `witloom.toml` gives, and the checks `witloom pull` makes before it
//! writes anything.

use crate::error::NotComponentReason;
use crate::{Artifact, OciError};
use std::collections::BTreeMap;
use std::path::Path;

/// What the manifest says about the app, for annotations.
#[derive(Debug, Clone, Default)]
pub struct AppInfo {
    /// `[app] name`: the title.
    pub name: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    /// Where the sources are (a URL).
    pub source: Option<String>,
}

impl AppInfo {
    /// What `manifest`'s `[app]` says.
    pub fn from_manifest(manifest: &witloom_manifest::Manifest) -> AppInfo {
        AppInfo {
            name: Some(manifest.app.name.clone()),
            version: manifest.app.version.clone(),
            description: manifest.app.description.clone(),
            source: manifest.app.source.clone(),
        }
    }
}

/// The artifact of the component in `wasm` (read from `path`, which names
/// it in messages and gives the layer's title).
pub fn component_artifact(
    path: &Path,
    wasm: Vec<u8>,
    info: &AppInfo,
) -> Result<Artifact, OciError> {
    let shown = path.display().to_string();
    check_component(&shown, &wasm)?;
    let title = path.file_name().map_or_else(
        || "app.wasm".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut artifact = Artifact::new(wasm, &title)?;
    artifact.annotations = annotations(info, &artifact.config.created);
    Ok(artifact)
}

/// `org.opencontainers.image.*` from the manifest, and when it was made.
pub fn annotations(info: &AppInfo, created: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            out.insert(format!("org.opencontainers.image.{key}"), v.clone());
        }
    };
    put("title", &info.name);
    put("version", &info.version);
    put("description", &info.description);
    put("source", &info.source);
    out.insert(
        "org.opencontainers.image.created".to_string(),
        created.to_string(),
    );
    out
}

/// `wasm` is a component (not a core module, not a WIT package): its
/// sections parse. Function bodies are not validated here: `witloom run`
/// and every runtime do that, and a pull's digest already says these are
/// the bytes that were pushed.
pub fn check_component(shown: &str, wasm: &[u8]) -> Result<(), OciError> {
    let not = |reason| OciError::NotComponent {
        file: shown.to_string(),
        reason,
    };
    if !wasmparser::Parser::is_component(wasm) {
        return Err(not(if wasmparser::Parser::is_core_wasm(wasm) {
            NotComponentReason::CoreModule
        } else {
            NotComponentReason::NotWebAssembly
        }));
    }
    let top =
        crate::wasm_config::TopLevel::scan(wasm).map_err(|e| not(NotComponentReason::Binary(e)))?;
    if top.is_wit_package() {
        return Err(not(NotComponentReason::WitPackage));
    }
    Ok(())
}
