//! What a witloom host provides to the components it runs, as data: which
//! WIT packages, at which versions, with which interfaces. Composition
//! (what may be left for the host), `compose --check` (the report), the
//! docs (the host's box in the graph), `witloom run` (its refusal before
//! linking) and guest builds (what a language runtime may import beyond
//! its world) all read this one value, so they cannot disagree.
//!
//! The packages are the WIT witloom carries ([`wit`]): WASI's, taken at
//! build time from the pinned wasmtime crates (the same files wasmtime
//! generates its host side from), and `witloom:host`. `witloom-run` tests
//! that its linker provides exactly [`Capabilities::run`].
//!
//! An import is provided the way wasmtime's linker matches names: the same
//! package and interface, at the same version or one on the same semver
//! track (`0.2.6` and `0.2.12` are; `0.3.0` is not), since the host
//! registers its version and wasmtime accepts any compatible one.

pub mod entry;
pub mod wit;

pub use entry::{Entry, Wasi};
use semver::Version;
use std::sync::OnceLock;
pub use wit::{
    Carried, WASI_PACKAGES, WASI_RUN, WASI_SERVE, WASMTIME_VERSION, WitPackage, carried,
};

/// What kind of capability an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// WASI: what every runtime provides, and what guests' language
    /// runtimes (libc, Go, Rust's std) import beyond their worlds.
    Wasi,
    /// witloom's own (`witloom:host/*`): granted by the host, such as SQL.
    Witloom,
}

/// A capability the user must grant before a component may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `witloom:host/sql`: a database (`--sqlite`).
    Database,
}

/// The interfaces that need a grant: `(package, interface, grant)`.
const GRANTED: &[(&str, &str, Grant)] = &[("witloom:host", "sql", Grant::Database)];

/// How an import is provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provision {
    pub kind: Kind,
    /// The WASI line of the package that provides it (none for
    /// `witloom:host`): a host links 0.3 only for a component that
    /// imports it.
    pub wasi: Option<Wasi>,
    /// What the user must grant first, if anything.
    pub grant: Option<Grant>,
}

/// The capabilities of one kind of witloom host.
#[derive(Debug)]
pub struct Capabilities {
    /// Who provides them, for messages: `witloom run`.
    pub host: &'static str,
    packages: Vec<Provided>,
}

/// One package the host provides, and which of its interfaces: those its
/// worlds import (not, say, `wasi:cli/run`, which commands export).
#[derive(Debug, PartialEq, Eq)]
pub struct Provided {
    pub package: Package,
    pub interfaces: Vec<String>,
}

impl Provided {
    /// WASI first, then by name, then oldest version first.
    fn order(&self) -> (bool, String, Option<Version>) {
        (
            self.package.kind != Kind::Wasi,
            self.package.name.clone(),
            self.package.version.clone(),
        )
    }
}

/// A WIT package by name and version; its WIT is in [`carried`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `wasi:cli`.
    pub name: String,
    pub kind: Kind,
    pub version: Option<Version>,
}

impl Package {
    fn new(name: &str, version: Option<Version>) -> Package {
        Package {
            name: name.to_string(),
            kind: if name.starts_with("wasi:") {
                Kind::Wasi
            } else {
                Kind::Witloom
            },
            version,
        }
    }

    /// `wasi:cli@0.2.12`.
    pub fn qualified(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.name),
            None => self.name.clone(),
        }
    }
}

// `RUN_IMPORTS`, `SERVE_IMPORTS`: resolved from the carried WIT at build
// time (`build.rs`), so that knowing what a host provides parses nothing.
include!(concat!(env!("OUT_DIR"), "/capabilities.rs"));

/// Why an import is not provided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotProvided {
    #[error("`{import}` is not an interface of a WIT package")]
    NotAnInterface { import: String },
    #[error("no package `{package}` is provided")]
    UnknownPackage { package: String },
    #[error("`{package}` has no interface `{interface}`")]
    UnknownInterface { package: String, interface: String },
    #[error("`{import}` names no version; the host provides `{package}@{provided}`")]
    Unversioned {
        import: String,
        package: String,
        provided: Version,
    },
    #[error("`{package}` is provided at {}, which {} not serve {requested}", versions(.provided), if .provided.len() == 1 { "does" } else { "do" })]
    Version {
        package: String,
        requested: String,
        /// Every version provided, oldest first.
        provided: Vec<Version>,
    },
}

