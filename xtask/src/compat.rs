//! `cargo xtask compat [--install]`: what `witloom compose` writes is a
//! plain component, so a stock `wasmtime run` of the wasmtime version we
//! link must run it with the same output as `witloom run`. Checked on the
//! sandbox app (with and without grants) and on matrix pairs that mix
//! languages and WASI versions.
//!
//! Served apps too: the notes example's C gate composed in front of a
//! plain C handler (the served chain minus the DB part, which only
//! witloom's host provides), and a WASI 0.3 handler (`tests/p3`'s
//! `service-rust`), must answer the same requests with the same statuses,
//! headers and bodies under `witloom serve` and a stock `wasmtime serve`.

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
    let (served, requests) = serve(&witloom, &wasmtime, &out)?;
    if failed + served > 0 {
        bail!(
            "{} of {} cases differ",
            failed + served,
            cases.len() + requests
        );
    }
    Ok(())
}

/// Method, path, headers.
type Request<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// The served apps under both servers: the notes gate (0.2) and a WASI
/// 0.3 handler. Returns how many requests were answered differently, and
/// how many were made.
fn serve(
    witloom: &std::path::Path,
    wasmtime: &std::path::Path,
    out: &std::path::Path,
) -> Result<(usize, usize)> {
    let root = crate::root();
    witloom_testkit::link_wasi_deps(root.join("crates/witloom/tests/serve"));
    witloom_testkit::link_wasi_deps(root.join("examples/notes"));
    let app = apps::build_dir(
        witloom,
        &root.join("crates/witloom/tests/serve-compat"),
        false,
    )?;
    let chain = out.join("serve-compat.wasm");
    apps::compose(witloom, &app, &chain)?;
    let gate = compare_served(
        "the notes gate (C) in front of a C handler",
        (witloom, wasmtime),
        &chain,
        &["NOTES_TOKEN=compat"],
        &[
            ("GET", "/", &[]),
            ("POST", "/notes", &[]),
            ("POST", "/notes", &[("authorization", "Bearer compat")]),
        ],
        &["content-type", "www-authenticate"],
        out,
    )?;
    let p3 = apps::build_p3(witloom, &["service-rust", "service-c"])?;
    let mut service = 0;
    for lang in ["rust", "c"] {
        service += compare_served(
            &format!("a WASI 0.3 handler ({lang})"),
            (witloom, wasmtime),
            &p3.wasm(&format!("service-{lang}")),
            &[],
            &[
                ("GET", "/hello", &[]),
                ("GET", "/nowhere", &[]),
                ("POST", "/echo", &[]),
            ],
            &["content-type"],
            out,
        )?;
    }
    Ok((gate + service, 9))
}

/// `requests` to `file` under `witloom serve` and `wasmtime serve`, their
/// statuses, the headers `keep` names and bodies compared; returns how
/// many differ.
fn compare_served(
    label: &str,
    (witloom, wasmtime): (&std::path::Path, &std::path::Path),
    file: &std::path::Path,
    env: &[&str],
    requests: &[Request],
    keep: &[&str],
    out: &std::path::Path,
) -> Result<usize> {
    use crate::served::{Kind, Server, agent, request};
    let mut answers = Vec::new();
    for (kind, tool) in [(Kind::Witloom, witloom), (Kind::Wasmtime, wasmtime)] {
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        let log = out.join(format!("{stem}-{}.log", kind.name().replace(' ', "-")));
        let server = Server::start(kind, tool, file, env, &log)?;
        let agent = agent();
        let mut got = Vec::new();
        for (method, path, headers) in requests {
            got.push(request(
                &agent,
                method,
                &format!("{}{path}", server.url),
                headers,
                keep,
            )?);
        }
        answers.push(got);
    }
    println!("compat: witloom serve vs wasmtime serve, {label}");
    let mut differ = 0;
    for (i, (method, path, headers)) in requests.iter().enumerate() {
        let (ours, theirs) = (&answers[0][i], &answers[1][i]);
        let what = format!(
            "{method} {path}{}",
            if headers.is_empty() {
                ""
            } else {
                " with the token"
            }
        );
        if ours == theirs {
            println!("  same answer ({} {}): {what}", ours.0, ours.2.trim_end());
        } else {
            differ += 1;
            println!(
                "  DIFFERENT: {what}\n    witloom serve:  {ours:?}\n    wasmtime serve: {theirs:?}"
            );
        }
    }
    Ok(differ)
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
