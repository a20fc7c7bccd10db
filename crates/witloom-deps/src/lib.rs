//! `witloom wit deps`: fills a WIT directory's `deps/` with every package
//! its WIT names and does not have yet, the layout wit-parser, `wkg` and
//! `wit-deps` read (one `deps/<name>.wit` file or `deps/<name>/` folder per
//! package).
//!
//! WASI packages come from the WIT witloom carries ([`witloom_host::carried`]:
//! the files of the pinned wasmtime crates, the versions the embedded
//! runtime implements: WASI 0.2 and WASI 0.3.0), with no network:
//! - a version the runtime implements is written as it is (0.2's packages
//!   as `deps/cli.wit`, 0.3's as `deps/cli@0.3.0.wit`, so that a world may
//!   use both);
//! - an older version on the same semver track (`0.2.6` when the runtime
//!   implements `0.2.12`) is derived from it: the package and its
//!   references renamed to that version, and the items added after it
//!   (`@since(version = …)` newer than it) gated off, so the WIT says
//!   exactly what that version had. wasmtime serves such imports, as it
//!   matches imports by semver track;
//! - any other version (`0.3.1`, or a `0.2.x` newer than the runtime's) is
//!   refused, naming the versions the runtime has.
//!
//! Other packages come from OCI registries, as `wkg` fetches them
//! ([`registry`]): where `wkg`'s configuration says ([`config`]), pinned by
//! `wkg.lock` beside the WIT directory ([`lock`]).
//!
//! Nothing is written (no file in `deps/`, no lock) unless every package
//! named is found, verified, and the whole set resolves.

pub mod config;
pub mod lock;
pub mod registry;
mod wasi;

pub use config::WkgConfig;
pub use lock::LockFile;
pub use registry::{Published, publish};

use semver::Version;
use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wit_parser::{PackageName, UnresolvedPackageGroup};
use witloom_diag::{Cause, Diagnostic, IoError, Label, Location};

