//! `cargo xtask bindgen`: writes the host's bindings for the `plugin` world
//! (`wit/plugin.wit`) to `host/src/bindings.rs` with witloom's generator.
//! `cargo xtask bindgen --check` fails when that file is not what the WIT
//! gives (CI runs it), so the checked-in bindings never drift.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["bindgen"] => bindgen(false),
        ["bindgen", "--check"] => bindgen(true),
        _ => {
            eprintln!("usage: cargo xtask bindgen [--check]");
            ExitCode::from(2)
        }
    }
}

fn bindgen(check: bool) -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the project");
    let opts = witloom_bindgen::Options {
        world: Some("plugin".to_string()),
        ..Default::default()
    };
    let code = match witloom_bindgen::generate_from_path(&root.join("wit"), &opts) {
        Ok(code) => code,
        Err(diagnostic) => {
            eprint!("{diagnostic}");
            return ExitCode::FAILURE;
        }
    };
    let file = root.join("host/src/bindings.rs");
    let current = std::fs::read_to_string(&file).unwrap_or_default();
    if check {
        if current == code {
            println!("host/src/bindings.rs is fresh");
            return ExitCode::SUCCESS;
        }
        eprintln!("host/src/bindings.rs is stale: run `cargo xtask bindgen` and commit it");
        return ExitCode::FAILURE;
    }
    if current != code
        && let Err(e) = std::fs::write(&file, code)
    {
        eprintln!("cannot write {}: {e}", file.display());
        return ExitCode::FAILURE;
    }
    println!("wrote host/src/bindings.rs");
    ExitCode::SUCCESS
}
