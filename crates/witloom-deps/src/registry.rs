//! WIT packages in OCI registries, the way `wkg` keeps them: a package
//! `ns:pkg@1.2.3` is the wasm artifact `REGISTRY/PREFIXns/pkg:1.2.3`
//! (where `wkg`'s configuration says, [`crate::config`]), its one layer the
//! package encoded as a component (`wit_component::encode`). Fetching
//! pulls and verifies it, decodes it and writes it back as WIT text;
//! publishing encodes and pushes it.

use crate::config::{Metadata, WkgConfig};
use crate::lock::{LockFile, LockedVersion};
use crate::{DepsError, Located, Provided};
use semver::Version;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wit_parser::{PackageName, UnresolvedPackageGroup};

/// Fetches packages for one `wit deps` run, recording them in the lock.
pub(crate) struct Fetcher {
    config: WkgConfig,
    /// Where `config` came from, for messages.
    config_path: Option<PathBuf>,
    lock: LockFile,
    timeout: Duration,
    insecure: bool,
    /// `registry.json` per registry name, asked once a run.
    metadata: BTreeMap<String, Option<Metadata>>,
}

impl Fetcher {
    pub fn new(
        config: WkgConfig,
        config_path: Option<PathBuf>,
        lock: LockFile,
        timeout: Duration,
        insecure: bool,
    ) -> Fetcher {
        Fetcher {
            config,
            config_path,
            lock,
            timeout,
            insecure,
            metadata: BTreeMap::new(),
        }
    }

    /// The lock, with what this run fetched.
    pub fn into_lock(self) -> LockFile {
        self.lock
    }

    /// The file that provides `name`, from its registry.
    pub fn provide(
        &mut self,
        name: &PackageName,
        at: Option<Box<Located>>,
    ) -> Result<Provided, DepsError> {
        let package = format!("{}:{}", name.namespace, name.name);
        let timeout = self.timeout;
        let metadata = &mut self.metadata;
        let location = self
            .config
            .locate(&name.namespace, &name.name, &mut |registry, http| {
                metadata
                    .entry(registry.to_string())
                    .or_insert_with(|| well_known(registry, http, timeout))
                    .clone()
            })
            .ok_or_else(|| DepsError::NoRegistry {
                package: package.clone(),
                at: at.clone(),
                config: self.config_path.clone(),
            })?;
        let opts = witloom_oci::Options {
            insecure: self.insecure || location.http,
            timeout: self.timeout,
            basic_auth: location.basic_auth.clone(),
        };
        let oci = |e| DepsError::Registry {
            package: package.clone(),
            source: e,
        };
        // wit-parser matches a dependency by its exact name, so a package
        // named without a version can never be satisfied by a versioned
        // one: say which version to name.
        let Some(version) = &name.version else {
            let any = location.reference(&name.namespace, &name.name, "latest");
            let any = witloom_oci::parse_reference(&any).map_err(oci)?;
            let newest = newest(witloom_oci::tags(&any, &opts).map_err(oci)?);
            return Err(DepsError::RegistryUnversioned {
                package,
                at,
                newest,
                repository: any.repository().to_string(),
            });
        };
        let requirement = format!("={version}");
        let locked = self.lock.get(&package, &requirement).cloned();
        let tag = version.to_string();
        let reference = location.reference(&name.namespace, &name.name, &tag);
        let reference = witloom_oci::parse_reference(&reference).map_err(oci)?;
        let pulled = witloom_oci::pull(
            &reference,
            locked.as_ref().map(|l| l.digest.as_str()),
            &opts,
        )
        .map_err(oci)?;
        let text = to_wit(&pulled.wasm, &reference.whole(), &package, &tag)?;
        let group = UnresolvedPackageGroup::parse(format!("{package}@{tag}.wit"), &text).map_err(
            |(map, e)| DepsError::NotAWitPackage {
                reference: reference.whole(),
                source: e.render(&map).into(),
            },
        )?;
        self.lock.insert(
            &package,
            &location.registry,
            LockedVersion {
                requirement,
                version: tag.clone(),
                digest: pulled.layer_digest,
            },
        );
        Ok(Provided {
            package: name.clone(),
            file: format!("{}-{}@{tag}.wit", name.namespace, name.name),
            text,
            uses: group.main.foreign_deps.keys().cloned().collect(),
        })
    }
}

/// A registry's `registry.json`, if it serves one that parses.
fn well_known(registry: &str, http: bool, timeout: Duration) -> Option<Metadata> {
    witloom_oci::well_known(registry, http, timeout).and_then(|v| serde_json::from_value(v).ok())
}

