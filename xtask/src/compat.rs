//! `cargo xtask compat [--install]`: what `witloom compose` writes is a
//! plain component, so a stock `wasmtime run` of the wasmtime version we
//! link must run it with the same output as `witloom run`. Checked on the
//! sandbox app (with and without grants) and on matrix pairs that mix
//! languages and WASI versions.
//!
//! Served apps too: a WASI 0.2 handler (`tests/serve`'s `web-c`), WASI 0.3
//! handlers (`tests/p3`'s `service-rust` and `service-c`) and the notes
//! example's C gate, 0.3 middleware, composed in front of the C one (the
//! served chain minus the DB part, which only witloom's host provides),
//! must answer the same requests with the same statuses, headers and
//! bodies under `witloom serve` and a stock `wasmtime serve`.
//!
//! And the run cases again under containerd through witloom's shim
//! (`containerd-shim-witloom-v1`, release build, a containerd started
//! here as root): `witloom package --image`, `ctr image import`, `ctr
//! run`, with `--dir` as a bind mount and `--env` as the container's; the
//! same exit code and stdout as `witloom run`.

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
        if !same(name, file, &ours, ("wasmtime run", &theirs, "")) {
            failed += 1;
        }
    }
    let (served, requests) = serve(&witloom, &wasmtime, &out)?;
    let shimmed = under_the_shim(&witloom, &cases, &out)?;
    if failed + served + shimmed > 0 {
        bail!(
            "{} of {} cases differ",
            failed + served + shimmed,
            2 * cases.len() + requests
        );
    }
    Ok(())
}

/// The run `cases` under containerd through witloom's shim, against
/// `witloom run`; returns how many differ.
fn under_the_shim(
    witloom: &std::path::Path,
    cases: &[(String, std::path::PathBuf, Vec<&str>)],
    out: &std::path::Path,
) -> Result<usize> {
    let ctd = crate::bench::shim::containerd(out)?;
    println!("compat: witloom run vs containerd-shim-witloom-v1 under containerd");
    let mut failed = 0;
    for (i, (name, file, flags)) in cases.iter().enumerate() {
        let reference =
            crate::bench::shim::import(&ctd, witloom, file, &format!("compat-{i}"), out)?;
        // `witloom run`'s grants as the container's: a directory is a
        // (read-only) bind mount, a variable the container's.
        let mut options: Vec<String> = Vec::new();
        for pair in flags.chunks(2) {
            match pair {
                ["--dir", grant] => {
                    let (host, guest) = grant.split_once("::").unwrap_or((grant, grant));
                    options.push("--mount".into());
                    options.push(format!("type=bind,src={host},dst={guest},options=rbind:ro"));
                }
                ["--env", kv] => options.extend(["--env".to_string(), kv.to_string()]),
                other => bail!("no container form for {other:?}"),
            }
        }
        let id = format!("compat-{i}");
        let mut args: Vec<&str> = vec!["run", "--rm", "--runtime", "io.containerd.witloom.v1"];
        args.extend(options.iter().map(String::as_str));
        args.extend([reference.as_str(), id.as_str(), "/app.wasm"]);
        let shim = ctd.ctr(&args);
        let theirs = (
            shim.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&shim.stdout).into_owned(),
        );
        let ours = output(Command::new(witloom).arg("run").args(flags).arg(file))?;
        let stderr = String::from_utf8_lossy(&shim.stderr);
        if !same(name, file, &ours, ("the shim", &theirs, &stderr)) {
            failed += 1;
        }
    }
    Ok(failed)
}

/// Method, path, headers.
type Request<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// The served apps under both servers: a WASI 0.2 handler, WASI 0.3
/// handlers, and the notes gate (0.3 middleware) in front of one. Returns
/// how many requests were answered differently, and how many were made.
fn serve(
    witloom: &std::path::Path,
    wasmtime: &std::path::Path,
    out: &std::path::Path,
) -> Result<(usize, usize)> {
    let root = crate::root();
    let tests = root.join("crates/witloom/tests");
    let mut differ = 0;
    let mut made = 0;
    let mut compare = |label: &str,
                       file: &std::path::Path,
                       env: &[&str],
                       requests: &[Request],
                       keep: &[&str]|
     -> Result<()> {
        differ += compare_served(label, (witloom, wasmtime), file, env, requests, keep, out)?;
        made += requests.len();
        Ok(())
    };

    let web = apps::build_components(
        witloom,
        &witloom_testkit::link_wasi_deps(tests.join("serve")),
        &["web-c"],
    )?;
    compare(
        "a WASI 0.2 handler (C)",
        &web.wasm("web-c"),
        &[],
        &[("GET", "/", &[]), ("POST", "/anything", &[])],
        &["content-type"],
    )?;

    let p3 = apps::build_p3(witloom, &["service-rust", "service-c"])?;
    for lang in ["rust", "c"] {
        compare(
            &format!("a WASI 0.3 handler ({lang})"),
            &p3.wasm(&format!("service-{lang}")),
            &[],
            &[
                ("GET", "/hello", &[]),
                ("GET", "/nowhere", &[]),
                ("POST", "/echo", &[]),
            ],
            &["content-type"],
        )?;
    }

    apps::wit_deps(witloom, &root.join("examples/notes"))?;
    let app = apps::build_components(witloom, &tests.join("serve-compat"), &[])?;
    let chain = out.join("serve-compat.wasm");
    apps::compose(witloom, &app, &chain)?;
    compare(
        "the notes gate (C, WASI 0.3 middleware) in front of a C 0.3 handler",
        &chain,
        &["NOTES_TOKEN=compat"],
        &[
            ("GET", "/hello", &[]),
            ("POST", "/echo", &[]),
            ("POST", "/echo", &[("authorization", "Bearer compat")]),
        ],
        &["content-type", "www-authenticate"],
    )?;
    Ok((differ, made))
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

/// Whether `witloom run`'s exit code and stdout are the other's, said
/// either way (with the other's `stderr` when they differ).
fn same(
    name: &str,
    file: &std::path::Path,
    ours: &(i32, String),
    other: (&str, &(i32, String), &str),
) -> bool {
    let (who, theirs, stderr) = other;
    if ours == theirs {
        println!(
            "  same output ({} lines, exit {}): {name}",
            ours.1.lines().count(),
            ours.0
        );
        return true;
    }
    println!("  DIFFERENT: {name} ({})", file.display());
    println!("    witloom run: exit {}\n{}", ours.0, indent(&ours.1));
    println!(
        "    {who}: exit {}\n{}{}",
        theirs.0,
        indent(&theirs.1),
        indent(stderr)
    );
    false
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
