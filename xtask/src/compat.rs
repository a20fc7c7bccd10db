//! `cargo xtask compat [--install]`: what `witloom compose` writes is a
//! plain component, so a stock `wasmtime run` of the wasmtime version we
//! link must run it with the same output as `witloom run`. Checked on the
//! sandbox app (with and without grants) and on matrix pairs that mix
//! languages and WASI versions.

use crate::apps;
use anyhow::{Result, bail};
use std::process::Command;

pub fn run(args: &[&str]) -> Result<()> {
    let install = match args {
        [] => false,
        ["--install"] => true,
        _ => bail!("usage: cargo xtask compat [--install]"),
    };
    let wasmtime = crate::tools::wasmtime().find(install)?;
    let witloom = apps::witloom()?;
    let out = apps::out_dir("compat")?;

    let sandbox = apps::build(&witloom, "sandbox", false)?;
    let app = out.join("sandbox.wasm");
    apps::compose(&witloom, &sandbox, &app)?;
    let data = out.join("data");
    witloom_diag::io::create_dir_all(&data)?;
    witloom_diag::io::write(&data.join("in.txt"), "granted line\n")?;
    let grant = format!("{}::/data", data.display());

    let matrix = apps::build(&witloom, "matrix", false)?;
    let mut cases = vec![
        ("sandbox, nothing granted".to_string(), app.clone(), vec![]),
        (
            "sandbox, --dir and --env".to_string(),
            app.clone(),
            vec!["--dir", &grant, "--env", "GREETING=bonjour"],
        ),
    ];
    for (runner, test) in [("c", "c"), ("rust", "go"), ("go", "rust")] {
        let composed = out.join(format!("matrix-{runner}-{test}.wasm"));
        apps::compose_pair(&witloom, &matrix, runner, test, &composed)?;
        cases.push((
            format!("matrix {runner} runner x {test} test"),
            composed,
            vec![],
        ));
    }

    let version = String::from_utf8(Command::new(&wasmtime).arg("--version").output()?.stdout)?;
    println!("compat: witloom run vs {}", version.trim());
    let mut failed = 0;
    for (name, file, flags) in &cases {
        let ours = output(Command::new(&witloom).arg("run").args(flags).arg(file))?;
        let theirs = output(Command::new(&wasmtime).arg("run").args(flags).arg(file))?;
        if ours == theirs {
            println!(
                "  same output ({} lines, exit {}): {name}",
                ours.1.lines().count(),
                ours.0
            );
        } else {
            failed += 1;
            println!("  DIFFERENT: {name} ({})", file.display());
            println!("    witloom run: exit {}\n{}", ours.0, indent(&ours.1));
            println!("    wasmtime run: exit {}\n{}", theirs.0, indent(&theirs.1));
        }
    }
    if failed > 0 {
        bail!("{failed} of {} cases differ", cases.len());
    }
    Ok(())
}

/// Exit code and stdout.
fn output(cmd: &mut Command) -> Result<(i32, String)> {
    let out = cmd.output()?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("      {l}\n")).collect()
}
