//! The "generated code compiles" check, batched: every world's bindings
//! become one module of a scratch library crate, checked by one
//! `cargo check` at the end (compiling wasmtime once per run, not once per
//! world, is what makes a thousand worlds affordable). Compiler errors are
//! attributed to worlds by the file their primary span (or the macro call
//! that expanded to it) lies in.

use crate::exec::{Outcome, exec};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The same wasmtime line and features the generated code is written for
/// (`async`, as `bindgen!`'s output, has `instantiate_async`;
/// `component-model-async` for async functions, streams, futures and
/// `error-context`), without what checking it does not need. The patch release is the workspace's: its
/// `Cargo.lock` is copied next to this manifest, and cargo keeps a locked
/// version that meets the requirement.
const MANIFEST: &str = r#"[package]
name = "witloom-fuzz-worlds-bindings"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
wasmtime = { version = "48", default-features = false, features = ["component-model", "runtime", "async", "component-model-async"] }

# Its own workspace: the scratch directory may lie inside witloom's.
[workspace]
"#;

/// Where the scratch crate's build goes: kept between runs, so wasmtime is
/// checked once per machine, not once per run.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"))
        .join("witloom-fuzz-bindings")
}

/// The scratch crate under `dir`: `src/wNNNN.rs` are written by the caller
/// (`module_path`), this clears them and writes the rest.
pub(super) struct Crate {
    dir: PathBuf,
}

impl Crate {
    pub fn create(dir: &Path) -> anyhow::Result<Crate> {
        let src = dir.join("src");
        // Stale modules of an earlier run must not be compiled again.
        if src.exists() {
            std::fs::remove_dir_all(&src).with_context(|| format!("clearing {}", src.display()))?;
        }
        std::fs::create_dir_all(&src).with_context(|| format!("creating {}", src.display()))?;
        std::fs::write(dir.join("Cargo.toml"), MANIFEST)
            .context("writing the scratch Cargo.toml")?;
        // The workspace's lock: `--offline` then resolves to exactly the
        // versions already downloaded and compiled for witloom.
        let lock = crate::workspace_root().join("Cargo.lock");
        std::fs::copy(&lock, dir.join("Cargo.lock"))
            .with_context(|| format!("copying {}", lock.display()))?;
        Ok(Crate {
            dir: dir.to_path_buf(),
        })
    }

    /// Where world `index`'s bindings go.
    pub fn module_path(&self, index: usize) -> PathBuf {
        self.dir
            .join("src")
            .join(format!("{}.rs", module_name(index)))
    }

    /// Checks every module in `indices`. rustc stops before type checking
    /// when some errors (an unresolved name) happen, which would hide the
    /// other modules' errors: so modules with errors are dropped and the
    /// rest checked again, at most `rounds` times.
    pub fn check_all(
        &self,
        indices: &[usize],
        deadline: Duration,
        rounds: usize,
    ) -> anyhow::Result<Verdict> {
        let mut verdict = Verdict::default();
        let mut left: Vec<usize> = indices.to_vec();
        for _ in 0..rounds {
            let checked = self.check(&left, deadline)?;
            verdict.checks += 1;
            verdict.unattributed.extend(checked.unattributed);
            if checked.errors.is_empty() {
                // No module to blame: either all compiled, or cargo failed
                // for a reason of its own (said in `unattributed`).
                if checked.ok {
                    verdict.compiled = left;
                } else {
                    verdict.unverified = left;
                }
                return Ok(verdict);
            }
            left.retain(|i| !checked.errors.contains_key(i));
            verdict.errors.extend(checked.errors);
        }
        // Out of rounds: what is left was not seen to compile.
        verdict.unverified = left;
        Ok(verdict)
    }

