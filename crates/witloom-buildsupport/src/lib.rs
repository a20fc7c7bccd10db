//! For witloom's build scripts, which embed files that third-party crates
//! ship (the Go support package of wit-bindgen-go, the WASI WIT of
//! wasmtime-wasi-http) rather than committing copies: where cargo unpacked
//! a dependency's sources, at exactly the version the workspace locks.
//!
//! The lock file decides the version; the sources are looked up in cargo's
//! registry, and when they are not unpacked yet (a crate built on its own
//! before anything that depends on the package), `cargo metadata` on the
//! workspace makes cargo fetch them, as any build would.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The source directory of `krate` at the version the workspace's
/// `Cargo.lock` pins, holding `marker` (a path inside the package that
/// must exist). Panics with what went wrong: a build script cannot do
/// anything else.
pub fn locked_package_dir(krate: &str, marker: &str) -> PathBuf {
    let version = locked_package_version(krate);
    if let Some(dir) = in_registry(krate, &version, marker) {
        return dir;
    }
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let workspace = manifest_dir
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .expect("locked_package_version found it");
    from_metadata(workspace, krate, &version)
        .filter(|dir| dir.join(marker).exists())
        .unwrap_or_else(|| {
            panic!(
                "cannot find the sources of {krate} {version} (with {marker}) in cargo's registry"
            )
        })
}

/// The version of `krate` the workspace's `Cargo.lock` pins (the newest,
/// should it lock several). Panics with what went wrong.
pub fn locked_package_version(krate: &str) -> String {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let lock = manifest_dir
        .ancestors()
        .map(|d| d.join("Cargo.lock"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no Cargo.lock above {}", manifest_dir.display()));
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = std::fs::read_to_string(&lock)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", lock.display()));
    locked_version(&text, krate)
        .unwrap_or_else(|| panic!("{} does not lock {krate}", lock.display()))
}

/// The version of `krate` in a lock file's text; the newest, should it
/// lock several.
fn locked_version(lock: &str, krate: &str) -> Option<String> {
    let name = format!("name = \"{krate}\"");
    lock.split("[[package]]")
        .filter(|block| block.lines().any(|l| l.trim() == name))
        .filter_map(|block| {
            let v = block
                .lines()
                .find_map(|l| l.trim().strip_prefix("version = \""))?;
            Some(v.trim_end_matches('"').to_string())
        })
        .max_by_key(|v| {
            v.split(['.', '-'])
                .map(|p| p.parse::<u64>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
}

/// `$CARGO_HOME/registry/src/*/KRATE-VERSION`, if unpacked.
fn in_registry(krate: &str, version: &str, marker: &str) -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    std::fs::read_dir(cargo_home.join("registry/src"))
        .ok()?
        .flatten()
        .map(|index| index.path().join(format!("{krate}-{version}")))
        .find(|dir| dir.join(marker).exists())
}

/// Asks cargo, which downloads what the workspace needs.
fn from_metadata(workspace: &Path, krate: &str, version: &str) -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .output()
        .ok()?;
    if !out.status.success() {
        println!(
            "cargo:warning=cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let manifest = meta["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == krate && p["version"] == version)?["manifest_path"]
        .as_str()?
        .to_string();
    Path::new(&manifest).parent().map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_locked_version_is_the_newest_of_that_name() {
        let lock = "[[package]]\nname = \"a\"\nversion = \"1.9.0\"\n\n[[package]]\nname = \"a\"\nversion = \"1.10.0\"\n\n[[package]]\nname = \"ab\"\nversion = \"9.0.0\"\n";
        assert_eq!(super::locked_version(lock, "a").as_deref(), Some("1.10.0"));
        assert_eq!(super::locked_version(lock, "b"), None);
    }
}
