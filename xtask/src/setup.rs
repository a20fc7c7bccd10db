//! Installs what witloom's builds and tests need on a fresh machine (C, Rust,
//! Go, Python and JavaScript guests' toolchains, and the tests' servers), and
//! says exactly what to do about what it cannot install.
//!
//! Runs on every `cargo xtask test` and `demo`, so it must be quick when
//! everything is there: it asks before it installs. The demo needs only
//! the guests' toolchains; the tests also need a headless browser, an
//! OCI registry, PostgreSQL and containerd.

use anyhow::{Result, bail};
use std::process::Command;

/// Rust targets for guests: wasip2 builds components directly, wasip1 core
/// modules are componentized with the preview1 adapter.
const RUST_TARGETS: &[&str] = &["wasm32-wasip2", "wasm32-wasip1"];

/// Debian packages for C guests: clang with the wasm32 backend, lld,
/// wasi-libc's sysroot, and compiler-rt's wasm32 builtins.
const DEBIAN_PACKAGES: &[&str] = &["clang", "lld", "wasi-libc", "libclang-rt-14-dev-wasm32"];

/// The browser the docs site's test drives (headless).
const BROWSER_PACKAGES: &[&str] = &["chromium"];

/// The registry tests' OCI registry (the CNCF distribution registry) and a
/// client nobody here wrote, to inspect what witloom pushed.
const REGISTRY_PACKAGES: &[&str] = &["docker-registry", "skopeo"];

/// The server the PostgreSQL tests start (as the `postgres` user it
/// creates, when they run as root).
const POSTGRES_PACKAGES: &[&str] = &["postgresql"];

/// The containerd shim (`crates/witloom-shim`): `protoc` for its containerd
/// client's build script, libseccomp to link it, and the containerd (with
/// runc) its tests start.
const SHIM_PACKAGES: &[&str] = &["protobuf-compiler", "libseccomp-dev", "containerd"];

/// Everything the tests need: the guests' toolchains, a browser, and an
/// OCI registry with a client.
pub fn run() -> Result<()> {
    guests()?;
    debian_packages(BROWSER_PACKAGES, "The docs site's browser test")?;
    debian_packages(REGISTRY_PACKAGES, "The registry tests")?;
    debian_packages(POSTGRES_PACKAGES, "The PostgreSQL tests")?;
    debian_packages(SHIM_PACKAGES, "The containerd shim's build and tests")
}

/// What building guests needs (`cargo xtask demo`).
pub fn guests() -> Result<()> {
    rust_targets()?;
    debian_packages(DEBIAN_PACKAGES, "C guests")?;
    go()?;
    python()?;
    js()
}

fn rust_targets() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    let installed = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => bail!(
            "rustup is needed to add the wasm targets; install it from your distribution or rustup's site, then run `rustup target add {}`",
            RUST_TARGETS.join(" ")
        ),
    };
    let missing: Vec<&str> = RUST_TARGETS
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if !missing.is_empty() {
        println!("setup: rustup target add {}", missing.join(" "));
        crate::run(
            Command::new("rustup")
                .args(["target", "add"])
                .args(&missing),
        )?;
    }
    Ok(())
}

/// Installs the `packages` missing (as root), or says how; `who` needs them.
fn debian_packages(packages: &[&str], who: &str) -> Result<()> {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        println!(
            "setup: not a Debian system; C guests need clang, lld and a wasi-libc sysroot (or set WASI_SDK_PATH to a wasi-sdk); the docs' browser test needs chromium; the registry tests need docker-registry and skopeo; the PostgreSQL tests need postgresql; the containerd shim needs protoc and libseccomp to build, and containerd for its tests"
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !is_root() {
        bail!(
            "{who} needs Debian packages that are missing; run: sudo apt-get update && sudo {install}"
        );
    }
    println!("setup: apt-get update && {install}");
    crate::run(Command::new("apt-get").args(["update", "-qq"]))?;
    crate::run(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// componentize-py, pinned, from PyPI into witloom's own virtual
/// environment (`witloom_app::toolchain::componentize_py_env`), never
/// the user's site-packages: the path `witloom` looks at first.
fn python() -> Result<()> {
    use witloom_app::toolchain::{COMPONENTIZE_PY, componentize_py_env};
    let tc = witloom_app::toolchain::detect(witloom_manifest::Language::Python);
    if tc.ready() {
        return Ok(());
    }
    let Some(env) = componentize_py_env() else {
        bail!("no place for witloom's toolchains: set HOME or WITLOOM_TOOLCHAINS");
    };
    println!(
        "setup: componentize-py {COMPONENTIZE_PY} into {}",
        env.display()
    );
    // A half-made environment (an interrupted install) is made again.
    let _ = std::fs::remove_dir_all(&env);
    crate::run(Command::new("python3").arg("-m").arg("venv").arg(&env))?;
    crate::run(
        Command::new(env.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("componentize-py=={COMPONENTIZE_PY}")),
    )?;
    let tc = witloom_app::toolchain::detect(witloom_manifest::Language::Python);
    if let Some(missing) = tc.missing.first() {
        bail!("componentize-py is still not ready: {}", missing.what);
    }
    Ok(())
}

/// componentize-js and jco-transpile (editor types), pinned, from npm
/// into witloom's own prefix
/// (`witloom_app::toolchain::componentize_js_dir`), never the user's
/// global npm. Node.js itself is the machine's (reported if missing).
fn js() -> Result<()> {
    use witloom_app::toolchain::{COMPONENTIZE_JS, JCO_TRANSPILE, componentize_js_dir};
    let tc = witloom_app::toolchain::detect(witloom_manifest::Language::Js);
    if tc.ready() {
        return Ok(());
    }
    if missing_node(&tc) {
        let missing = &tc.missing[0];
        bail!("{}: {}", missing.what, missing.install);
    }
    let Some(dir) = componentize_js_dir() else {
        bail!("no place for witloom's toolchains: set HOME or WITLOOM_TOOLCHAINS");
    };
    println!(
        "setup: componentize-js {COMPONENTIZE_JS} into {}",
        dir.display()
    );
    let _ = std::fs::remove_dir_all(&dir);
    crate::run(
        Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&dir)
            .args(["--no-audit", "--no-fund", "--loglevel=error"])
            .arg(format!(
                "@bytecodealliance/componentize-js@{COMPONENTIZE_JS}"
            ))
            .arg(format!("@bytecodealliance/jco-transpile@{JCO_TRANSPILE}")),
    )?;
    let tc = witloom_app::toolchain::detect(witloom_manifest::Language::Js);
    if let Some(missing) = tc.missing.first() {
        bail!("componentize-js is still not ready: {}", missing.what);
    }
    Ok(())
}

/// Whether what `tc` lacks is Node.js itself, which setup does not install.
fn missing_node(tc: &witloom_app::Toolchain) -> bool {
    tc.missing.iter().any(|m| m.what.starts_with("Node.js"))
}

/// Go cannot be installed from here (it is not a Debian package of a
/// recent enough version), so a missing or old Go is reported, as
/// `witloom doctor` sees it; under CI it fails the run, as a missing
/// toolchain must not turn into skipped tests.
fn go() -> Result<()> {
    let tc = witloom_app::toolchain::detect(witloom_manifest::Language::Go);
    let Some(missing) = tc.missing.first() else {
        return Ok(());
    };
    let msg = format!("{}: {}", missing.what, missing.install);
    if std::env::var_os("CI").is_some() {
        bail!("{msg}");
    }
    println!("setup: warning: {msg}");
    Ok(())
}
