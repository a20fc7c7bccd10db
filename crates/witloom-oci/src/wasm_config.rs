//! The config blob of a wasm artifact (`application/vnd.wasm.config.v0+json`,
//! the CNCF TAG Runtime's wasm OCI artifact layout): what the component
//! imports and exports, for registries and tools that show it, and the
//! platform (`wasm`/`wasip2`) that runtimes such as runwasi's shim check.

use crate::OciError;
use crate::error::NotAComponentReason;
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
    /// A component's names are read off its top level (what its world
    /// imports and exports, as `ns:pkg/iface@v` or plain names) without
    /// decoding its types, so shipping a large app stays cheap.
    pub fn of(wasm: &[u8]) -> Result<WasmConfig, OciError> {
        let not_a_component = |reason| OciError::NotAComponent { reason };
        let top =
            TopLevel::scan(wasm).map_err(|e| not_a_component(NotAComponentReason::Binary(e)))?;
        let info = if !top.is_wit_package() {
            ComponentInfo {
                exports: top.exports.into_iter().map(|(n, _)| n).collect(),
                imports: top.imports,
                target: None,
            }
        } else {
            let decoded = wit_component::decode(wasm)
                .map_err(|e| not_a_component(NotAComponentReason::Decode(e)))?;
            let wit_component::DecodedWasm::WitPackage(resolve, package) = &decoded else {
                return Err(not_a_component(NotAComponentReason::TypesOnly));
            };
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

/// A component's top-level imports and exports, read with wasmparser alone.
pub(crate) struct TopLevel {
    pub imports: Vec<String>,
    pub exports: Vec<(String, wasmparser::ComponentExternalKind)>,
}

impl TopLevel {
    /// The names at the top level; nested modules and components are
    /// parsed past. Nothing is validated: the names are what a config
    /// shows and what `check_component` tells a WIT package by.
    pub fn scan(wasm: &[u8]) -> Result<TopLevel, wasmparser::BinaryReaderError> {
        let mut top = TopLevel {
            imports: Vec::new(),
            exports: Vec::new(),
        };
        let mut depth = 0u32;
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            match payload? {
                wasmparser::Payload::ModuleSection { .. }
                | wasmparser::Payload::ComponentSection { .. } => depth += 1,
                wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
                wasmparser::Payload::ComponentImportSection(r) if depth == 0 => {
                    for import in r {
                        let import = import?;
                        top.imports.push(import.name.full_name().into_owned());
                    }
                }
                wasmparser::Payload::ComponentExportSection(r) if depth == 0 => {
                    for export in r {
                        let export = export?;
                        top.exports
                            .push((export.name.full_name().into_owned(), export.kind));
                    }
                }
                _ => {}
            }
        }
        Ok(top)
    }

    /// wit-parser's test: no imports, and only (component) types exported.
    pub fn is_wit_package(&self) -> bool {
        self.imports.is_empty()
            && !self.exports.is_empty()
            && self
                .exports
                .iter()
                .all(|(_, k)| *k == wasmparser::ComponentExternalKind::Type)
    }
}

#[cfg(test)]
mod tests {
    use super::TopLevel;

    /// The top level's names, not a nested component's; and a nested
    /// module cut short is an error, not a shorter list.
    #[test]
    fn only_top_level_names_and_a_truncated_nested_module_is_an_error() {
        let wasm = wat::parse_str(
            r#"(component
                 (import "a" (func))
                 (export "b" (func 0))
                 (component (import "inner" (func)) (export "deep" (func 0)))
                 (core module (func (export "f")) (func (export "g"))))"#,
        )
        .unwrap();
        let top = TopLevel::scan(&wasm).unwrap();
        assert_eq!(top.imports, ["a"]);
        assert_eq!(top.exports.len(), 1);
        assert_eq!(top.exports[0].0, "b");
        let cut = &wasm[..wasm.len() - 3];
        assert!(TopLevel::scan(cut).is_err());
    }
}
