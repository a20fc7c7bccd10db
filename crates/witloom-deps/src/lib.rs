//! `witloom wit deps`: fills a WIT directory's `deps/` with every package
//! its WIT names and does not have yet, the layout wit-parser, `wkg` and
//! `wit-deps` read (one `deps/<name>.wit` file or `deps/<name>/` folder per
//! package).
//!
//! WASI packages come from the WIT witloom carries ([`witloom_host::carried`]:
//! the files of the pinned wasmtime crates, the versions the embedded
//! runtime implements), with no network:
//! - the version the runtime implements is written as it is;
//! - an older version on the same semver track (`0.2.6` when the runtime
//!   implements `0.2.12`) is derived from it: the package and its
//!   references renamed to that version, and the items added after it
//!   (`@since(version = …)` newer than it) gated off, so the WIT says
//!   exactly what that version had. wasmtime serves such imports, as it
//!   matches imports by semver track;
//! - any other version (`0.3.0`, or a `0.2.x` newer than the runtime's) is
//!   refused, naming the versions the runtime has.
//!
//! Nothing is written unless every package named is found and the whole
//! set resolves.

mod wasi;

use semver::Version;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use wit_parser::{PackageName, UnresolvedPackageGroup};
use witloom_diag::{Diagnostic, IoError, Label, Location};

/// Why `deps/` could not be filled.
#[derive(Debug, thiserror::Error)]
pub enum DepsError {
    /// The WIT itself does not parse (the IR loader's diagnostic).
    #[error("{0}")]
    Wit(Diagnostic),
    /// A package in `deps/` does not parse.
    #[error("`{path}` does not parse: {message}")]
    Dep { path: PathBuf, message: String },
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
        available: Version,
    },
    /// A WASI version the runtime cannot serve.
    #[error("the runtime cannot serve `{package}@{requested}`")]
    Version {
        package: String,
        requested: Version,
        at: Option<Box<Located>>,
        available: Version,
    },
    /// A package that is not WASI, with nowhere to fetch it from.
    #[error("`{package}` is not in `deps/`, and it is not WASI")]
    NotWasi {
        package: String,
        at: Option<Box<Located>>,
    },
    /// The packages found do not resolve together.
    #[error("the packages would not resolve: {0}")]
    Resolve(String),
    #[error(transparent)]
    Io(#[from] IoError),
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
                .with_help("fix or remove that package; `witloom wit deps` writes it again"),
            DepsError::NotCarried { at, carried, .. } => {
                with_label(Diagnostic::new(message), &at).with_note(format!(
                    "the runtime implements: {}",
                    carried.join(", ")
                ))
            }
            DepsError::Version {
                package,
                at,
                available,
                ..
            } => with_label(Diagnostic::new(message), &at)
                .with_note(format!(
                    "the versions available are `{package}@{available}` and the older ones on its track (down to {}.{}.0), which wasmtime serves",
                    available.major, available.minor
                ))
                .with_help(format!("name `{package}@{available}`")),
            DepsError::Unversioned {
                package,
                at,
                available,
            } => with_label(Diagnostic::new(message), &at)
                .with_help(format!("name the version the runtime implements: `{package}@{available}`")),
            DepsError::NotWasi { package, at } => with_label(Diagnostic::new(message), &at)
                .with_help(format!(
                    "put its WIT in `deps/` (a folder or a .wit file), or configure a registry for the `{}` namespace",
                    package.split(':').next().unwrap_or(&package)
                )),
            DepsError::Resolve(_) => Diagnostic::new(message),
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
}

/// Fills `wit_dir/deps/` with every package `wit_dir`'s WIT names
/// (directly, or through packages in `deps/`) that is missing.
pub fn fill(wit_dir: &Path) -> Result<Filled, DepsError> {
    let main = parse_main(wit_dir)?;
    let deps_dir = wit_dir.join("deps");
    let present = present_packages(&deps_dir)?;
    let have: BTreeSet<String> = present.iter().map(|p| p.name.to_string()).collect();

    // What the WIT names, then what those name in turn.
    let mut wanted: Vec<(PackageName, Option<Box<Located>>)> = Vec::new();
    for name in &main.foreign_deps {
        wanted.push((name.clone(), locate(&main.sources, name).map(Box::new)));
    }
    for p in &present {
        for name in &p.uses {
            wanted.push((name.clone(), None));
        }
    }
    let plan = wasi::plan(&wanted, &have)?;
    if !plan.is_empty() {
        wasi::check_resolves(wit_dir, &plan)?;
    }
    let mut filled = Filled {
        dir: wit_dir.to_path_buf(),
        present: have.into_iter().collect(),
        ..Filled::default()
    };
    for (file, text) in plan {
        let path = deps_dir.join(file);
        witloom_diag::io::write(&path, &text)?;
        filled.written.push(path);
    }
    Ok(filled)
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
                message: format!("{e:#}"),
            })?
        } else if path.extension().is_some_and(|x| x == "wit") {
            let text = witloom_diag::io::read_to_string(&path)?;
            UnresolvedPackageGroup::parse(&path, &text).map_err(|(map, e)| DepsError::Dep {
                path: path.clone(),
                message: e.render(&map),
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
