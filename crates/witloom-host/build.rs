//! Embeds the WASI WIT of the runtime witloom links: the files the pinned
//! wasmtime-wasi-http crate ships (wasmtime-wasi's packages, and
//! `wasi:http`; wasmtime's `bindgen!` generates the host side from them),
//! found in cargo's registry at the version the workspace locks (witloom-run
//! depends on the crate, so any build of witloom has it unpacked). Never
//! committed to this repository.

use std::path::{Path, PathBuf};

/// `(crate, directory inside it, run links its wasi:http)` holding one
/// `.wit` file per WASI package: WASI 0.2 and WASI 0.3.0 (`src/p3/wit`),
/// both of which `serve` links whole and `run` links but for 0.3's
/// `wasi:http` (a 0.3 handler is served, not run; 0.2's `wasi:http` is
/// what a 0.2 command's outgoing requests would use). A package of a
/// later source is written to `deps/` as `cli@0.3.0.wit`, beside 0.2's
/// `cli.wit`.
const SOURCES: &[(&str, &str, bool)] = &[
    ("wasmtime-wasi-http", "wit/deps", true),
    ("wasmtime-wasi-http", "src/p3/wit/deps", false),
];

/// Whether `run` links the package `name` (`wasi:http`) of a source.
fn run_links(run_http: bool, name: &str) -> bool {
    run_http || name != "wasi:http"
}

/// The worlds whose imports each host provides, `ns:pkg/world` at the
/// version both hosts link unless a release line is named (`@0.3`: the
/// carried version on it, whichever patch wasmtime ships).
const HOSTS: [(&str, &[&str]); 2] = [
    (
        "RUN_IMPORTS",
        &[
            "wasi:cli/imports",
            "wasi:cli/imports@0.3",
            "witloom:host/db",
        ],
    ),
    (
        "SERVE_IMPORTS",
        &[
            "wasi:cli/imports",
            "wasi:http/proxy",
            "wasi:cli/imports@0.3",
            "wasi:http/service@0.3",
            "witloom:host/db",
        ],
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut out = String::from(
        "/// `(file name, contents, run links it)` of each WASI (`serve` links\n\
         /// them all)\n\
         /// package the runtime implements, from the wasmtime crates this\n\
         /// witloom was built with.\n\
         pub(crate) const WASI_FILES: &[(&str, &str, bool)] = &[\n",
    );
    let mut names = Vec::new();
    // The files the hosts link, for the capability tables.
    let mut files_read: Vec<(String, PathBuf)> = Vec::new();
    // `wasi:cli@0.2.12`, from each file's `package` line, and which hosts
    // link it.
    let mut packages = Vec::new();
    let mut linked = Vec::new();
    let mut run_linked = Vec::new();
    for (i, (krate, rel, run_http)) in SOURCES.iter().enumerate() {
        let dir = witloom_buildsupport::locked_package_dir(krate, rel).join(rel);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "wit"))
            .collect();
        files.sort();
        for file in files {
            println!("cargo:rerun-if-changed={}", file.display());
            let text = std::fs::read_to_string(&file).unwrap();
            let package = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("package "))
                .unwrap_or_else(|| panic!("{} has no package line", file.display()))
                .trim_end_matches(';')
                .trim()
                .to_string();
            if packages.contains(&package) {
                continue;
            }
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let name = match (i, package.split_once('@')) {
                (0, _) | (_, None) => format!("{stem}.wit"),
                (_, Some((_, version))) => format!("{stem}@{version}.wit"),
            };
            assert!(!names.contains(&name), "two carried files named {name}");
            let run = run_links(*run_http, package.split('@').next().unwrap_or_default());
            out.push_str(&format!(
                "    ({name:?}, include_str!({:?}), {run}),\n",
                file.display().to_string()
            ));
            files_read.push((name.clone(), file.clone()));
            if run {
                run_linked.push(package.clone());
            }
            linked.push(package.clone());
            packages.push(package);
            names.push(name);
        }
    }
    assert!(!names.is_empty(), "no WASI WIT found in {SOURCES:?}");
    out.push_str("];\n");
    out.push_str(&format!(
        "/// The wasmtime release witloom embeds (the workspace's lock).\n\
         pub const WASMTIME_VERSION: &str = {:?};\n",
        witloom_buildsupport::locked_package_version("wasmtime")
    ));
    out.push_str(&format!(
        "/// The WASI packages the runtime implements (`wasi:cli@0.2.12`,\n\
         /// `wasi:cli@0.3.0`), known without parsing them.\n\
         pub const WASI_PACKAGES: &[&str] = &{packages:?};\n"
    ));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    out.push_str(&format!(
        "/// Those of [`WASI_PACKAGES`] that `serve` links (all of them).\n\
         pub const WASI_SERVE: &[&str] = &{linked:?};\n\
         /// Those of [`WASI_PACKAGES`] that `run` links (WASI 0.2, and WASI\n\
         /// 0.3 but its HTTP).\n\
         pub const WASI_RUN: &[&str] = &{run_linked:?};\n"
    ));
    std::fs::write(out_dir.join("wasi_wit.rs"), out).unwrap();
    std::fs::write(
        out_dir.join("capabilities.rs"),
        capabilities(&out_dir, &files_read, &linked),
    )
    .unwrap();
}

