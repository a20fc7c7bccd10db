//! Rust guests: a `cdylib` crate whose bindings come from the
//! `wit_bindgen::generate!` macro, built by `cargo rustc --target
//! wasm32-wasip2`. The toolchain's linker (`wasm-component-ld`) is told to
//! stop at the core module, which witloom makes a component with its own
//! pinned wit-component, as for C and Go: the toolchain's copy may be older
//! than the WIT (it cannot read a world that imports one interface under
//! two names, for one).

use crate::{Backend, Guest, GuestError, Language, Profile, error, error::Action};
use std::path::{Path, PathBuf};
use std::process::Command;
use witloom_app::Toolchain;
use witloom_app::toolchain::RUST_TARGET;

pub(crate) struct Rust;

impl Backend for Rust {
    fn bindings(&self, _guest: &Guest<'_>, _dir: &Path) -> Result<(), GuestError> {
        // `wit_bindgen::generate!` in the guest crate writes them at compile
        // time, from the WIT path the crate names.
        Ok(())
    }

    fn compile(
        &self,
        guest: &Guest<'_>,
        _bindings: &Path,
        tc: &Toolchain,
    ) -> Result<Vec<u8>, GuestError> {
        let manifest = guest.sources.join("Cargo.toml");
        if !manifest.is_file() {
            return Err(GuestError::Input {
                component: guest.name.to_string(),
                message: format!("no Cargo.toml in `{}`", guest.sources.display()),
            });
        }
        let target_dir = guest.work_dir.join("cargo-target");
        let mut cmd = Command::new(tc.program.as_ref().expect("a ready toolchain has cargo"));
        cmd.args(["rustc", "--lib"]);
        // Cargo's own lines ("Compiling …") only when asked for: otherwise
        // they would crowd a compile error.
        if !guest.verbose {
            cmd.arg("--quiet");
        }
        cmd.args([
            "--target",
            RUST_TARGET,
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        // Settings of a cargo that runs witloom (as in tests) are not
        // the guest's.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
        // Each component's artifact lands in its own target directory, but
        // what cargo builds on the way (wit-bindgen's macro and their
        // dependencies: about 20 s of a fresh build) goes to one build
        // directory for the app, under names cargo keeps apart. A build
        // directory the user chose is kept.
        if std::env::var_os("CARGO_BUILD_BUILD_DIR").is_none() {
            cmd.env(
                "CARGO_BUILD_BUILD_DIR",
                guest.shared_dir.join("cargo-build"),
            );
        }
        if guest.profile == Profile::Release {
            cmd.arg("--release");
        }
        // For the guest crate's own link only (dependencies and the
        // user's `rustflags` are untouched).
        cmd.args(["--", "-C", "link-arg=--skip-wit-component"]);
        // Cargo knows a root package by its name and its path relative
        // to its own workspace: two guests named alike (`main` in two
        // apps, or two copies in one) would share one fingerprint and one
        // `main.wasm` in a shared build directory, and the second build
        // would take the first's. Arguments to the guest's own rustc are
        // part of its fingerprint: one that names the crate's directory
        // makes each rebuild when the other was built last. (`-C
        // metadata` only adds to the symbol-mangling seed cargo gives.)
        cmd.args([
            "-C",
            &format!("metadata=witloom-{}", path_key(guest.sources)),
        ]);
        let out = crate::tool::run(guest, &mut cmd)?;
        if !out.status.success() {
            // Diagnostics are rendered on stdout as JSON messages.
            let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if let Ok(msg) = serde_json::from_str::<serde_json::Value>(line)
                    && let Some(rendered) = msg["message"]["rendered"].as_str()
                {
                    output.push_str(rendered);
                }
            }
            return Err(GuestError::Compile {
                component: guest.name.to_string(),
                language: Language::Rust,
                command: out.shown,
                output,
            });
        }
        let wasm = artifact(&out.stdout).ok_or_else(|| GuestError::Input {
            component: guest.name.to_string(),
            message: "cargo built no .wasm: the crate must have `crate-type = [\"cdylib\"]`"
                .to_string(),
        })?;
        error::io(guest.name, Action::Read, &wasm, std::fs::read(&wasm))
    }
}

/// A short key for the crate's directory (its absolute path when it
/// resolves), stable across runs.
fn path_key(dir: &Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    // FNV-1a: stable across Rust releases, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in dir.as_os_str().as_encoded_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The `.wasm` file among the artifacts cargo reported.
fn artifact(stdout: &[u8]) -> Option<PathBuf> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .flat_map(|m| {
            m["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str().map(PathBuf::from))
                .collect::<Vec<_>>()
        })
        .rfind(|f| f.extension().is_some_and(|x| x == "wasm"))
}