/// Why `deps/` could not be filled.
#[derive(Debug, thiserror::Error)]
pub enum DepsError {
    /// The WIT itself does not parse (the IR loader's diagnostic).
    #[error("{0}")]
    Wit(Diagnostic),
    /// A package in `deps/` does not parse.
    #[error("`{}` does not parse", .path.display())]
    Dep {
        path: PathBuf,
        #[source]
        source: Cause,
    },
    /// A WASI package witloom does not carry.
    #[error("`{package}` is not a WASI package the runtime implements")]
    NotCarried {
        package: String,
        at: Option<Box<Located>>,
        carried: Vec<String>,
    },
    /// A WASI package named with no version.
    #[error("`{package}` is named without a version")]
    Unversioned {
        package: String,
        at: Option<Box<Located>>,
        /// The versions carried, oldest first (one per track).
        available: Vec<Version>,
    },
    /// A WASI version the runtime cannot serve.
    #[error("the runtime cannot serve `{package}@{requested}`")]
    Version {
        package: String,
        requested: Version,
        at: Option<Box<Located>>,
        /// The versions carried, oldest first (one per track).
        available: Vec<Version>,
    },
    /// A package that is not WASI, with nowhere to fetch it from.
    #[error("`{package}` is not in `deps/`, and no registry is configured for it")]
    NoRegistry {
        package: String,
        at: Option<Box<Located>>,
        config: Option<PathBuf>,
    },
    /// A registry failed (unreachable, not found, digest mismatch, …).
    #[error("cannot fetch `{package}`: {source}")]
    Registry {
        package: String,
        source: witloom_oci::OciError,
    },
    /// A registry package named without a version.
    #[error("`{package}` is named without a version")]
    RegistryUnversioned {
        package: String,
        at: Option<Box<Located>>,
        /// The newest release in its repository, if any.
        newest: Option<String>,
        repository: String,
    },
    /// What was fetched is not a WIT package.
    #[error("`{reference}` is not a WIT package")]
    NotAWitPackage {
        reference: String,
        #[source]
        source: Cause,
    },
    /// What was fetched is another package.
    #[error("`{reference}` holds `{found}`, not `{expected}`")]
    WrongPackage {
        reference: String,
        expected: String,
        found: String,
    },
    /// `wkg`'s configuration or the lock file is unusable.
    #[error("{0}")]
    Config(Diagnostic),
    /// A package that cannot be published as it is.
    #[error("{0}")]
    Publish(String),
    /// A package that cannot be encoded for publishing.
    #[error("cannot encode `{package}`")]
    Encode {
        package: String,
        #[source]
        source: Cause,
    },
    /// The packages found do not resolve together.
    #[error("the packages would not resolve")]
    Resolve(#[source] Cause),
    #[error(transparent)]
    Io(#[from] IoError),
}

/// `` `wasi:cli@0.2.12` and the older ones on its track (down to 0.2.0),
/// and `wasi:cli@0.3.0` (`witloom run` links it; …) ``: each carried version with its
/// track, and whether `run` and `serve` link it.
fn tracks(package: &str, available: &[Version]) -> String {
    let each: Vec<String> = available
        .iter()
        .map(|v| {
            let qualified = format!("{package}@{v}");
            let mut said = if v.patch == 0 {
                format!("`{qualified}`")
            } else {
                format!(
                    "`{qualified}` and the older ones on its track (down to {}.{}.0)",
                    v.major, v.minor
                )
            };
            let (run, serve) = (
                witloom_host::WASI_RUN.contains(&qualified.as_str()),
                witloom_host::WASI_SERVE.contains(&qualified.as_str()),
            );
            match (run, serve) {
                (false, false) => {
                    said.push_str(" (WIT only: `witloom run` and `serve` do not link it yet)")
                }
                (true, false) => said.push_str(" (`witloom run` links it; `serve` does not yet)"),
                (false, true) => said.push_str(" (`witloom serve` links it; `run` does not)"),
                (true, true) => {}
            }
            said
        })
        .collect();
    each.join(", and ")
}

/// `` `wasi:cli@0.2.12` or `wasi:cli@0.3.0` ``.
fn one_of(package: &str, available: &[Version]) -> String {
    let each: Vec<String> = available
        .iter()
        .map(|v| format!("`{package}@{v}`"))
        .collect();
    each.join(" or ")
}

/// Where a package was named: its first mention in the WIT.
#[derive(Debug, Clone)]
pub struct Located {
    pub location: Location,
    pub line_text: String,
    pub width: usize,
}

impl From<DepsError> for Diagnostic {
    fn from(e: DepsError) -> Diagnostic {
        let message = e.to_string();
        let causes = witloom_diag::causes(&e);
        let with_label = |mut d: Diagnostic, at: &Option<Box<Located>>| {
            if let Some(at) = at {
                d.labels.push(Label {
                    location: at.location.clone(),
                    line_text: at.line_text.clone(),
                    width: at.width,
                    text: None,
                });
            }
            d
        };
        match e {
            DepsError::Wit(d) => d,
            DepsError::Io(e) => e.into(),
            DepsError::Dep { .. } => Diagnostic::new(message)
                .with_causes(causes)
                .with_help("fix or remove that package; `witloom wit deps` writes it again"),
            DepsError::NotCarried { at, carried, .. } => {
                with_label(Diagnostic::new(message), &at)
                    .with_note(format!("the runtime implements: {}", carried.join(", ")))
                    .with_help(
                        "a WASI proposal the runtime lacks cannot be run here; for WIT only (bindings, docs), put its WIT in `deps/`",
                    )
            }
            DepsError::Version {
                package,
                at,
                available,
                ..
            } => with_label(Diagnostic::new(message), &at)
                .with_note(format!(
                    "the versions available are {}",
                    tracks(&package, &available)
                ))
                .with_help(format!("name {}", one_of(&package, &available))),
            DepsError::Unversioned {
                package,
                at,
                available,
            } => with_label(Diagnostic::new(message), &at).with_help(format!(
                "name a version the runtime implements: {}",
                one_of(&package, &available)
            )),
            DepsError::NoRegistry {
                package,
                at,
                config,
            } => {
                let namespace = package.split(':').next().unwrap_or(&package);
                with_label(Diagnostic::new(message), &at).with_help(format!(
                    "put its WIT in `deps/` (a folder or a .wit file), or map its namespace to a registry in {} (wkg's configuration): `[namespace_registries] {namespace} = \"REGISTRY\"`",
                    config.map_or_else(
                        || "wkg's config.toml".to_string(),
                        |p| format!("`{}`", p.display())
                    )
                ))
            }
            DepsError::Registry { source, .. } => {
                let mut d: Diagnostic = source.into();
                d.message = message;
                d.with_note("nothing was written")
            }
            DepsError::Config(d) => d,
            DepsError::RegistryUnversioned {
                package,
                at,
                newest,
                repository,
            } => {
                let d = with_label(Diagnostic::new(message), &at);
                match newest {
                    Some(v) => d.with_help(format!(
                        "name a version (WIT matches packages by their exact version): `{package}@{v}` is the newest release in `{repository}`"
                    )),
                    None => d.with_note(format!("`{repository}` has no release tags")),
                }
            }
            DepsError::NotAWitPackage { .. }
            | DepsError::WrongPackage { .. }
            | DepsError::Publish(_)
            | DepsError::Encode { .. }
            | DepsError::Resolve(_) => Diagnostic::new(message).with_causes(causes),
        }
    }
}

/// How to fill.
#[derive(Debug, Clone)]
pub struct Options {
    /// `wkg`'s configuration file [default: [`WkgConfig::default_path`]].
    pub config: Option<PathBuf>,
    /// The longest one registry operation may take.
    pub timeout: Duration,
    /// Plain HTTP to every registry, not only loopback ones.
    pub insecure: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: None,
            timeout: Duration::from_secs(60),
            insecure: false,
        }
    }
}

