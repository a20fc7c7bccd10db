//! The WIT a witloom host implements, carried inside witloom: WASI's, as
//! the pinned wasmtime crates ship it (embedded at build time, never
//! committed): WASI 0.2 and WASI 0.3.0, which `serve` links whole and
//! `run` links but for 0.3's `wasi:http`; and witloom's own
//! `witloom:host` (`wit/host.wit`). Parsed once, on first use. One package
//! name may be carried at two versions (`wasi:cli@0.2.12` and
//! `wasi:cli@0.3.0`); packages are told apart by name and version.

use crate::Kind;
use semver::Version;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wit_parser::{PackageId, Resolve, UnresolvedPackageGroup};
use witloom_diag::IoError;

include!(concat!(env!("OUT_DIR"), "/wasi_wit.rs"));

/// `wit/host.wit`: `witloom:host`, the DB world's capabilities.
const WITLOOM_HOST: (&str, &str, bool) = (
    "witloom-host.wit",
    include_str!("../../../wit/host.wit"),
    true,
);

/// One WIT package witloom carries.
#[derive(Debug, Clone)]
pub struct WitPackage {
    /// `wasi:cli`.
    pub name: String,
    /// WASI, or witloom's own: decided here, once, from the namespace.
    pub kind: Kind,
    pub version: Option<Version>,
    /// Its interfaces, in source order (those behind an `@unstable` gate
    /// left out, as the runtime leaves them out).
    pub interfaces: Vec<String>,
    /// The packages it uses, by name and version (`wasi:io@0.2.12`).
    pub uses: Vec<String>,
    /// Whether `witloom run` links it (WASI 0.2 and 0.3, but 0.3's HTTP;
    /// `witloom:host`). `witloom serve` links every package carried.
    pub run: bool,
    /// The file's name in a `deps/` directory (`cli.wit`).
    pub file: &'static str,
    /// The WIT text.
    pub source: &'static str,
    /// Its id in [`Carried::resolve`].
    pub id: PackageId,
}