impl Capabilities {
    /// What `witloom run` provides: what WASI's `wasi:cli/imports` world
    /// imports at 0.2 and at 0.3 (as wasmtime-wasi's own host bindings
    /// do), and witloom's DB world.
    pub fn run() -> &'static Capabilities {
        static RUN: OnceLock<Capabilities> = OnceLock::new();
        RUN.get_or_init(|| Capabilities::from_imports("witloom run", RUN_IMPORTS))
    }

    /// What `witloom serve` provides: what `witloom run` does, and what
    /// the `wasi:http/proxy` world imports (`wasi:http/types` and
    /// `outgoing-handler`, whose requests are refused unless granted).
    pub fn serve() -> &'static Capabilities {
        static SERVE: OnceLock<Capabilities> = OnceLock::new();
        SERVE.get_or_init(|| Capabilities::from_imports("witloom serve", SERVE_IMPORTS))
    }

    /// A host that provides `imports` (`(package, version, interface)`,
    /// in the order the worlds import them): by package and version,
    /// WASI's first, each package's interfaces in that order.
    fn from_imports(host: &'static str, imports: &[(&str, Option<&str>, &str)]) -> Capabilities {
        let mut packages: Vec<Provided> = Vec::new();
        for (package, version, interface) in imports {
            let version = version.map(|v| Version::parse(v).expect("a version wit-parser read"));
            match packages
                .iter_mut()
                .find(|p| p.package.name == *package && p.package.version == version)
            {
                Some(p) => {
                    if !p.interfaces.iter().any(|i| i == interface) {
                        p.interfaces.push(interface.to_string());
                    }
                }
                None => packages.push(Provided {
                    package: Package::new(package, version),
                    interfaces: vec![interface.to_string()],
                }),
            }
        }
        packages.sort_by_key(Provided::order);
        Capabilities { host, packages }
    }

    /// A host that provides what `worlds` (`ns:pkg/world`, at the version
    /// carried) import, computed from the WIT carried at run time: what
    /// `build.rs` computed into [`RUN_IMPORTS`] and [`SERVE_IMPORTS`],
    /// checked by the tests.
    #[cfg(test)]
    fn importing(host: &'static str, worlds: &[&str]) -> Capabilities {
        let carried = carried();
        let resolve = &carried.resolve;
        let mut packages: Vec<Provided> = Vec::new();
        for world in worlds {
            // `@0.3`: the version carried on that line.
            let (path, line) = match world.split_once('@') {
                Some((path, line)) => (path, Some(line)),
                None => (*world, None),
            };
            let (package, name) = path.split_once('/').expect("ns:pkg/world");
            let p = match line {
                Some(line) => carried.versions(package).find(|p| {
                    p.version
                        .as_ref()
                        .is_some_and(|v| format!("{}.{}", v.major, v.minor) == line)
                }),
                None => carried.package(package),
            }
            .unwrap_or_else(|| panic!("witloom carries no `{world}`"));
            let id = resolve.packages[p.id].worlds[name];
            for item in resolve.worlds[id].imports.values() {
                let wit_parser::WorldItem::Interface { id, .. } = item else {
                    continue;
                };
                let iface = &resolve.interfaces[*id];
                let (Some(owner), Some(iface_name)) = (iface.package, &iface.name) else {
                    continue;
                };
                let owner = carried
                    .packages
                    .iter()
                    .find(|p| p.id == owner)
                    .expect("a carried package");
                match packages
                    .iter_mut()
                    .find(|p| p.package.name == owner.name && p.package.version == owner.version)
                {
                    Some(p) => {
                        if !p.interfaces.contains(iface_name) {
                            p.interfaces.push(iface_name.clone());
                        }
                    }
                    None => packages.push(Provided {
                        package: Package {
                            name: owner.name.clone(),
                            kind: owner.kind,
                            version: owner.version.clone(),
                        },
                        interfaces: vec![iface_name.clone()],
                    }),
                }
            }
        }
        packages.sort_by_key(Provided::order);
        Capabilities { host, packages }
    }

    /// The packages provided, and which of their interfaces.
    pub fn packages(&self) -> &[Provided] {
        &self.packages
    }

    /// Whether the import named `import` (`wasi:cli/stdout@0.2.6`) is
    /// provided, and as what.
    pub fn check(&self, import: &str) -> Result<Provision, NotProvided> {
        let (path, version) = match import.rsplit_once('@') {
            Some((path, v)) => (path, Some(v)),
            None => (import, None),
        };
        let Some((package, interface)) = path.split_once('/').filter(|(p, _)| p.contains(':'))
        else {
            return Err(NotProvided::NotAnInterface {
                import: import.to_string(),
            });
        };
        let named: Vec<&Provided> = self
            .packages
            .iter()
            .filter(|p| p.package.name == package)
            .collect();
        if named.is_empty() {
            return Err(NotProvided::UnknownPackage {
                package: package.to_string(),
            });
        }
        // The version on the import's track (wasmtime's rule); a package
        // carried without a version serves any.
        let on_track = |p: &&Provided| match (&p.package.version, version) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(have), Some(requested)) => {
                Version::parse(requested).is_ok_and(|r| same_track(&r, have))
            }
        };
        let Some(Provided {
            package: provided,
            interfaces,
        }) = named.iter().copied().find(on_track)
        else {
            let provided: Vec<Version> = named
                .iter()
                .filter_map(|p| p.package.version.clone())
                .collect();
            return Err(match version {
                None => NotProvided::Unversioned {
                    import: import.to_string(),
                    package: package.to_string(),
                    provided: provided[0].clone(),
                },
                Some(requested) => NotProvided::Version {
                    package: package.to_string(),
                    requested: requested.to_string(),
                    provided,
                },
            });
        };
        if !interfaces.iter().any(|i| i == interface) {
            return Err(NotProvided::UnknownInterface {
                package: provided.qualified(),
                interface: interface.to_string(),
            });
        }
        Ok(Provision {
            kind: provided.kind,
            wasi: match provided.kind {
                Kind::Wasi => provided.version.as_ref().and_then(Wasi::of),
                Kind::Witloom => None,
            },
            grant: GRANTED
                .iter()
                .find(|(p, i, _)| *p == package && *i == interface)
                .map(|(.., g)| *g),
        })
    }

    /// What the host provides, in a line: `WASI 0.2.12 (cli, clocks, …),
    /// WASI 0.3.0 (cli, …) and witloom:host 0.1.0 (sql, log)`: WASI by
    /// version, then the others by package.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut wasi_versions: Vec<Option<&Version>> = Vec::new();
        for p in self
            .packages
            .iter()
            .filter(|p| p.package.kind == Kind::Wasi)
        {
            if !wasi_versions.contains(&p.package.version.as_ref()) {
                wasi_versions.push(p.package.version.as_ref());
            }
        }
        for version in wasi_versions {
            let names: Vec<&str> = self
                .packages
                .iter()
                .filter(|p| p.package.kind == Kind::Wasi && p.package.version.as_ref() == version)
                .map(|p| &p.package.name["wasi:".len()..])
                .collect();
            let version = version.map_or(String::new(), |v| format!(" {v}"));
            parts.push(format!("WASI{version} ({})", names.join(", ")));
        }
        for p in self
            .packages
            .iter()
            .filter(|p| p.package.kind != Kind::Wasi)
        {
            let version = p
                .package
                .version
                .as_ref()
                .map_or(String::new(), |v| format!(" {v}"));
            parts.push(format!(
                "{}{version} ({})",
                p.package.name,
                p.interfaces.join(", ")
            ));
        }
        match parts.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => parts.join(""),
        }
    }
}