/// What [`fill`] did to one WIT directory.
#[derive(Debug, Default)]
pub struct Filled {
    /// The WIT directory.
    pub dir: PathBuf,
    /// Files written into its `deps/`.
    pub written: Vec<PathBuf>,
    /// Packages that were there already (`wasi:io@0.2.12`).
    pub present: Vec<String>,
    /// Packages fetched from registries (`acme:greet@1.0.0`).
    pub fetched: Vec<String>,
    /// The lock file, when it was written.
    pub lock: Option<PathBuf>,
}

/// One file for `deps/`: the package's WIT and the packages it uses.
#[derive(Debug)]
pub(crate) struct Provided {
    /// `ns:pkg@version`.
    pub package: PackageName,
    pub file: String,
    pub text: String,
    pub uses: Vec<PackageName>,
}

/// What filling one WIT directory will write: found, verified and
/// resolved, not written yet, so that several directories (an app's) are
/// all planned before any is written.
#[derive(Debug)]
pub struct Plan {
    dir: PathBuf,
    files: Vec<Provided>,
    present: Vec<String>,
    fetched: Vec<String>,
    /// The lock file and its new text, when it changes.
    lock: Option<(PathBuf, String)>,
}

/// Fills `wit_dir/deps/` with every package `wit_dir`'s WIT names
/// (directly, or through packages in `deps/`) that is missing.
pub fn fill(wit_dir: &Path, opts: &Options) -> Result<Filled, DepsError> {
    plan(wit_dir, opts)?.write()
}