/// What each kind of host provides, resolved here once so that a run does
/// not parse WIT to know it: `(package, version, interface)` for every
/// interface the worlds a host implements import, in their order. Resolved
/// by wit-parser from a package that includes those worlds, with the
/// carried files as its `deps/`. (`Capabilities` tests check the tables
/// against the same computation on the WIT carried at run time.)
fn capabilities(out_dir: &Path, files: &[(String, PathBuf)], packages: &[String]) -> String {
    let host_wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit/host.wit");
    println!("cargo:rerun-if-changed={}", host_wit.display());
    let host_text = std::fs::read_to_string(&host_wit).unwrap();
    let host_package = host_text
        .lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .expect("host.wit has a package line")
        .trim_end_matches(';')
        .trim()
        .to_string();
    let qualified = |name: &str| -> String {
        packages
            .iter()
            .chain([&host_package])
            .find(|p| p.split('@').next() == Some(name))
            .unwrap_or_else(|| panic!("no carried package `{name}`"))
            .clone()
    };
    let dir = out_dir.join("capabilities");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("deps")).unwrap();
    for (name, path) in files {
        std::fs::copy(path, dir.join("deps").join(name)).unwrap();
    }
    std::fs::write(dir.join("deps/witloom-host.wit"), &host_text).unwrap();
    // `ns:pkg/world[@line]`: the oldest version carried (WASI 0.2's), or
    // the one carried on the named line.
    let versioned = |world: &str| -> (String, String, Option<String>) {
        let (path, line) = match world.split_once('@') {
            Some((path, line)) => (path, Some(line)),
            None => (world, None),
        };
        let (package, name) = path.split_once('/').unwrap();
        let version = match line {
            Some(line) => packages
                .iter()
                .filter_map(|p| p.split_once('@'))
                .find(|(n, v)| *n == package && v.starts_with(&format!("{line}.")))
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| panic!("no carried `{package}` on {line}")),
            None => qualified(package)
                .split_once('@')
                .map(|(_, v)| v.to_string())
                .unwrap_or_default(),
        };
        let version = (!version.is_empty()).then_some(version);
        (package.to_string(), name.to_string(), version)
    };
    // One world per host: a world may not include two versions of one
    // package's world into another (their interfaces would clash by name).
    let mut main = String::from("package witloom:capabilities;\n");
    for (i, (_, worlds)) in HOSTS.iter().enumerate() {
        for (j, world) in worlds.iter().enumerate() {
            let (package, name, version) = versioned(world);
            main.push_str(&format!("\nworld host{i}-{j} {{\n"));
            match version {
                Some(v) => main.push_str(&format!("    include {package}/{name}@{v};\n")),
                None => main.push_str(&format!("    include {package}/{name};\n")),
            }
            main.push_str("}\n");
        }
    }
    std::fs::write(dir.join("capabilities.wit"), main).unwrap();
    let mut resolve = wit_parser::Resolve::default();
    resolve
        .push_dir(&dir)
        .unwrap_or_else(|e| panic!("the carried WIT does not resolve: {e:?}"));
    let mut out = String::new();
    for (constant, worlds) in HOSTS {
        out.push_str(&format!(
            "/// `(package, version, interface)` imported by {worlds:?}.\n\
             pub(crate) const {constant}: &[(&str, Option<&str>, &str)] = &[\n"
        ));
        for world in worlds {
            let (package, name, version) = versioned(world);
            let id = resolve
                .package_names
                .iter()
                .find(|(n, _)| {
                    format!("{}:{}", n.namespace, n.name) == package
                        && n.version.as_ref().map(ToString::to_string) == version
                })
                .map(|(_, id)| *id)
                .unwrap_or_else(|| panic!("no package `{package}` at {version:?}"));
            let world = resolve.packages[id].worlds[&name];
            for item in resolve.worlds[world].imports.values() {
                let wit_parser::WorldItem::Interface { id, .. } = item else {
                    continue;
                };
                let iface = &resolve.interfaces[*id];
                let (Some(owner), Some(iface_name)) = (iface.package, &iface.name) else {
                    continue;
                };
                let owner = &resolve.packages[owner].name;
                out.push_str(&format!(
                    "    ({:?}, {:?}, {iface_name:?}),\n",
                    format!("{}:{}", owner.namespace, owner.name),
                    owner.version.as_ref().map(|v| v.to_string())
                ));
            }
        }
        out.push_str("];\n");
    }
    out
}
