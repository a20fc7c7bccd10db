//! Embeds the Go support package `go.bytecodealliance.org/pkg` into
//! witloom. Code that wit-bindgen-go generates imports it, but the Go module
//! proxy does not serve it; the wit-bindgen-go crate ships its sources, at
//! exactly the version its generator expects. This script finds that crate's
//! source directory (with `cargo metadata`, so a custom CARGO_HOME or a
//! vendored registry work too) and writes `include_str!`s of its files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let pkg = wit_bindgen_go_dir().join("src/pkg");
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

/// The wit-bindgen-go package this crate depends on: the version in the
/// workspace's lock file, unpacked in cargo's registry (cargo unpacks every
/// dependency before it runs build scripts). Failing that (a vendored or
/// published build), whatever `cargo metadata` resolves.
fn wit_bindgen_go_dir() -> PathBuf {
    locked_in_registry().unwrap_or_else(from_metadata)
}

fn locked_in_registry() -> Option<PathBuf> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let lock = manifest_dir
        .ancestors()
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())?;
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(lock).ok()?;
    let version = text
        .split("[[package]]")
        .find(|block| block.contains("name = \"wit-bindgen-go\""))?
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))?
        .trim_end_matches('"')
        .to_string();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    std::fs::read_dir(cargo_home.join("registry/src"))
        .ok()?
        .flatten()
        .map(|index| index.path().join(format!("wit-bindgen-go-{version}")))
        .find(|dir| dir.join("src/pkg/wit").is_dir())
}

fn from_metadata() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--manifest-path",
        ])
        .arg(&manifest)
        // Only this platform's packages: others were never downloaded.
        .arg("--filter-platform")
        .arg(std::env::var("TARGET").unwrap())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Pick the wit-bindgen-go our package depends on, in the resolve graph.
    let me = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| {
            n["id"]
                .as_str()
                .is_some_and(|id| id.contains("witloom-guest"))
        })
        .expect("witloom-guest is in its own resolve graph");
    let dep_id = me["deps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "wit_bindgen_go")
        .and_then(|d| d["pkg"].as_str())
        .expect("witloom-guest depends on wit-bindgen-go");
    let package = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == dep_id)
        .unwrap();
    Path::new(package["manifest_path"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_path_buf()
}
