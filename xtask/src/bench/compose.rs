//! `bench compose`: `witloom compose` against `wac plug` on the same
//! inputs, interleaved, with time and output size; goals: time ≤ 0.8×,
//! size ≤ 1.0×.
//! Both outputs are then run, and must print the same.
//!
//! `wac plug` plugs only the socket's imports; where a plug itself imports
//! what another plug provides (the test implementation imports `host`),
//! wac needs a first `wac plug` of that plug, and both steps are timed.

use super::{median, ms, time, verdict};
use crate::apps;
use anyhow::{Result, bail};
use std::process::Command;

/// The time goal against `wac plug` (issue 27).
const TIME: f64 = 0.8;

pub fn run(plan: super::Plan) -> Result<()> {
    let runs = plan.pick(30, 10);
    let wac = crate::tools::wac().find(plan.install)?;
    let witloom = apps::witloom()?;
    let out = apps::out_dir("bench-compose")?;
    let sandbox = apps::build(&witloom, "sandbox", true)?;
    let matrix = apps::build(&witloom, "matrix", false)?;
    let inputs = [
        (
            "C probe + C greeter",
            sandbox.wasm("probe"),
            vec![sandbox.wasm("greeter")],
        ),
        (
            "Rust runner + Go test + C host-plug",
            matrix.wasm("runner-rust"),
            vec![matrix.wasm("test-go"), matrix.wasm("host-plug")],
        ),
        (
            "Go runner + Rust test + C host-plug",
            matrix.wasm("runner-go"),
            vec![matrix.wasm("test-rust"), matrix.wasm("host-plug")],
        ),
    ];

    println!("bench compose: witloom compose vs wac plug; {runs} runs each, interleaved; medians");
    for (i, (name, socket, plugs)) in inputs.iter().enumerate() {
        let ours_out = out.join(format!("{i}-witloom.wasm"));
        let theirs_out = out.join(format!("{i}-wac.wasm"));
        let ours_cmd = || {
            let mut cmd = Command::new(&witloom);
            cmd.arg("compose").arg(socket);
            for plug in plugs {
                cmd.arg("--plug").arg(plug);
            }
            cmd.arg("-o").arg(&ours_out);
            cmd
        };
        // wac: the first plug plugged with the rest, then the socket.
        let inner = out.join(format!("{i}-wac-inner.wasm"));
        let theirs_time = || -> Result<std::time::Duration> {
            let mut total = std::time::Duration::ZERO;
            let mut first = plugs[0].clone();
            if plugs.len() > 1 {
                let mut cmd = Command::new(&wac);
                cmd.arg("plug").arg(&plugs[0]);
                for plug in &plugs[1..] {
                    cmd.arg("--plug").arg(plug);
                }
                total += time(cmd.arg("-o").arg(&inner))?;
                first = inner.clone();
            }
            let mut cmd = Command::new(&wac);
            cmd.arg("plug").arg(socket).arg("--plug").arg(&first);
            total += time(cmd.arg("-o").arg(&theirs_out))?;
            Ok(total)
        };
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for run in 0..runs {
            if run % 2 == 0 {
                ours.push(time(&mut ours_cmd())?);
                theirs.push(theirs_time()?);
            } else {
                theirs.push(theirs_time()?);
                ours.push(time(&mut ours_cmd())?);
            }
        }
        let (a, b) = (median(&mut ours), median(&mut theirs));
        let (sa, sb) = (
            witloom_diag::io::metadata(&ours_out)?.len(),
            witloom_diag::io::metadata(&theirs_out)?.len(),
        );
        let (rt, rs) = (ms(a) / ms(b), sa as f64 / sb as f64);
        println!("  {name}");
        println!("    witloom compose {:>8.2} ms {sa:>10} bytes", ms(a));
        println!(
            "    wac plug        {:>8.2} ms {sb:>10} bytes{}",
            ms(b),
            if plugs.len() > 1 {
                " (two plug steps)"
            } else {
                ""
            }
        );
        println!(
            "    ratio           {rt:>8.2}x {rs:>10.3}x   (target <= {TIME}x: time {}, size <= 1.0x: {})",
            verdict(
                format!("compose {name}: time <= {TIME}x wac plug"),
                rt,
                TIME
            ),
            verdict(format!("compose {name}: size <= 1.0x wac plug"), rs, 1.0)
        );
        let run = |file: &std::path::Path| -> Result<String> {
            let out = Command::new(&witloom).arg("run").arg(file).output()?;
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        };
        let (x, y) = (run(&ours_out)?, run(&theirs_out)?);
        if x != y {
            bail!("the two outputs of `{name}` print differently:\n--- witloom\n{x}--- wac\n{y}");
        }
        println!(
            "    both outputs run and print the same ({} lines)",
            x.lines().count()
        );
    }
    Ok(())
}
