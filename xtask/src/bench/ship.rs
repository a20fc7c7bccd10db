//! `bench ship`: `witloom push` and `witloom pull` of the composed
//! wordstats app against `skopeo copy` of the same artifact (the layout
//! `witloom package` writes) to and from the same local registry
//! (Debian's `docker-registry` on a free loopback port), interleaved; goal
//! ≤ 1.0× on both.
//!
//! Each round has a fresh registry: skopeo remembers where it has seen a
//! blob (its blob-info cache) and mounts it from there instead of
//! uploading it, which within one registry would time a 20 MiB upload
//! against a one-request mount. The two pushes take turns going first.

use super::{median, ms, time, verdict};
use crate::apps;
use anyhow::Result;
use std::process::Command;
use witloom_testkit::registry::LocalRegistry;

pub fn run(plan: super::Plan) -> Result<()> {
    let runs = plan.pick(15, 4);
    let witloom = apps::witloom()?;
    let out = apps::out_dir("bench-ship")?;
    let example = witloom_testkit::link_wasi_deps(crate::root().join("examples/wordstats"));
    let app = apps::build_dir(&witloom, &example, true)?;
    let wasm = out.join("wordstats.wasm");
    apps::compose(&witloom, &app, &wasm)?;
    let layout = out.join("layout");
    let _ = std::fs::remove_dir_all(&layout);
    apps::check(
        Command::new(&witloom)
            .arg("package")
            .arg(&wasm)
            .arg("--out")
            .arg(&layout)
            .args(["--tag", "1.0.0", "--manifest"])
            .arg(&app.manifest),
    )?;
    let size_kib = std::fs::metadata(&wasm)?.len().div_ceil(1024);

    let (mut push_ours, mut push_theirs, mut pull_ours, mut pull_theirs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let registry = LocalRegistry::start(&out.join("registry"));
        let reg = &registry.addr;
        let ours = format!("{reg}/bench/witloom-{i}:1.0.0");
        let theirs = format!("{reg}/bench/skopeo-{i}:1.0.0");
        let push_witloom = || {
            time(
                Command::new(&witloom)
                    .arg("push")
                    .arg(&wasm)
                    .arg(&ours)
                    .arg("--manifest")
                    .arg(&app.manifest),
            )
        };
        let push_skopeo = || {
            time(
                Command::new("skopeo")
                    .args(["copy", "--quiet", "--dest-tls-verify=false"])
                    .arg(format!("oci:{}:1.0.0", layout.display()))
                    .arg(format!("docker://{theirs}")),
            )
        };
        // The first push lays out the fresh registry's storage: each tool
        // goes first in every other round.
        if i % 2 == 0 {
            push_ours.push(push_witloom()?);
            push_theirs.push(push_skopeo()?);
        } else {
            push_theirs.push(push_skopeo()?);
            push_ours.push(push_witloom()?);
        }
        let pulled = out.join("pulled.wasm");
        pull_ours.push(time(
            Command::new(&witloom)
                .arg("pull")
                .arg(&ours)
                .arg("-o")
                .arg(&pulled),
        )?);
        let pulled_layout = out.join(format!("pulled-layout-{i}"));
        let _ = std::fs::remove_dir_all(&pulled_layout);
        pull_theirs.push(time(
            Command::new("skopeo")
                .args(["copy", "--quiet", "--src-tls-verify=false"])
                .arg(format!("docker://{theirs}"))
                .arg(format!("oci:{}:1.0.0", pulled_layout.display())),
        )?);
        let _ = std::fs::remove_dir_all(&pulled_layout);
    }
    println!(
        "bench ship: the composed wordstats app ({size_kib} KiB) to and from a local docker-registry; {runs} rounds, interleaved; medians"
    );
    for (what, ours, theirs) in [
        ("push", &mut push_ours, &mut push_theirs),
        ("pull", &mut pull_ours, &mut pull_theirs),
    ] {
        let (o, t) = (median(ours), median(theirs));
        let ratio = o.as_secs_f64() / t.as_secs_f64();
        println!(
            "  {what}: witloom {:.1} ms, skopeo copy {:.1} ms: {ratio:.2}x (goal <= 1.0x: {})",
            ms(o),
            ms(t),
            verdict(format!("ship {what}: <= 1.0x skopeo copy"), ratio, 1.0)
        );
    }
    Ok(())
}
