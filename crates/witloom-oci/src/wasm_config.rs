//! The config blob of a wasm artifact (`application/vnd.wasm.config.v0+json`,
//! the CNCF TAG Runtime's wasm OCI artifact layout): what the component
//! imports and exports, for registries and tools that show it, and the
//! platform (`wasm`/`wasip2`) that runtimes such as runwasi's shim check.

use crate::OciError;
use serde::{Deserialize, Serialize};

/// The config, as the layout spells it (camelCase keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WasmConfig {
    /// RFC 3339.
    pub created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// `wasm`.
    pub architecture: String,
    /// `wasip2` for a component.
    pub os: String,
    /// The layer's digest, `sha256:…`.
    #[serde(default)]
    pub layer_digests: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<ComponentInfo>,
}

/// What a component imports and exports (`ns:pkg/iface@v`), or, for a
/// WIT package, the worlds and interfaces it defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    #[serde(default)]
    pub target: Option<String>,
}

impl WasmConfig {
    /// The config of `wasm`: a component, or a WIT package encoded as one.
    pub fn of(wasm: &[u8]) -> Result<WasmConfig, OciError> {
        let decoded = wit_component::decode(wasm).map_err(|e| OciError::NotAComponent {
            reason: format!("{e:#}"),
        })?;
        let info = match &decoded {
            wit_component::DecodedWasm::Component(resolve, world) => {
                let w = &resolve.worlds[*world];
                ComponentInfo {
                    exports: w
                        .exports
                        .keys()
                        .map(|k| resolve.name_world_key(k))
                        .collect(),
                    imports: w
                        .imports
                        .keys()
                        .map(|k| resolve.name_world_key(k))
                        .collect(),
                    target: None,
                }
            }
            wit_component::DecodedWasm::WitPackage(resolve, package) => {
                let p = &resolve.packages[*package];
                let qualified = |item: &str| match &p.name.version {
                    Some(v) => format!("{}:{}/{item}@{v}", p.name.namespace, p.name.name),
                    None => format!("{}:{}/{item}", p.name.namespace, p.name.name),
                };
                let mut exports: Vec<String> = p.worlds.keys().map(|w| qualified(w)).collect();
                exports.extend(p.interfaces.keys().map(|i| qualified(i)));
                ComponentInfo {
                    exports,
                    imports: Vec::new(),
                    target: None,
                }
            }
        };
        Ok(WasmConfig {
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            author: None,
            architecture: "wasm".to_string(),
            os: "wasip2".to_string(),
            layer_digests: vec![crate::digest_of(wasm)],
            component: Some(info),
        })
    }
}