/// `0.2.12`, `0.2.12 and 0.3.0`.
fn versions(versions: &[Version]) -> String {
    let each: Vec<String> = versions.iter().map(Version::to_string).collect();
    match each.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => each.join(""),
    }
}

/// What kind of package `import` (`wasi:cli/stdout@0.2.6`) belongs to, if
/// it is one witloom carries, whatever its version: for grouping and
/// reports, not for deciding what a host provides (that is
/// [`Capabilities::check`]).
pub fn kind_of(import: &str) -> Option<Kind> {
    let package = import.split_once('/')?.0;
    carried().versions(package).next().map(|p| p.kind)
}

/// Whether a component asking for `requested` is served by `provided`, by
/// wasmtime's rule: the same version, or the same semver track (the major
/// version; below 1.0 the minor; below 0.1 nothing else).
pub fn same_track(requested: &Version, provided: &Version) -> bool {
    if requested == provided {
        return true;
    }
    if !requested.pre.is_empty() || !provided.pre.is_empty() {
        return false;
    }
    match (requested.major, requested.minor) {
        (0, 0) => false,
        (0, minor) => provided.major == 0 && provided.minor == minor,
        (major, _) => provided.major == major,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables `build.rs` resolved are what the WIT carried at run time
    /// says, for both hosts.
    #[test]
    fn the_build_time_tables_match_the_carried_wit() {
        assert_eq!(
            Capabilities::run().packages,
            Capabilities::importing(
                "witloom run",
                &[
                    "wasi:cli/imports",
                    "wasi:cli/imports@0.3",
                    "witloom:host/db"
                ]
            )
            .packages
        );
        assert_eq!(
            Capabilities::serve().packages,
            Capabilities::importing(
                "witloom serve",
                &[
                    "wasi:cli/imports",
                    "wasi:http/proxy",
                    "wasi:cli/imports@0.3",
                    "wasi:http/service@0.3",
                    "witloom:host/db"
                ],
            )
            .packages
        );
    }

    #[test]
    fn wasi_and_witloom_host_at_their_versions() {
        let run = Capabilities::run();
        let names: Vec<String> = run
            .packages()
            .iter()
            .map(|p| p.package.qualified())
            .collect();
        assert_eq!(
            names,
            [
                "wasi:cli@0.2.12",
                "wasi:cli@0.3.0",
                "wasi:clocks@0.2.12",
                "wasi:clocks@0.3.0",
                "wasi:filesystem@0.2.12",
                "wasi:filesystem@0.3.0",
                "wasi:io@0.2.12",
                "wasi:random@0.2.12",
                "wasi:random@0.3.0",
                "wasi:sockets@0.2.12",
                "wasi:sockets@0.3.0",
                "witloom:host@0.1.0",
            ]
        );
        assert_eq!(
            run.summary(),
            "WASI 0.2.12 (cli, clocks, filesystem, io, random, sockets), \
             WASI 0.3.0 (cli, clocks, filesystem, random, sockets) \
             and witloom:host 0.1.0 (sql, log)"
        );
        // `serve` links both, and HTTP at each.
        assert_eq!(
            Capabilities::serve().summary(),
            "WASI 0.2.12 (cli, clocks, filesystem, http, io, random, sockets), \
             WASI 0.3.0 (cli, clocks, filesystem, http, random, sockets) \
             and witloom:host 0.1.0 (sql, log)"
        );
    }

    #[test]
    fn imports_match_as_wasmtime_matches_them() {
        let run = Capabilities::run();
        let wasi = Provision {
            kind: Kind::Wasi,
            wasi: Some(Wasi::P2),
            grant: None,
        };
        assert_eq!(run.check("wasi:cli/stdout@0.2.6"), Ok(wasi));
        assert_eq!(run.check("wasi:io/streams@0.2.12"), Ok(wasi));
        assert_eq!(
            run.check("witloom:host/sql@0.1.0"),
            Ok(Provision {
                kind: Kind::Witloom,
                wasi: None,
                grant: Some(Grant::Database)
            })
        );
        assert_eq!(
            run.check("witloom:host/log@0.1.0").map(|p| p.grant),
            Ok(None)
        );
        // Two versions of one package, each serving its own track.
        assert_eq!(
            run.check("wasi:cli/stdout@0.3.0"),
            Ok(Provision {
                wasi: Some(Wasi::P3),
                ..wasi
            })
        );
        assert_eq!(
            run.check("wasi:cli/stdout@0.4.0"),
            Err(NotProvided::Version {
                package: "wasi:cli".into(),
                requested: "0.4.0".into(),
                provided: vec![Version::new(0, 2, 12), Version::new(0, 3, 0)],
            })
        );
        assert_eq!(
            run.check("wasi:cli/stdout@0.4.0").unwrap_err().to_string(),
            "`wasi:cli` is provided at 0.2.12 and 0.3.0, which do not serve 0.4.0"
        );
        // 0.3 has no `wasi:io`: its streams are the component model's.
        assert!(matches!(
            run.check("wasi:io/streams@0.3.0"),
            Err(NotProvided::Version { .. })
        ));
        // An interface is looked up in the version on the import's track.
        assert!(matches!(
            run.check("wasi:filesystem/nonsense@0.3.0"),
            Err(NotProvided::UnknownInterface { .. })
        ));
        // `serve` links 0.3 too, HTTP included; `run` links 0.3 but its
        // HTTP.
        assert_eq!(
            Capabilities::serve().check("wasi:http/types@0.3.0"),
            Ok(Provision {
                wasi: Some(Wasi::P3),
                ..wasi
            })
        );
        assert!(matches!(
            run.check("wasi:http/types@0.3.0"),
            Err(NotProvided::UnknownPackage { .. })
        ));
        assert_eq!(
            run.check("wasi:http/types@0.2.12"),
            Err(NotProvided::UnknownPackage {
                package: "wasi:http".into()
            })
        );
        assert_eq!(
            run.check("wasi:cli/nonsense@0.2.12"),
            Err(NotProvided::UnknownInterface {
                package: "wasi:cli@0.2.12".into(),
                interface: "nonsense".into()
            })
        );
        assert!(matches!(
            run.check("wasi:cli/stdout"),
            Err(NotProvided::Unversioned { .. })
        ));
        assert!(matches!(
            run.check("greet"),
            Err(NotProvided::NotAnInterface { .. })
        ));
        assert!(run.check("my:app/thing@1.0.0").is_err());
        // Commands export `run`; no host provides it.
        assert!(matches!(
            run.check("wasi:cli/run@0.2.12"),
            Err(NotProvided::UnknownInterface { .. })
        ));
    }

    #[test]
    fn semver_tracks() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert!(same_track(&v("0.2.0"), &v("0.2.12")));
        assert!(same_track(&v("0.2.13"), &v("0.2.12")));
        assert!(!same_track(&v("0.3.0"), &v("0.2.12")));
        assert!(same_track(&v("1.4.0"), &v("1.0.0")));
        assert!(!same_track(&v("2.0.0"), &v("1.9.0")));
        assert!(!same_track(&v("0.0.1"), &v("0.0.2")));
        assert!(same_track(&v("0.0.1"), &v("0.0.1")));
        assert!(!same_track(&v("0.2.0-rc"), &v("0.2.0")));
    }

    #[test]
    fn the_carried_wit_writes_out_as_deps_that_resolve() {
        let carried = carried();
        let dir = witloom_testkit::scratch_dir("witloom-host-tests/deps");
        let cli = carried.package("wasi:cli").unwrap();
        let written = carried.write_deps(&dir.join("deps"), &[cli]).unwrap();
        let mut names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        // cli uses io, clocks, random, filesystem and sockets.
        assert_eq!(
            names,
            [
                "cli.wit",
                "clocks.wit",
                "filesystem.wit",
                "io.wit",
                "random.wit",
                "sockets.wit"
            ]
        );
        // Written again: nothing changes.
        assert!(
            carried
                .write_deps(&dir.join("deps"), &[cli])
                .unwrap()
                .is_empty()
        );
        std::fs::write(
            dir.join("app.wit"),
            "package my:app;\nworld app { export wasi:cli/run@0.2.12; }\n",
        )
        .unwrap();
        let mut resolve = wit_parser::Resolve::default();
        resolve.push_dir(&dir).unwrap();
    }
}
