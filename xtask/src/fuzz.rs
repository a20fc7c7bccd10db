//! `cargo xtask fuzz`: the hostile-input suites of `witloom-fuzz` against
//! a release build of the CLI, with each class's counts. Fails when a
//! class panicked, hung, crashed or exited oddly (its reproducers are
//! under the work directory's `repro/`).

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use witloom_fuzz::{Class, Config};

/// The seed a run uses unless told: fixed, so two runs of the same tree
/// make the same cases.
const DEFAULT_SEED: u64 = 1;

/// How long one case may take: far above a normal case (milliseconds),
/// so what reaches it is stuck.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

struct Args {
    cases: Option<u64>,
    seed: u64,
    classes: Vec<Class>,
    work: PathBuf,
    witloom: Option<PathBuf>,
    timeout: Duration,
}

fn parse(args: &[&str]) -> Result<Args> {
    let mut out = Args {
        cases: None,
        seed: DEFAULT_SEED,
        classes: Class::ALL.to_vec(),
        work: crate::target_dir().join("witloom-fuzz"),
        witloom: None,
        timeout: DEFAULT_TIMEOUT,
    };
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .or_else(|| rest.next().copied())
                .with_context(|| format!("{flag} needs a value"))
        };
        match flag {
            "--cases" => out.cases = Some(value()?.parse().context("--cases")?),
            "--seed" => out.seed = value()?.parse().context("--seed")?,
            "--class" => {
                out.classes = value()?
                    .split(',')
                    .map(|c| c.trim().parse::<Class>().map_err(anyhow::Error::msg))
                    .collect::<Result<_>>()?;
            }
            "--work" => out.work = PathBuf::from(value()?),
            "--witloom" => out.witloom = Some(PathBuf::from(value()?)),
            "--timeout" => {
                out.timeout = Duration::from_secs(value()?.parse().context("--timeout (seconds)")?)
            }
            _ => bail!(
                "unknown argument `{arg}`\nusage: cargo xtask fuzz [--cases N] [--seed S] [--class C[,C…]] [--work DIR] [--witloom PATH] [--timeout SECS]"
            ),
        }
    }
    Ok(out)
}

pub fn run(args: &[&str]) -> Result<()> {
    let args = parse(args)?;
    let witloom = match args.witloom {
        Some(path) => path,
        None => {
            crate::run(crate::cargo().args(["build", "--release", "-p", "witloom", "--locked"]))?;
            crate::target_dir().join("release").join("witloom")
        }
    };
    std::fs::create_dir_all(&args.work)
        .with_context(|| format!("cannot create {}", args.work.display()))?;
    let mut dirty = Vec::new();
    for class in args.classes {
        let cfg = Config {
            witloom: witloom.clone(),
            cases: args.cases.unwrap_or_else(|| class.default_cases()),
            seed: args.seed,
            work: args.work.join(class.name()),
            timeout: args.timeout,
        };
        let start = Instant::now();
        std::fs::create_dir_all(&cfg.work)?;
        let counts = if class == Class::Worlds {
            // Per stage, and every kind of failure with a reproducer.
            let report = witloom_fuzz::worlds::run_report(&cfg)
                .with_context(|| format!("class `{class}` could not run"))?;
            println!("{report}");
            report.counts
        } else {
            witloom_fuzz::run_class(class, &cfg)
                .with_context(|| format!("class `{class}` could not run"))?
        };
        println!("{counts}  ({:.0?})", start.elapsed());
        for finding in &counts.findings {
            println!("  finding: {finding}");
        }
        for example in &counts.examples {
            println!("  example: {example}");
        }
        // Unlocated errors and raw control characters are defects too,
        // though no process misbehaved.
        if !counts.clean() || counts.unlocated > 0 || counts.unsafe_output > 0 {
            dirty.push(class.name());
        }
    }
    if !dirty.is_empty() {
        bail!(
            "not clean: {} (reproducers under {})",
            dirty.join(", "),
            args.work.display()
        );
    }
    Ok(())
}