/// The highest release among `tags` (semver, no pre-release), as `wkg`
/// picks when the WIT names no version.
fn newest(tags: Vec<String>) -> Option<String> {
    tags.into_iter()
        .filter_map(|t| Version::parse(&t).ok().map(|v| (v, t)))
        .filter(|(v, _)| v.pre.is_empty())
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, t)| t)
}

/// The WIT text of an encoded package, checked to be `package@version`.
fn to_wit(wasm: &[u8], reference: &str, package: &str, version: &str) -> Result<String, DepsError> {
    let not_wit = |source: witloom_diag::Cause| DepsError::NotAWitPackage {
        reference: reference.to_string(),
        source,
    };
    let decoded = wit_component::decode(wasm).map_err(|e| not_wit(e.into()))?;
    let wit_component::DecodedWasm::WitPackage(resolve, id) = decoded else {
        return Err(not_wit("it is a component, not a WIT package".into()));
    };
    let name = &resolve.packages[id].name;
    let found = name.to_string();
    let expected = format!("{package}@{version}");
    if found != expected {
        return Err(DepsError::WrongPackage {
            reference: reference.to_string(),
            expected,
            found,
        });
    }
    let mut printer = wit_component::WitPrinter::default();
    printer
        .print(&resolve, id, &[])
        .map_err(|e| not_wit(e.into()))?;
    Ok(format!(
        "// {expected}, fetched from {reference} by `witloom wit deps`.\n{}",
        printer.output
    ))
}

/// What [`publish`] pushed.
#[derive(Debug)]
pub struct Published {
    /// `ns:pkg@1.0.0`.
    pub package: String,
    pub reference: String,
    pub manifest_digest: String,
    pub layer_digest: String,
}

/// Publishes the WIT package in `dir` (resolved with its `deps/`) to
/// `reference`, or where `wkg`'s configuration puts its namespace.
pub fn publish(
    dir: &Path,
    reference: Option<&str>,
    config: &WkgConfig,
    config_path: Option<&Path>,
    opts: &witloom_oci::Options,
) -> Result<Published, DepsError> {
    let loaded = witloom_ir::load(dir, &Default::default()).map_err(DepsError::Wit)?;
    let [id] = loaded.roots.as_slice() else {
        return Err(DepsError::Publish(format!(
            "`{}` holds {} packages; publish one at a time",
            dir.display(),
            loaded.roots.len()
        )));
    };
    let name = loaded.resolve.packages[*id].name.clone();
    let Some(version) = name.version.clone() else {
        return Err(DepsError::Publish(format!(
            "`{}:{}` has no version; a published package needs one (`package {}:{}@0.1.0;`)",
            name.namespace, name.name, name.namespace, name.name
        )));
    };
    let package = format!("{}:{}", name.namespace, name.name);
    let mut opts = opts.clone();
    let reference = match reference {
        Some(r) => r.to_string(),
        None => {
            let location = config
                .locate(&name.namespace, &name.name, &mut |registry, http| {
                    well_known(registry, http, opts.timeout)
                })
                .ok_or_else(|| DepsError::NoRegistry {
                    package: package.clone(),
                    at: None,
                    config: config_path.map(Path::to_path_buf),
                })?;
            opts.insecure |= location.http;
            if opts.basic_auth.is_none() {
                opts.basic_auth = location.basic_auth.clone();
            }
            location.reference(&name.namespace, &name.name, &version.to_string())
        }
    };
    let oci = |e| DepsError::Registry {
        package: package.clone(),
        source: e,
    };
    let parsed = witloom_oci::parse_reference(&reference).map_err(oci)?;
    let wasm =
        wit_component::encode(&loaded.resolve, *id, false).map_err(|e| DepsError::Encode {
            package: package.clone(),
            source: e.into(),
        })?;
    let mut artifact =
        witloom_oci::Artifact::new(wasm, &format!("{}_{}.wasm", name.namespace, name.name))
            .map_err(oci)?;
    artifact.annotations.insert(
        "org.opencontainers.image.version".to_string(),
        version.to_string(),
    );
    artifact.annotations.insert(
        "org.opencontainers.image.title".to_string(),
        package.clone(),
    );
    let pushed = witloom_oci::push(&parsed, &artifact, &opts).map_err(oci)?;
    Ok(Published {
        package: format!("{package}@{version}"),
        reference: parsed.whole(),
        manifest_digest: pushed.manifest_digest,
        layer_digest: pushed.layer_digest,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_newest_release_tag() {
        let tags = [
            "0.9.0",
            "1.10.0",
            "1.2.0",
            "latest",
            "2.0.0-rc.1",
            "sha256-abc",
        ];
        assert_eq!(
            super::newest(tags.iter().map(|t| t.to_string()).collect()).as_deref(),
            Some("1.10.0")
        );
        assert_eq!(super::newest(vec!["latest".into()]), None);
    }
}
