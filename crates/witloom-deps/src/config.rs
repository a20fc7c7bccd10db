//! Where a WIT package lives: `wkg`'s configuration file, read as `wkg`
//! reads it, so a machine already set up for `wkg` works unchanged.
//!
//! The file is `$WKG_CONFIG_FILE`, else `$XDG_CONFIG_HOME/wasm-pkg/config.toml`
//! (`~/.config/wasm-pkg/config.toml`). A package's registry is, in order:
//! its `[package_registry_overrides]` entry, its namespace's
//! `[namespace_registries]` entry, `default_registry`. A mapping is a
//! registry name, whose metadata is fetched from
//! `/.well-known/wasm-pkg/registry.json` (or taken as "OCI at that host"
//! when it has none), or a table giving the metadata inline:
//!
//! ```toml
//! [namespace_registries]
//! acme = "127.0.0.1:5000"
//! other = { registry = "mine", metadata = { preferredProtocol = "oci", oci = { registry = "127.0.0.1:5000", namespacePrefix = "wit/" } } }
//!
//! [registry."127.0.0.1:5000".oci]
//! protocol = "http"
//! auth = { username = "u", password = "p" }
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use witloom_diag::Diagnostic;

/// `wkg`'s configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WkgConfig {
    pub default_registry: Option<String>,
    #[serde(default)]
    pub namespace_registries: BTreeMap<String, Mapping>,
    #[serde(default)]
    pub package_registry_overrides: BTreeMap<String, Mapping>,
    #[serde(default)]
    pub registry: BTreeMap<String, RegistrySettings>,
}

/// A namespace's or package's registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Mapping {
    /// A registry name; its metadata is fetched.
    Registry(String),
    /// A registry name with its metadata given.
    Custom {
        registry: String,
        metadata: Metadata,
    },
}

/// How a registry is reached (`registry.json`'s shape).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub preferred_protocol: Option<String>,
    pub oci: Option<OciMetadata>,
    /// The older spellings.
    pub oci_registry: Option<String>,
    pub oci_namespace_prefix: Option<String>,
}

/// Where its OCI artifacts are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OciMetadata {
    pub registry: Option<String>,
    pub namespace_prefix: Option<String>,
}

/// `[registry."NAME"]`: settings per backend; witloom reads `oci`'s.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistrySettings {
    #[serde(alias = "type")]
    pub default: Option<String>,
    pub oci: Option<OciSettings>,
    /// Other backends' tables (`local`, …), which witloom does not use.
    #[serde(flatten)]
    pub other: BTreeMap<String, toml::Value>,
}

/// `[registry."NAME".oci]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OciSettings {
    pub auth: Option<Auth>,
    /// `http` or `https`.
    pub protocol: Option<String>,
}

/// `{ username, password }`, or base64 of `user:pass`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Auth {
    UsernamePassword { username: String, password: String },
    Base64(String),
}

/// Where one package is fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The wasm-pkg registry's name (what `wkg.lock` records).
    pub registry: String,
    /// The OCI registry (`host[:port]`).
    pub oci_registry: String,
    /// Prepended to `ns/pkg` to make the repository.
    pub prefix: String,
    /// Plain HTTP to it, as configured.
    pub http: bool,
    pub basic_auth: Option<(String, String)>,
}

impl Location {
    /// `registry/prefix+ns/pkg:tag`.
    pub fn reference(&self, namespace: &str, name: &str, tag: &str) -> String {
        format!(
            "{}/{}{namespace}/{name}:{tag}",
            self.oci_registry, self.prefix
        )
    }
}

