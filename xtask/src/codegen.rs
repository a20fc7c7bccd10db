//! `cargo xtask bindgen [--check]` and `cargo xtask doc [--check]`:
//! regenerate every checked-in file that witloom generates about itself:
//! host bindings for our own WIT and the test suite's world, and the
//! Markdown docs of our own WIT (`docs/wit/`). (The generator's golden
//! files are tests: `crates/witloom-bindgen/tests/golden.rs`, `BLESS=1`.) `--check` writes nothing and fails naming each stale
//! file; a test runs both, so a stale file fails `cargo test`
//! (rust-analyzer's pattern).

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use witloom_bindgen::Options;

/// One generated file: from which WIT, with which options.
struct Binding {
    wit: &'static str,
    options: Options,
    out: &'static str,
}

fn bindings() -> Vec<Binding> {
    let world = |w: &str| Options {
        world: Some(w.to_string()),
        ..Options::default()
    };
    vec![
        // The DB world (SQL + log), which `witloom run` implements.
        Binding {
            wit: "wit",
            options: world("db"),
            out: "crates/witloom-run/src/host/bindings.rs",
        },
        // The guest suite's world, for the differential test against
        // wasmtime's `bindgen!`.
        Binding {
            wit: "crates/witloom-guest/tests/runtime/wit",
            options: world("test"),
            out: "crates/witloom-guest/tests/runtime/bindings.rs",
        },
        // Its second world: a named import and a world-level resource.
        Binding {
            wit: "crates/witloom-guest/tests/runtime/wit",
            options: world("extra"),
            out: "crates/witloom-guest/tests/runtime/extra_bindings.rs",
        },
        // Its async world: async functions, streams, futures and an
        // error-context.
        Binding {
            wit: "crates/witloom-guest/tests/runtime/wit",
            options: world("concurrent-faults"),
            out: "crates/witloom-guest/tests/runtime/flows_bindings.rs",
        },
    ]
}

pub fn run(args: &[&str]) -> Result<()> {
    bindgen(check_flag(args, "bindgen")?)
}

/// `[--check]`, the only argument of `bindgen` and `doc`.
fn check_flag(args: &[&str], task: &str) -> Result<bool> {
    match args {
        [] => Ok(false),
        ["--check"] => Ok(true),
        _ => bail!("usage: cargo xtask {task} [--check]"),
    }
}

pub fn run_doc(args: &[&str]) -> Result<()> {
    doc(check_flag(args, "doc")?)
}

/// `docs/wit/`: the Markdown of `wit/`, and nothing else.
pub fn doc(check: bool) -> Result<()> {
    let root = crate::root();
    let dir = root.join("docs/wit");
    let wit = witloom_ir::load(&root.join("wit"), &witloom_ir::LoadOptions::default())
        .map_err(|d| anyhow::anyhow!("wit/: {d}"))?;
    let pages = witloom_doc::markdown(&wit.ir);
    let mut stale = Vec::new();
    for page in &pages {
        let path = dir.join(&page.path);
        if !ensure_file_contents(&path, &page.text, check)? {
            stale.push(display(&path).display().to_string());
        }
    }
    // A page of a package that is gone is stale too.
    for entry in witloom_diag::io::read_dir(&dir)? {
        let path = entry?.path();
        if !pages.iter().any(|p| dir.join(&p.path) == path) {
            if check {
                stale.push(format!(
                    "{} (no longer generated)",
                    display(&path).display()
                ));
            } else {
                witloom_diag::io::remove_file(&path)?;
                println!("removed {}", display(&path).display());
            }
        }
    }
    if !stale.is_empty() {
        bail!(
            "stale docs (run `cargo xtask doc` and commit the result):\n  {}",
            stale.join("\n  ")
        );
    }
    Ok(())
}

pub fn bindgen(check: bool) -> Result<()> {
    let root = crate::root();
    let mut stale = Vec::new();
    for b in bindings() {
        let code = witloom_bindgen::generate_from_path(&root.join(b.wit), &b.options)
            .map_err(|d| anyhow::anyhow!("{}: {d}", b.wit))?;
        if !ensure_file_contents(&root.join(b.out), &code, check)? {
            stale.push(b.out);
        }
    }
    if !stale.is_empty() {
        bail!(
            "stale generated files (run `cargo xtask bindgen` and commit the result):\n  {}",
            stale.join("\n  ")
        );
    }
    Ok(())
}

/// Makes `path` hold `contents`. In check mode nothing is written and the
/// answer says whether it already did; otherwise it is written when it
/// differs (so unchanged files keep their timestamps) and the answer is
/// `true`.
pub fn ensure_file_contents(path: &Path, contents: &str, check: bool) -> Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|old| normalize(&old) == normalize(contents)) {
        return Ok(true);
    }
    if check {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        witloom_diag::io::create_dir_all(dir)?;
    }
    witloom_diag::io::write(path, contents)?;
    println!("wrote {}", display(path).display());
    Ok(true)
}

/// Git may check files out with CRLF on some machines.
fn normalize(s: &str) -> String {
    s.replace("\r\n", "\n")
}

fn display(path: &Path) -> PathBuf {
    path.strip_prefix(crate::root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_files_are_fresh() {
        super::bindgen(true).unwrap();
    }

    #[test]
    fn wit_docs_are_fresh() {
        super::doc(true).unwrap();
    }
}
