//! Embeds the WASI WIT of the runtime witloom links: the files the pinned
//! wasmtime-wasi-http crate ships (wasmtime-wasi's packages, and
//! `wasi:http`; wasmtime's `bindgen!` generates the host side from them),
//! found in cargo's registry at the version the workspace locks (witloom-run
//! depends on the crate, so any build of witloom has it unpacked). Never
//! committed to this repository.

use std::path::PathBuf;

/// `(crate, directory inside it)` holding one `.wit` file per WASI package.
const SOURCES: &[(&str, &str)] = &[("wasmtime-wasi-http", "wit/deps")];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut out = String::from(
        "/// `(file name, contents)` of each WASI package the runtime implements,\n\
         /// from the wasmtime crates this witloom was built with.\n\
         pub(crate) const WASI_FILES: &[(&str, &str)] = &[\n",
    );
    let mut names = Vec::new();
    // `wasi:cli@0.2.12`, from each file's `package` line.
    let mut packages = Vec::new();
    for (krate, rel) in SOURCES {
        let dir = witloom_buildsupport::locked_package_dir(krate, rel).join(rel);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "wit"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if names.contains(&name) {
                continue;
            }
            println!("cargo:rerun-if-changed={}", file.display());
            let text = std::fs::read_to_string(&file).unwrap();
            let package = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("package "))
                .unwrap_or_else(|| panic!("{} has no package line", file.display()));
            packages.push(package.trim_end_matches(';').trim().to_string());
            out.push_str(&format!(
                "    ({name:?}, include_str!({:?})),\n",
                file.display().to_string()
            ));
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
        "/// The WASI packages the runtime implements (`wasi:cli@0.2.12`), known\n\
         /// without parsing them.\n\
         pub const WASI_PACKAGES: &[&str] = &{packages:?};\n"
    ));
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("wasi_wit.rs");
    std::fs::write(dest, out).unwrap();
}
