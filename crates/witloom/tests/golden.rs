//! The CLI's output, golden: each `tests/golden/*.case` is a command line
//! (`args:`, split on spaces), with `env: K=V` and `unset: K…` lines; what
//! `witloom` prints and its exit code are compared with `<case>.out` (a test
//! per case, `BLESS=1` re-blesses). `$APPS` is `tests/golden/apps`;
//! `$FIXTURES` a scratch directory holding `tests/golden/fixtures`, `.wat`
//! files compiled to `.wasm`. Both are written back as `$APPS` and
//! `$FIXTURES` in the output, so goldens do not depend on the checkout.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use witloom_testkit::golden::{self, Suite};

fn apps() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/apps")
}

/// The fixtures, ready: `.wat` compiled, everything else copied.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = witloom_testkit::scratch_dir("witloom-cli-tests/golden-fixtures");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/fixtures");
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            if path.extension().is_some_and(|e| e == "wat") {
                let wasm = wat::parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
                std::fs::write(dir.join(name).with_extension("wasm"), wasm).unwrap();
            } else {
                std::fs::copy(&path, dir.join(name)).unwrap();
            }
        }
        dir
    })
}

fn run(case: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(case).map_err(|e| e.to_string())?;
    let (apps, fixtures) = (apps(), fixtures());
    let expand = |s: &str| {
        s.replace("$APPS", &apps.display().to_string())
            .replace("$FIXTURES", &fixtures.display().to_string())
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_witloom"));
    cmd.env(
        "WITLOOM_CACHE_DIR",
        witloom_testkit::target_dir().join("witloom-cli-tests/compiled"),
    )
    .env_remove("WITLOOM_LOG")
    .current_dir(fixtures);
    let mut shown = String::new();
    for (key, value) in golden::case_lines(&text)? {
        match key {
            "args" => {
                shown = value.to_string();
                cmd.args(value.split_whitespace().map(expand));
            }
            "env" => {
                let (k, v) = value.split_once('=').ok_or("env: K=V")?;
                cmd.env(k, expand(v));
            }
            "unset" => {
                for k in value.split_whitespace() {
                    cmd.env_remove(k);
                }
            }
            other => return Err(format!("unknown key `{other}`")),
        }
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let unexpand = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .replace(&apps.display().to_string(), "$APPS")
            .replace(&fixtures.display().to_string(), "$FIXTURES")
    };
    Ok(format!(
        "$ witloom {shown}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status
            .code()
            .map_or_else(|| "signal".to_string(), |c| c.to_string()),
        unexpand(&out.stdout),
        unexpand(&out.stderr),
    ))
}

fn main() -> std::process::ExitCode {
    let cases = Suite::in_dir(
        "cli",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
        |p| p.extension().is_some_and(|e| e == "case"),
        run,
    )
    .golden(|p| p.with_extension("out"))
    .at_least(10);
    golden::main(vec![cases], Vec::new())
}
