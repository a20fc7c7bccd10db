//! crates.io's sparse index (<https://index.crates.io>), read over HTTPS:
//! every release of a crate with its requirements, yanked flag and
//! `rust-version`, the facts `cargo xtask deps` judges the pinned lines by
//! and `tools` picks an anchor release with. One file per crate, fetched
//! once per run.

use anyhow::{Context, Result, bail};
use semver::{Op, Version, VersionReq};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// One published release of a crate, as its index line has it.
#[derive(Debug)]
pub struct Release {
    pub version: Version,
    pub yanked: bool,
    /// The oldest rustc it builds on, when it says.
    pub rust_version: Option<Version>,
    pub deps: Vec<Dep>,
}

/// A dependency of a release (dev-dependencies are left out: they never
/// reach a dependent's build).
#[derive(Debug)]
pub struct Dep {
    /// The crate's real name (the index's `package` when renamed).
    pub name: String,
    pub req: VersionReq,
    pub optional: bool,
}

impl Dep {
    /// `Some(v)` when the requirement is exactly `=v` (how a crate family
    /// such as wasmtime's ties its crates to one release).
    pub fn exact(&self) -> Option<Version> {
        match self.req.comparators.as_slice() {
            [c] if c.op == Op::Exact => Some(Version {
                major: c.major,
                minor: c.minor?,
                patch: c.patch?,
                pre: c.pre.clone(),
                build: Default::default(),
            }),
            _ => None,
        }
    }
}

/// The index, with what this run already fetched.
pub struct Index {
    agent: ureq::Agent,
    base: String,
    cache: HashMap<String, Rc<[Release]>>,
}

impl Index {
    /// crates.io's index (or `WITLOOM_CRATES_INDEX`, a sparse index's
    /// base URL, for a mirror).
    pub fn new() -> Index {
        // ureq is built without a default provider: ring is the one
        // witloom-oci installs (deprecated in rustls 0.23.48 for lacking a
        // post-quantum key exchange; kept, as witloom-oci says why).
        #[expect(deprecated, reason = "ring is witloom's provider")]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .unversioned_rustls_crypto_provider(provider)
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .http_status_as_error(false)
            .user_agent("witloom-xtask (cargo xtask deps)")
            .build()
            .into();
        let base = std::env::var("WITLOOM_CRATES_INDEX")
            .unwrap_or_else(|_| "https://index.crates.io".to_string());
        Index {
            agent,
            base: base.trim_end_matches('/').to_string(),
            cache: HashMap::new(),
        }
    }
}

/// Where releases come from: the index, or a fixed set in tests.
pub trait Releases {
    /// Every release of `krate`, oldest first; empty when the registry
    /// does not know the crate.
    fn releases(&mut self, krate: &str) -> Result<Rc<[Release]>>;
}

impl Releases for Index {
    fn releases(&mut self, krate: &str) -> Result<Rc<[Release]>> {
        if let Some(found) = self.cache.get(krate) {
            return Ok(found.clone());
        }
        let url = format!("{}/{}", self.base, index_path(krate));
        let mut response = self
            .agent
            .get(&url)
            .call()
            .with_context(|| format!("cannot fetch {url}"))?;
        let releases: Rc<[Release]> = match response.status().as_u16() {
            200 => {
                let text = response
                    .body_mut()
                    .with_config()
                    .limit(64 << 20)
                    .read_to_string()
                    .with_context(|| format!("reading {url}"))?;
                parse(&text).with_context(|| format!("in {url}"))?.into()
            }
            404 | 410 => Rc::from(Vec::new()),
            status => bail!("{url} answered HTTP {status}"),
        };
        self.cache.insert(krate.to_string(), releases.clone());
        Ok(releases)
    }
}

/// Where a crate's file lies in a sparse index: `1/a`, `2/ab`, `3/a/abc`,
/// `wa/sm/wasmtime` (lower case).
pub fn index_path(krate: &str) -> String {
    let name = krate.to_ascii_lowercase();
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// An index file: one JSON object per line.
pub fn parse(text: &str) -> Result<Vec<Release>> {
    let mut releases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let entry: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("line {} is not JSON", n + 1))?;
        let field = |k: &str| entry.get(k).and_then(|v| v.as_str());
        let Some(version) = field("vers").and_then(|v| Version::parse(v).ok()) else {
            bail!("line {} has no valid `vers`", n + 1);
        };
        let rust_version = field("rust_version").and_then(lenient_version);
        let deps = entry
            .get("deps")
            .and_then(|d| d.as_array())
            .map(|deps| {
                deps.iter()
                    .filter(|d| d.get("kind").and_then(|k| k.as_str()) != Some("dev"))
                    .filter_map(|d| {
                        let name = d
                            .get("package")
                            .or_else(|| d.get("name"))
                            .and_then(|n| n.as_str())?;
                        let req = VersionReq::parse(d.get("req")?.as_str()?).ok()?;
                        Some(Dep {
                            name: name.to_string(),
                            req,
                            optional: d.get("optional").and_then(|o| o.as_bool()) == Some(true),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        releases.push(Release {
            version,
            yanked: entry.get("yanked").and_then(|y| y.as_bool()) == Some(true),
            rust_version,
            deps,
        });
    }
    Ok(releases)
}

/// `1.95` or `1.95.0` as a version.
pub fn lenient_version(text: &str) -> Option<Version> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
    Some(Version::new(
        parts.next()??,
        parts.next().unwrap_or(Some(0))?,
        parts.next().unwrap_or(Some(0))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_the_sparse_layout() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("cc"), "2/cc");
        assert_eq!(index_path("syn"), "3/s/syn");
        assert_eq!(index_path("Wasmtime"), "wa/sm/wasmtime");
    }

    #[test]
    fn an_index_file_gives_releases_without_dev_dependencies() {
        let text = concat!(
            r#"{"name":"m","vers":"1.0.0","deps":[{"name":"util","req":"=1.0.0","kind":"normal","optional":false},{"name":"t","req":"^2","kind":"dev"}],"yanked":false,"rust_version":"1.95"}"#,
            "\n",
            r#"{"name":"m","vers":"1.0.1","deps":[{"name":"u","package":"util","req":"^1.0.1","optional":true}],"yanked":true}"#,
            "\n"
        );
        let releases = parse(text).unwrap();
        assert_eq!(releases.len(), 2);
        assert_eq!(releases[0].rust_version, Some(Version::new(1, 95, 0)));
        assert_eq!(releases[0].deps.len(), 1, "the dev-dependency is left out");
        assert_eq!(
            releases[0].deps[0].exact(),
            Some(Version::new(1, 0, 0)),
            "=1.0.0 is exact"
        );
        assert!(releases[1].yanked);
        assert_eq!(
            releases[1].deps[0].name, "util",
            "the real name of a rename"
        );
        assert!(releases[1].deps[0].optional);
        assert_eq!(releases[1].deps[0].exact(), None, "a caret is not exact");
        assert!(parse("{\"vers\":\"x\"}").is_err());
    }
}