/// Plans [`fill`]: everything but the writing.
pub fn plan(wit_dir: &Path, opts: &Options) -> Result<Plan, DepsError> {
    let main = parse_main(wit_dir)?;
    let deps_dir = wit_dir.join("deps");
    let present = present_packages(&deps_dir)?;
    let have: BTreeSet<String> = present.iter().map(|p| p.name.to_string()).collect();

    // What the WIT names, then what those name in turn.
    let mut queue: VecDeque<(PackageName, Option<Box<Located>>)> = VecDeque::new();
    for name in &main.foreign_deps {
        queue.push_back((name.clone(), locate(&main.sources, name).map(Box::new)));
    }
    for p in &present {
        for name in &p.uses {
            queue.push_back((name.clone(), None));
        }
    }
    // Every package (`ns:pkg`) the WIT reaches, for pruning the lock.
    let mut reached: BTreeSet<String> = present
        .iter()
        .map(|p| format!("{}:{}", p.name.namespace, p.name.name))
        .collect();
    let lock_path = LockFile::path_for(wit_dir);
    let lock = LockFile::load(&lock_path).map_err(DepsError::Config)?;
    let old_lock = lock.clone();
    let mut lock = Some(lock);
    let mut fetcher: Option<registry::Fetcher> = None;
    let mut planned: Vec<Provided> = Vec::new();
    let mut fetched = Vec::new();
    while let Some((name, at)) = queue.pop_front() {
        reached.insert(format!("{}:{}", name.namespace, name.name));
        let key = name.to_string();
        if have.contains(&key) || planned.iter().any(|p| p.package.to_string() == key) {
            continue;
        }
        let mut provided = if name.namespace == "wasi" {
            wasi::provide(&name, at)?
        } else {
            // The configuration is read only when a package needs it.
            if fetcher.is_none() {
                let config_path = opts.config.clone().or_else(WkgConfig::default_path);
                let config = match &config_path {
                    Some(path) => WkgConfig::load(path).map_err(DepsError::Config)?,
                    None => WkgConfig::default(),
                };
                fetcher = Some(registry::Fetcher::new(
                    config,
                    config_path,
                    lock.take().expect("moved once"),
                    opts.timeout,
                    opts.insecure,
                ));
            }
            let provided = fetcher.as_mut().expect("made above").provide(&name, at)?;
            fetched.push(key.clone());
            provided
        };
        // Never over a file that holds another package (another version
        // of it, say), nor two packages in one file.
        let taken =
            |file: &str| deps_dir.join(file).exists() || planned.iter().any(|p| p.file == file);
        if taken(&provided.file) {
            provided.file = format!(
                "{}-{}@{}.wit",
                name.namespace,
                name.name,
                name.version
                    .as_ref()
                    .map_or("0".to_string(), |v| v.to_string())
            );
        }
        for used in &provided.uses {
            queue.push_back((used.clone(), None));
        }
        planned.push(provided);
    }
    if !planned.is_empty() {
        check_resolves(wit_dir, &planned)?;
    }
    let mut lock = match fetcher {
        Some(f) => f.into_lock(),
        None => lock.expect("not moved"),
    };
    // Entries of packages the WIT no longer reaches go.
    lock.packages.retain(|p| reached.contains(&p.name));
    let lock = (lock != old_lock && (lock_path.exists() || !lock.packages.is_empty()))
        .then(|| (lock_path, lock.to_text()));
    Ok(Plan {
        dir: wit_dir.to_path_buf(),
        files: planned,
        present: have.into_iter().collect(),
        fetched,
        lock,
    })
}

impl Plan {
    /// Writes the planned files and the lock.
    pub fn write(self) -> Result<Filled, DepsError> {
        let mut filled = Filled {
            present: self.present,
            fetched: self.fetched,
            ..Filled::default()
        };
        let deps_dir = self.dir.join("deps");
        for p in self.files {
            let path = deps_dir.join(&p.file);
            witloom_diag::io::write(&path, &p.text)?;
            filled.written.push(path);
        }
        if let Some((path, text)) = self.lock {
            witloom_diag::io::write(&path, text)?;
            filled.lock = Some(path);
        }
        filled.dir = self.dir;
        Ok(filled)
    }
}

