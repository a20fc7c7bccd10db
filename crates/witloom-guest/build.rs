//! Embeds the Go support package `go.bytecodealliance.org/pkg` into
//! witloom. Code that wit-bindgen-go generates imports it, but the Go module
//! proxy does not serve it; the wit-bindgen-go crate ships its sources, at
//! exactly the version its generator expects. This script finds that crate's
//! source directory (at the version the workspace locks) and writes
//! `include_str!`s of its files.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let pkg =
        witloom_buildsupport::locked_package_dir("wit-bindgen-go", "src/pkg/wit").join("src/pkg");
    let mut files = Vec::new();
    collect(&pkg, &pkg.join("wit"), &mut files);
    files.push("LICENSE".to_string());
    files.sort();
    let mut out = String::from(
        "/// `(path, contents)` of the Go package go.bytecodealliance.org/pkg,\n\
         /// from the wit-bindgen-go crate this witloom was built with.\n\
         pub(crate) const GO_PKG_FILES: &[(&str, &str)] = &[\n",
    );
    for rel in &files {
        let abs = pkg.join(rel);
        println!("cargo:rerun-if-changed={}", abs.display());
        out.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("go_pkg.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "go" || x == "s") {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}
