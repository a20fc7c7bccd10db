//! Test support shared by witloom's crates.
//!
//! - [`golden`]: the one golden harness (a test per input file, unified
//!   diffs, `BLESS=1`), and [`assert_golden`] for single files.
//! - [`wasi_wit_dir`], [`link_wasi_deps`]: the WASI 0.2 WIT set witloom
//!   carries (`witloom_host::carried`), written out for tests (never
//!   committed here).
//! - [`registry::LocalRegistry`]: a real OCI registry on a free loopback
//!   port; [`postgres::LocalPostgres`]: a real PostgreSQL server.
//! - [`containerd::LocalContainerd`]: a real containerd as root, in a
//!   directory of its own, with the shim under test on its `PATH`.
//! - [`scripted::ScriptedServer`]: a hostile HTTP/1.1 server on a free
//!   loopback port that answers from a script, every read, write and
//!   connection bounded.

pub mod containerd;
pub mod golden;
pub mod postgres;
pub mod registry;
pub mod scripted;

pub use golden::assert_golden;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/witloom-testkit sits two levels below the root")
        .to_path_buf()
}

/// Cargo's target directory, where tests put what they make: the one
/// cargo itself uses for this workspace.
pub fn target_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| cargo_target_dir(&workspace_root()).unwrap_or_else(|e| panic!("{e}")))
        .clone()
}

/// The target directory cargo uses for the workspace at `root`, as
/// `cargo metadata` reports it (`CARGO_TARGET_DIR`, `build.target-dir` in
/// a cargo config, or `<root>/target`).
pub fn cargo_target_dir(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", Path::new(&cargo).display()))?;
    if !out.status.success() {
        return Err(format!(
            "`cargo metadata` in `{}` failed: {}",
            root.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` names no target_directory".to_string())
}

/// Writes `text` to `path` whole, creating its directory.
fn write_file(path: &Path, text: &str) -> Result<(), String> {
    witloom_diag::io::write(path, text).map_err(|e| e.to_string())
}

/// The version of `krate` pinned in the workspace's `[workspace.dependencies]`
/// as `krate = "=X.Y.Z"`.
pub fn pinned_version(krate: &str) -> String {
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let prefix = format!("{krate} = \"=");
    manifest
        .lines()
        .find_map(|l| l.strip_prefix(&prefix)?.split('"').next())
        .unwrap_or_else(|| panic!("no `{prefix}…\"` line in the workspace Cargo.toml"))
        .to_string()
}

/// The WASI 0.2 WIT set (cli, clocks, filesystem, http, io, random,
/// sockets) that witloom carries (`witloom_host::carried`, taken from the
/// pinned wasmtime crates when witloom was built), written out once as a
/// package directory: a root package whose world includes `wasi:http/proxy`
/// (as wasmtime-wasi-http's own `wit/` has), and every package in `deps/`.
pub fn wasi_wit_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| wasi_set_dir((0, 2), "proxy")).clone()
}

/// The WASI 0.3 WIT set witloom carries (cli, clocks, filesystem, http,
/// random, sockets at 0.3), written out once like [`wasi_wit_dir`]: a
/// root package whose world includes `wasi:http/service`, and every
/// package in `deps/`.
pub fn wasi_0_3_wit_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| wasi_set_dir((0, 3), "service")).clone()
}

/// Whether `p` is on the WASI release line `(major, minor)`.
fn on_line(p: &witloom_host::WitPackage, line: (u64, u64)) -> bool {
    p.version
        .as_ref()
        .is_some_and(|v| (v.major, v.minor) == line)
}