    /// Checks the crate with modules `indices`; each world's compiler
    /// errors (rendered), and errors no world could be blamed for.
    fn check(&self, indices: &[usize], deadline: Duration) -> anyhow::Result<Checked> {
        let mut lib = String::from(
            "//! witloom bindgen's output for wit-smith's worlds, one module each.\n\
             #![allow(warnings, clippy::all)]\n",
        );
        for i in indices {
            lib.push_str(&format!("pub mod {};\n", module_name(*i)));
        }
        std::fs::write(self.dir.join("src/lib.rs"), lib).context("writing the scratch lib.rs")?;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        // rustc's messages go to a file: `exec` keeps only the first MiB of
        // a pipe, and a thousand modules' errors can say more than that.
        let messages = self.dir.join("messages.json");
        let mut cmd = Command::new("sh");
        cmd.args(["-c", r#"out="$1"; shift; exec "$@" >"$out""#, "sh"])
            .arg(&messages);
        cmd.arg(&cargo)
            .args(["check", "--offline", "--lib", "--message-format=json"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", target_dir())
            // Flags meant for witloom's own build are not this crate's.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
        let out = exec(cmd, deadline).context("running cargo check on the bindings")?;
        let json = std::fs::read_to_string(&messages).unwrap_or_default();
        Ok(Checked::parse(out, &json, indices))
    }
}

fn module_name(index: usize) -> String {
    format!("w{index:04}")
}

/// What the checks found over all rounds.
#[derive(Default)]
pub(super) struct Verdict {
    /// World index to its compiler errors.
    pub errors: BTreeMap<usize, Vec<String>>,
    /// Errors in no world's file, or cargo's own failure.
    pub unattributed: Vec<String>,
    /// Modules that compiled (in a check with no errors at all).
    pub compiled: Vec<usize>,
    /// Modules still unchecked when the rounds ran out.
    pub unverified: Vec<usize>,
    /// How many times cargo ran.
    pub checks: usize,
}

/// What one `cargo check` said.
struct Checked {
    /// cargo exited 0.
    ok: bool,
    /// World index to its errors, rendered by rustc.
    errors: BTreeMap<usize, Vec<String>>,
    /// Errors in no world's file (or cargo's own failure).
    unattributed: Vec<String>,
}

impl Checked {
    fn parse(outcome: Outcome, json: &str, indices: &[usize]) -> Checked {
        let mut errors: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut unattributed = Vec::new();
        for line in json.lines().take(10_000_000) {
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if msg["reason"] != "compiler-message" || msg["message"]["level"] != "error" {
                continue;
            }
            let rendered = msg["message"]["rendered"]
                .as_str()
                .unwrap_or("")
                .to_string();
            match blamed_module(&msg["message"]["spans"]).filter(|i| indices.contains(i)) {
                Some(i) => errors.entry(i).or_default().push(rendered),
                None => unattributed.push(rendered),
            }
        }
        let ok = !outcome.timed_out && outcome.code == Some(0);
        if !ok && errors.is_empty() && unattributed.is_empty() {
            // cargo failed before rustc said anything: its own stderr.
            let stderr = String::from_utf8_lossy(&outcome.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            unattributed.push(format!(
                "cargo check ({}): {}",
                outcome.key(),
                tail.join("\n")
            ));
        }
        Checked {
            ok,
            errors,
            unattributed,
        }
    }
}

/// The world module a diagnostic's spans point into: the primary span's
/// file, or, for code a macro expanded, the file of the macro's call site.
fn blamed_module(spans: &serde_json::Value) -> Option<usize> {
    let spans = spans.as_array()?;
    let mut ordered: Vec<&serde_json::Value> =
        spans.iter().filter(|s| s["is_primary"] == true).collect();
    ordered.extend(spans.iter().filter(|s| s["is_primary"] != true));
    for span in ordered {
        let mut at = span;
        // Expansion chains are short; the bound only guards odd input.
        for _ in 0..64 {
            if let Some(i) = module_index(at["file_name"].as_str().unwrap_or("")) {
                return Some(i);
            }
            match at.get("expansion").and_then(|e| e.get("span")) {
                Some(next) if !next.is_null() => at = next,
                _ => break,
            }
        }
    }
    None
}

/// `src/w0042.rs` → 42.
fn module_index(file: &str) -> Option<usize> {
    let name = Path::new(file).file_name()?.to_str()?;
    let digits = name.strip_prefix('w')?.strip_suffix(".rs")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::module_index;

    #[test]
    fn module_files_name_their_world() {
        assert_eq!(module_index("src/w0042.rs"), Some(42));
        assert_eq!(module_index("/x/src/w12345.rs"), Some(12345));
        assert_eq!(module_index("src/lib.rs"), None);
        assert_eq!(module_index("src/w.rs"), None);
        assert_eq!(module_index("src/wx1.rs"), None);
    }
}