/// Resolves the WIT in `wit_dir` as it will be once `plan` is written,
/// in a scratch copy, so nothing is written for a set that does not
/// resolve.
fn check_resolves(wit_dir: &Path, plan: &[Provided]) -> Result<(), DepsError> {
    let scratch = std::env::temp_dir().join(format!(
        "witloom-deps-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let result = (|| {
        let deps = scratch.join("deps");
        witloom_diag::io::create_dir_all(&deps)?;
        let abs = std::path::absolute(wit_dir).unwrap_or_else(|_| wit_dir.to_path_buf());
        for entry in witloom_diag::io::read_dir(&abs)?.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "wit") && path.is_file() {
                link(&path, &scratch.join(entry.file_name()))?;
            }
        }
        if let Ok(present) = std::fs::read_dir(abs.join("deps")) {
            for entry in present.filter_map(Result::ok) {
                link(&entry.path(), &deps.join(entry.file_name()))?;
            }
        }
        for p in plan {
            // Never through a link into the real `deps/`.
            let path = deps.join(&p.file);
            let _ = std::fs::remove_file(&path);
            witloom_diag::io::write(&path, &p.text)?;
        }
        let mut resolve = wit_parser::Resolve::default();
        resolve
            .push_dir(&scratch)
            .map(|_| ())
            .map_err(|e| DepsError::Resolve(e.into()))
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn link(from: &Path, to: &Path) -> Result<(), DepsError> {
    std::os::unix::fs::symlink(from, to).map_err(|e| {
        DepsError::Io(witloom_diag::IoError::new(
            witloom_diag::io::Action::Create,
            to,
            e,
        ))
    })
}

/// The WIT directories of the app at `manifest`: the app's and any
/// component's own, each once.
pub fn manifest_wit_dirs(manifest: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let manifest = witloom_manifest::Manifest::load(manifest)?;
    let mut dirs = vec![manifest.app.wit.clone()];
    for c in manifest.components.values() {
        if !dirs.contains(&c.wit) {
            dirs.push(c.wit.clone());
        }
    }
    Ok(dirs)
}

/// The main package of a WIT directory, with its sources for locations.
struct Main {
    foreign_deps: Vec<PackageName>,
    sources: Vec<(PathBuf, String)>,
}

fn parse_main(wit_dir: &Path) -> Result<Main, DepsError> {
    let mut sources = Vec::new();
    let mut entries: Vec<PathBuf> = witloom_diag::io::read_dir(wit_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wit") && p.is_file())
        .collect();
    entries.sort();
    for path in entries {
        let text = witloom_diag::io::read_to_string(&path)?;
        sources.push((path, text));
    }
    let mut map = wit_parser::SourceMap::default();
    for (path, text) in &sources {
        map.push(path, text);
    }
    let group = match map.parse() {
        Ok(group) => group,
        // The IR loader renders WIT errors the way every other command
        // does; ask it.
        Err(_) => {
            return Err(DepsError::Wit(
                witloom_ir::load(wit_dir, &Default::default())
                    .err()
                    .unwrap_or_else(|| {
                        Diagnostic::new(format!("`{}` does not parse", wit_dir.display()))
                    }),
            ));
        }
    };
    let mut foreign_deps: Vec<PackageName> = Vec::new();
    let mut add = |g: &wit_parser::UnresolvedPackage| {
        for name in g.foreign_deps.keys() {
            if !foreign_deps.contains(name) {
                foreign_deps.push(name.clone());
            }
        }
    };
    add(&group.main);
    for nested in &group.nested {
        add(nested);
    }
    Ok(Main {
        foreign_deps,
        sources,
    })
}

/// One package found in `deps/`.
struct Present {
    name: PackageName,
    uses: Vec<PackageName>,
}

fn present_packages(deps_dir: &Path) -> Result<Vec<Present>, DepsError> {
    if !deps_dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = witloom_diag::io::read_dir(deps_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let group = if path.is_dir() {
            UnresolvedPackageGroup::parse_dir(&path).map_err(|e| DepsError::Dep {
                path: path.clone(),
                source: e.into(),
            })?
        } else if path.extension().is_some_and(|x| x == "wit") {
            let text = witloom_diag::io::read_to_string(&path)?;
            UnresolvedPackageGroup::parse(&path, &text).map_err(|(map, e)| DepsError::Dep {
                path: path.clone(),
                // The parser's own rendering, with the line it points at.
                source: e.render(&map).into(),
            })?
        } else {
            continue;
        };
        for p in std::iter::once(&group.main).chain(&group.nested) {
            out.push(Present {
                name: p.name.clone(),
                uses: p.foreign_deps.keys().cloned().collect(),
            });
        }
    }
    Ok(out)
}

/// The first place the sources name `package` (`wasi:cli/…@0.2.6`).
fn locate(sources: &[(PathBuf, String)], package: &PackageName) -> Option<Located> {
    let prefix = format!("{}:{}/", package.namespace, package.name);
    for (path, text) in sources {
        let mut from = 0;
        while let Some(i) = text[from..].find(&prefix) {
            let start = from + i;
            let end = text[start..]
                .find(|c: char| c.is_whitespace() || c == ';' || c == ',' || c == '{')
                .map_or(text.len(), |j| start + j);
            let token = text[start..end].trim_end_matches('.');
            let version = token.split_once('@').map(|(_, v)| v);
            let wanted = package.version.as_ref().map(|v| v.to_string());
            if version == wanted.as_deref() {
                let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
                let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                let line = text[..start].matches('\n').count() as u32 + 1;
                let col = text[line_start..start].chars().count() as u32 + 1;
                return Some(Located {
                    location: Location {
                        file: path.display().to_string(),
                        line,
                        col,
                    },
                    line_text: text[line_start..line_end].to_string(),
                    width: token.chars().count(),
                });
            }
            from = end.max(start + 1);
        }
    }
    None
}
