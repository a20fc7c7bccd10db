//! Embeds the WASI WIT of the runtime witloom links: the files the pinned
//! wasmtime-wasi-http crate ships (wasmtime-wasi's packages, and
//! `wasi:http`; wasmtime's `bindgen!` generates the host side from them),
//! found in cargo's registry at the version the workspace locks (witloom-run
//! depends on the crate, so any build of witloom has it unpacked). Never
//! committed to this repository.

use std::path::{Path, PathBuf};

/// `(crate, directory inside it, linked)` holding one `.wit` file per WASI
/// package: WASI 0.2, which `run` and `serve` link, and WASI 0.3.0
/// (`src/p3/wit`), which wasmtime implements and witloom carries for WIT
/// (`wit deps`, `wit check`, docs) but does not link yet. A package of a later
/// source is written to `deps/` as `cli@0.3.0.wit`, beside 0.2's `cli.wit`.
const SOURCES: &[(&str, &str, bool)] = &[
    ("wasmtime-wasi-http", "wit/deps", true),
    ("wasmtime-wasi-http", "src/p3/wit/deps", false),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut out = String::from(
        "/// `(file name, contents, linked)` of each WASI package the runtime\n\
         /// implements, from the wasmtime crates this witloom was built with;\n\
         /// `linked` when `run` and `serve` link it.\n\
         pub(crate) const WASI_FILES: &[(&str, &str, bool)] = &[\n",
    );
    let mut names = Vec::new();
    let mut files_read: Vec<(String, PathBuf)> = Vec::new();
    // `wasi:cli@0.2.12`, from each file's `package` line.
    let mut packages = Vec::new();
    for (i, (krate, rel, linked)) in SOURCES.iter().enumerate() {
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
            out.push_str(&format!(
                "    ({name:?}, include_str!({:?}), {linked}),\n",
                file.display().to_string()
            ));
            if *linked {
                files_read.push((name.clone(), file.clone()));
            }
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
    // What `run` and `serve` provide comes from the packages they link.
    let linked: Vec<String> = packages
        .iter()
        .zip(&names)
        .filter(|(_, name)| files_read.iter().any(|(n, _)| n == *name))
        .map(|(p, _)| p.clone())
        .collect();
    out.push_str(&format!(
        "/// Those of [`WASI_PACKAGES`] that `run` and `serve` link.\n\
         pub const WASI_LINKED: &[&str] = &{linked:?};\n"
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
    let hosts: [(&str, &[&str]); 2] = [
        ("RUN_IMPORTS", &["wasi:cli/imports", "witloom:host/db"]),
        (
            "SERVE_IMPORTS",
            &["wasi:cli/imports", "wasi:http/proxy", "witloom:host/db"],
        ),
    ];
    let mut main = String::from("package witloom:capabilities;\n\nworld all {\n");
    for world in hosts.iter().flat_map(|(_, w)| w.iter()) {
        let (package, name) = world.split_once('/').unwrap();
        let q = qualified(package);
        let version = q.split_once('@').map(|(_, v)| v);
        match version {
            Some(v) => main.push_str(&format!("    include {package}/{name}@{v};\n")),
            None => main.push_str(&format!("    include {package}/{name};\n")),
        }
    }
    main.push_str("}\n");
    std::fs::write(dir.join("capabilities.wit"), main).unwrap();
    let mut resolve = wit_parser::Resolve::default();
    resolve
        .push_dir(&dir)
        .unwrap_or_else(|e| panic!("the carried WIT does not resolve: {e:?}"));
    let mut out = String::new();
    for (constant, worlds) in hosts {
        out.push_str(&format!(
            "/// `(package, version, interface)` imported by {worlds:?}.\n\
             pub(crate) const {constant}: &[(&str, Option<&str>, &str)] = &[\n"
        ));
        for world in worlds {
            let (package, name) = world.split_once('/').unwrap();
            let (id, _) = resolve
                .package_names
                .iter()
                .find(|(n, _)| format!("{}:{}", n.namespace, n.name) == package)
                .map(|(n, id)| (*id, n.clone()))
                .unwrap_or_else(|| panic!("no package `{package}`"));
            let world = resolve.packages[id].worlds[name];
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