/// The WASI packages of release line `line`, under a root package whose
/// world includes `wasi:http/<http_world>` at their version.
fn wasi_set_dir(line: (u64, u64), http_world: &str) -> PathBuf {
    let carried = witloom_host::carried();
    let wasi: Vec<_> = carried.wasi().filter(|p| on_line(p, line)).collect();
    let http = wasi
        .iter()
        .find(|p| p.name == "wasi:http")
        .expect("witloom carries wasi:http");
    let dir = target_dir()
        .join("witloom-testkit")
        .join(format!("wasi-{}", http.qualified().replace(':', "-")));
    carried
        .write_deps(&dir.join("deps"), &wasi)
        .unwrap_or_else(|e| panic!("{e}"));
    let version = http.version.as_ref().expect("WASI is versioned");
    let root = format!(
        "// The WASI set, as a package directory for tests.\npackage witloom-testkit:wasi-set;\n\nworld all {{\n  include wasi:http/{http_world}@{version};\n}}\n"
    );
    if std::fs::read_to_string(dir.join("wasi-set.wit"))
        .ok()
        .as_deref()
        != Some(&root)
    {
        witloom_diag::io::write(&dir.join("wasi-set.wit"), &root).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// Writes every WASI 0.2 package into
/// `app_dir/wit/deps` (WASI's WIT is never committed), and returns
/// `app_dir`. Safe to call from tests racing on the same directory: each
/// file is written whole.
pub fn link_wasi_deps(app_dir: PathBuf) -> PathBuf {
    let carried = witloom_host::carried();
    let wasi: Vec<_> = carried.wasi().filter(|p| on_line(p, (0, 2))).collect();
    carried
        .write_deps(&app_dir.join("wit/deps"), &wasi)
        .unwrap_or_else(|e| panic!("{e}"));
    app_dir
}

/// An empty directory `target/<rel>` for a test to work in (emptied if it
/// was there).
pub fn scratch_dir(rel: impl AsRef<Path>) -> PathBuf {
    let dir = target_dir().join(rel);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names a component imports at its top level (not those of the
/// components and modules nested in it), in order.
pub fn top_level_imports(bytes: &[u8]) -> Vec<String> {
    let mut imports = Vec::new();
    let mut depth = 0u32;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.unwrap_or_else(|e| panic!("not a valid component: {e}")) {
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            wasmparser::Payload::ComponentImportSection(r) if depth == 0 => {
                for import in r {
                    let import = import.unwrap_or_else(|e| panic!("a bad import: {e}"));
                    imports.push(import.name.full_name().into_owned());
                }
            }
            _ => {}
        }
    }
    imports
}

/// The names of the entries of `dir`, sorted.
pub fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A component of `world` made of a dummy core module: it imports and
/// exports what the world does, and does nothing. For tests of linking
/// and composition that need a component's shape, not its behaviour.
pub fn dummy_component(resolve: &wit_parser::Resolve, world: wit_parser::WorldId) -> Vec<u8> {
    use wit_component::{ComponentEncoder, StringEncoding, dummy_module, embed_component_metadata};
    let mut module = dummy_module(resolve, world, wit_parser::ManglingAndAbi::Standard32);
    embed_component_metadata(&mut module, resolve, world, StringEncoding::UTF8, false)
        .unwrap_or_else(|e| panic!("{e:#}"));
    ComponentEncoder::default()
        .module(&module)
        .and_then(|e| e.validate(true).encode())
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// [`dummy_component`] of world `world` in `wit`, a package that may use
/// the WIT witloom carries (WASI, `witloom:host`).
pub fn carried_component(wit: &str, world: &str) -> Vec<u8> {
    let mut resolve = witloom_host::carried().resolve.clone();
    let pkg = resolve
        .push_str("test.wit", wit)
        .unwrap_or_else(|e| panic!("{e:#}"));
    let world = resolve
        .select_world(&[pkg], Some(world))
        .unwrap_or_else(|e| panic!("{e:#}"));
    dummy_component(&resolve, world)
}

/// `import` lines (`    import ns:pkg/iface@v;`) for every interface
/// `host` provides, and how many: a world that imports all of it, for
/// tests that a runtime's linker provides what it declares.
pub fn import_lines(host: &witloom_host::Capabilities) -> (String, usize) {
    let mut imports = String::new();
    let mut count = 0;
    for provided in host.packages() {
        let package = &provided.package;
        for interface in &provided.interfaces {
            let version = package
                .version
                .as_ref()
                .map_or(String::new(), |v| format!("@{v}"));
            imports.push_str(&format!(
                "    import {}/{interface}{version};\n",
                package.name
            ));
            count += 1;
        }
    }
    (imports, count)
}