impl WitPackage {
    /// `wasi:cli@0.2.12`.
    pub fn qualified(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Every package witloom carries, resolved together.
#[derive(Debug)]
pub struct Carried {
    pub resolve: Resolve,
    /// WASI's packages first (by name), then `witloom:host`.
    pub packages: Vec<WitPackage>,
}

impl Carried {
    /// The package named `name` (`wasi:cli`, no version) at the version
    /// a name without a version means: the oldest both `run` and `serve`
    /// link (WASI 0.2's).
    pub fn package(&self, name: &str) -> Option<&WitPackage> {
        self.packages
            .iter()
            .filter(|p| p.name == name && p.run)
            .min_by(|a, b| a.version.cmp(&b.version))
    }

    /// Every version carried of the package named `name`, oldest first.
    pub fn versions<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a WitPackage> + 'a {
        self.packages.iter().filter(move |p| p.name == name)
    }

    /// The package `qualified` names (`wasi:io@0.2.12`, or unversioned).
    fn by_qualified(&self, qualified: &str) -> Option<&WitPackage> {
        self.packages.iter().find(|p| p.qualified() == qualified)
    }

    /// WASI's packages.
    pub fn wasi(&self) -> impl Iterator<Item = &WitPackage> {
        self.packages.iter().filter(|p| p.kind == Kind::Wasi)
    }

    /// `package` and every package it uses, directly or not, each once.
    pub fn closure<'a>(&'a self, package: &'a WitPackage) -> Vec<&'a WitPackage> {
        let mut out: Vec<&WitPackage> = vec![package];
        let mut i = 0;
        while i < out.len() {
            for used in &out[i].uses {
                if let Some(p) = self.by_qualified(used)
                    && !out.iter().any(|o| o.id == p.id)
                {
                    out.push(p);
                }
            }
            i += 1;
        }
        out
    }

    /// Writes `packages` and what they use into `deps_dir`, one file a
    /// package (`deps/cli.wit`: the layout wit-parser, `wkg` and `wit-deps`
    /// read). Returns the files written; a file already there with the
    /// same text is left alone.
    pub fn write_deps(
        &self,
        deps_dir: &Path,
        packages: &[&WitPackage],
    ) -> Result<Vec<PathBuf>, IoError> {
        let mut all: Vec<&WitPackage> = Vec::new();
        for p in packages {
            for q in self.closure(p) {
                if !all.iter().any(|a| a.id == q.id) {
                    all.push(q);
                }
            }
        }
        let mut written = Vec::new();
        for p in all {
            let path = deps_dir.join(p.file);
            if std::fs::read_to_string(&path).is_ok_and(|t| t == p.source) {
                continue;
            }
            witloom_diag::io::write(&path, p.source)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// The packages witloom carries, parsed and resolved on first use.
pub fn carried() -> &'static Carried {
    static CARRIED: OnceLock<Carried> = OnceLock::new();
    CARRIED.get_or_init(|| {
        parse(WASI_FILES.iter().chain([&WITLOOM_HOST]))
            .unwrap_or_else(|e| panic!("the WIT witloom was built with does not resolve: {e}"))
    })
}

fn parse<'a>(
    files: impl Iterator<Item = &'a (&'static str, &'static str, bool)>,
) -> Result<Carried, String> {
    let mut groups = Vec::new();
    for (file, source, run) in files {
        let group = UnresolvedPackageGroup::parse(*file, source)
            .map_err(|(_, e)| format!("{file}: {e}"))?;
        groups.push((*file, *source, *run, group));
    }
    let mut resolve = Resolve::default();
    // Dependencies first: a package is pushed once all it uses are in.
    let mut pushed: Vec<Pushed> = Vec::new();
    while !groups.is_empty() {
        let ready = groups.iter().position(|(.., g)| {
            g.main
                .foreign_deps
                .keys()
                .all(|dep| pushed.iter().any(|p| p.qualified == dep.to_string()))
        });
        let Some(i) = ready else {
            let names: Vec<String> = groups.iter().map(|(f, ..)| f.to_string()).collect();
            return Err(format!(
                "these packages use packages not carried, or each other in a cycle: {}",
                names.join(", ")
            ));
        };
        let (file, source, run, group) = groups.remove(i);
        let qualified = group.main.name.to_string();
        let name = format!("{}:{}", group.main.name.namespace, group.main.name.name);
        let uses: Vec<String> = group
            .main
            .foreign_deps
            .keys()
            .map(|d| d.to_string())
            .collect();
        let id = resolve
            .push_group(group)
            .map_err(|e| format!("{file}: {e}"))?;
        pushed.push(Pushed {
            qualified,
            name,
            file,
            source,
            run,
            id,
            uses,
        });
    }
    let mut packages: Vec<WitPackage> = pushed
        .into_iter()
        .map(|p| {
            let pkg = &resolve.packages[p.id];
            WitPackage {
                kind: if p.name.starts_with("wasi:") {
                    Kind::Wasi
                } else {
                    Kind::Witloom
                },
                name: p.name,
                version: pkg.name.version.clone(),
                interfaces: pkg.interfaces.keys().cloned().collect(),
                uses: p.uses,
                run: p.run,
                file: p.file,
                source: p.source,
                id: p.id,
            }
        })
        .collect();
    packages.sort_by_key(|p| (p.kind != Kind::Wasi, p.name.clone(), p.version.clone()));
    Ok(Carried { resolve, packages })
}

/// A package pushed into the carried `Resolve`, before it is described.
struct Pushed {
    /// `wasi:cli@0.2.12`, as other packages' `use`s name it.
    qualified: String,
    name: String,
    file: &'static str,
    source: &'static str,
    /// `run` links it.
    run: bool,
    id: PackageId,
    uses: Vec<String>,
}