impl WkgConfig {
    /// The configuration file's path.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("WKG_CONFIG_FILE") {
            return Some(PathBuf::from(p));
        }
        let config_home = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(config_home.join("wasm-pkg/config.toml"))
    }

    /// The configuration at `path`; an empty one when there is no file.
    pub fn load(path: &Path) -> Result<WkgConfig, Diagnostic> {
        let text = match witloom_diag::io::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => {
                return Ok(WkgConfig::default());
            }
            Err(e) => return Err(e.into()),
        };
        toml::from_str(&text).map_err(|e| {
            let mut d = Diagnostic::new(format!(
                "`{}` (wkg's configuration) does not parse: {}",
                path.display(),
                e.message()
            ));
            if let Some(span) = e.span() {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                d = d.with_note(format!("at line {line}"));
            }
            d.with_help("see wkg's documentation for its format; witloom reads the same file")
        })
    }

    /// The mapping that applies to `ns:pkg`, if any.
    pub fn mapping(&self, namespace: &str, name: &str) -> Option<Mapping> {
        self.package_registry_overrides
            .get(&format!("{namespace}:{name}"))
            .or_else(|| self.namespace_registries.get(namespace))
            .cloned()
            .or_else(|| self.default_registry.clone().map(Mapping::Registry))
    }

    /// Where `ns:pkg` is, with `fetch_metadata` asked for a registry's
    /// `registry.json` when the configuration does not give it.
    pub fn locate(
        &self,
        namespace: &str,
        name: &str,
        fetch_metadata: &mut dyn FnMut(&str, bool) -> Option<Metadata>,
    ) -> Option<Location> {
        let (registry, metadata) = match self.mapping(namespace, name)? {
            Mapping::Registry(registry) => {
                let http = self.http(&registry);
                let metadata = fetch_metadata(&registry, http).unwrap_or_default();
                (registry, metadata)
            }
            Mapping::Custom { registry, metadata } => (registry, metadata),
        };
        let oci = metadata.oci.clone().unwrap_or_default();
        let oci_registry = oci
            .registry
            .or(metadata.oci_registry)
            .unwrap_or_else(|| registry.clone());
        let prefix = oci
            .namespace_prefix
            .or(metadata.oci_namespace_prefix)
            .unwrap_or_default();
        let settings = self.registry.get(&registry).and_then(|r| r.oci.clone());
        let basic_auth = settings
            .as_ref()
            .and_then(|s| s.auth.as_ref())
            .and_then(decode_auth);
        Some(Location {
            http: self.http(&registry) || self.http(&oci_registry),
            registry,
            oci_registry,
            prefix,
            basic_auth,
        })
    }

    fn http(&self, registry: &str) -> bool {
        self.registry
            .get(registry)
            .and_then(|r| r.oci.as_ref())
            .and_then(|o| o.protocol.as_deref())
            == Some("http")
    }
}

fn decode_auth(auth: &Auth) -> Option<(String, String)> {
    match auth {
        Auth::UsernamePassword { username, password } => Some((username.clone(), password.clone())),
        Auth::Base64(text) => {
            let bytes = base64_decode(text.trim())?;
            let text = String::from_utf8(bytes).ok()?;
            let (user, pass) = text.split_once(':')?;
            Some((user.to_string(), pass.to_string()))
        }
    }
}

/// Standard base64, padded or not.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let produced = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        for i in 0..produced {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkg_s_own_example_parses_and_resolves() {
        let config: WkgConfig = toml::from_str(
            r#"
            default_registry = "example.com"

            [namespace_registries]
            wasi = "wasi.dev"
            acme = { registry = "mine", metadata = { preferredProtocol = "oci", oci = { registry = "127.0.0.1:5000", namespacePrefix = "wit/" } } }

            [package_registry_overrides]
            "example:foo" = "127.0.0.1:6000"

            [registry."wasi.dev".oci]
            auth = { username = "open", password = "sesame" }

            [registry."127.0.0.1:6000".oci]
            protocol = "http"
            auth = "cGluZzpwb25n"

            [registry."example.com"]
            type = "test"
            test = { token = "top_secret" }
            "#,
        )
        .unwrap();
        let mut no_metadata = |_: &str, _: bool| None;
        let acme = config.locate("acme", "greet", &mut no_metadata).unwrap();
        assert_eq!(
            acme.reference("acme", "greet", "1.0.0"),
            "127.0.0.1:5000/wit/acme/greet:1.0.0"
        );
        assert_eq!(acme.registry, "mine");
        let foo = config.locate("example", "foo", &mut no_metadata).unwrap();
        assert_eq!(foo.oci_registry, "127.0.0.1:6000");
        assert!(foo.http);
        assert_eq!(foo.basic_auth, Some(("ping".into(), "pong".into())));
        let other = config.locate("other", "x", &mut no_metadata).unwrap();
        assert_eq!(other.registry, "example.com");
        let wasi = config.locate("wasi", "http", &mut no_metadata).unwrap();
        assert_eq!(wasi.basic_auth, Some(("open".into(), "sesame".into())));
        assert!(
            WkgConfig::default()
                .locate("acme", "x", &mut no_metadata)
                .is_none()
        );
    }
}
