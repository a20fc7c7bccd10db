//! `cargo xtask deps`: where each dependency line witloom pins stands
//! against the registry. A report for maintainers, not a test: it reads
//! crates.io's index, which a test must not depend on.
//!
//! For every direct dependency of the workspace (and of
//! `examples/plugin-host`, a workspace of its own) it prints the
//! requirement, the version `Cargo.lock` has and the newest release on
//! the same semver line, and judges it:
//! - **current**: nothing newer on the line;
//! - **behind**: a newer release that builds on our rustc and resolves
//!   (`cargo update`, or move the `=` pin);
//! - **held**: newer releases exist but none can be taken, and why: one
//!   pins (`=`) a crate the registry does not have, or needs a newer rustc;
//! - **yanked**: the locked release was yanked.
//!
//! Then the anchor tools the benchmarks install, and what a plain
//! `cargo update` would still move in each lock the repository keeps
//! (cargo's own resolver, which knows the transitive graph).

use crate::registry::{Index, Release, Releases};
use anyhow::{Context, Result, bail};
use semver::{Op, Version, VersionReq};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `cargo xtask deps`.
pub fn run(args: &[&str]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask deps");
    }
    let mut index = Index::new();
    let mut report = String::new();
    let mut counts = Counts::default();
    // The crates the first workspace (witloom's) locks, at which versions.
    let mut first: Option<HashMap<String, Vec<Version>>> = None;
    for (title, manifest) in workspaces() {
        let ws = Workspace::read(&manifest)?;
        writeln!(
            report,
            "\n{title} ({}, rustc {})",
            ws.lock.display(),
            ws.rust_version
        )?;
        let mut rows = Vec::new();
        for line in &ws.lines {
            let verdict = judge(&mut index, line, &ws.rust_version)?;
            counts.add(&verdict);
            rows.push(row(line, &verdict));
            // The example should build on the runtime witloom ships.
            if let Some(theirs) = first.as_ref().and_then(|f| f.get(&line.krate))
                && !theirs.contains(&line.locked)
            {
                let list: Vec<String> = theirs.iter().map(Version::to_string).collect();
                rows.push([
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    format!("note: witloom locks {} {}", line.krate, list.join(", ")),
                ]);
            }
        }
        table(&mut report, &rows);
        first.get_or_insert_with(|| {
            let mut locked: HashMap<String, Vec<Version>> = HashMap::new();
            for line in &ws.lines {
                locked
                    .entry(line.krate.clone())
                    .or_default()
                    .push(line.locked.clone());
            }
            locked
        });
    }

    writeln!(report, "\nanchor tools (`cargo xtask bench`, `compat`)")?;
    let mut rows = Vec::new();
    for (krate, pinned) in crate::tools::pinned_anchors() {
        let line = Line {
            krate: krate.to_string(),
            req: VersionReq::parse(&format!("={pinned}"))?,
            locked: pinned,
            kinds: "tool".to_string(),
        };
        let verdict = judge(&mut index, &line, &rustc_version()?)?;
        counts.add(&verdict);
        rows.push(row(&line, &verdict));
    }
    table(&mut report, &rows);

    writeln!(
        report,
        "\n`cargo update --dry-run` in each lock the repository keeps"
    )?;
    for lock in tracked_locks()? {
        let dir = lock.parent().unwrap_or(Path::new("."));
        let moves = cargo_update_dry_run(&crate::root().join(dir).join("Cargo.toml"))?;
        if moves.is_empty() {
            writeln!(report, "  {}: nothing to move", lock.display())?;
        } else {
            counts.unlocked += moves.len();
            writeln!(report, "  {}: {} change(s)", lock.display(), moves.len())?;
            for m in moves {
                writeln!(report, "    {m}")?;
            }
        }
    }
    writeln!(
        report,
        "\n{} line(s): {} current, {} behind, {} held, {} yanked; {} move(s) left to `cargo update`",
        counts.total(),
        counts.current,
        counts.behind,
        counts.held,
        counts.yanked,
        counts.unlocked
    )?;
    print!("{report}");
    Ok(())
}

/// The workspaces whose locks the project keeps.
fn workspaces() -> [(&'static str, PathBuf); 2] {
    [
        ("witloom", crate::root().join("Cargo.toml")),
        (
            "examples/plugin-host",
            crate::root().join("examples/plugin-host/Cargo.toml"),
        ),
    ]
}

/// A direct dependency: one requirement of one or more members.
#[derive(Debug)]
struct Line {
    krate: String,
    req: VersionReq,
    locked: Version,
    /// `normal`, `build`, `dev`, or several, or `tool`.
    kinds: String,
}

/// What `cargo metadata` says of a workspace.
struct Workspace {
    lock: PathBuf,
    rust_version: Version,
    lines: Vec<Line>,
}

impl Workspace {
    fn read(manifest: &Path) -> Result<Workspace> {
        let out =
            std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .args([
                    "metadata",
                    "--format-version",
                    "1",
                    "--locked",
                    "--manifest-path",
                ])
                .arg(manifest)
                .output()
                .context("cannot run cargo metadata")?;
        if !out.status.success() {
            bail!(
                "cargo metadata --manifest-path {} failed:\n{}",
                manifest.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&out.stdout).context("cargo metadata's JSON")?;
        let root = PathBuf::from(meta["workspace_root"].as_str().unwrap_or_default());
        Ok(Workspace {
            lock: root.join("Cargo.lock"),
            rust_version: members_rust_version(&meta).unwrap_or(rustc_version()?),
            lines: direct_lines(&meta)?,
        })
    }
}

/// The oldest `rust-version` the members declare.
fn members_rust_version(meta: &serde_json::Value) -> Option<Version> {
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()?
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    meta["packages"]
        .as_array()?
        .iter()
        .filter(|p| members.contains(&p["id"].as_str().unwrap_or_default()))
        .filter_map(|p| crate::registry::lenient_version(p["rust_version"].as_str()?))
        .min()
}

/// The registry dependencies of the workspace's members, one line per
/// (crate, requirement), with the version the lock resolved it to.
fn direct_lines(meta: &serde_json::Value) -> Result<Vec<Line>> {
    let packages = meta["packages"].as_array().context("no packages")?;
    let by_id: HashMap<&str, &serde_json::Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes = meta["resolve"]["nodes"].as_array().context("no resolve")?;
    let mut lines: BTreeMap<(String, String), Line> = BTreeMap::new();
    for member in meta["workspace_members"].as_array().context("no members")? {
        let id = member.as_str().unwrap_or_default();
        let Some(package) = by_id.get(id) else {
            continue;
        };
        // What the lock resolved this member's dependencies to.
        let resolved: Vec<(&str, Version)> = nodes
            .iter()
            .find(|n| n["id"].as_str() == Some(id))
            .and_then(|n| n["dependencies"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let p = by_id.get(d.as_str()?)?;
                Some((
                    p["name"].as_str()?,
                    Version::parse(p["version"].as_str()?).ok()?,
                ))
            })
            .collect();
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let from_crates_io = dep["source"]
                .as_str()
                .is_some_and(|s| s.contains("crates.io-index"));
            if !from_crates_io {
                continue;
            }
            let name = dep["name"].as_str().unwrap_or_default();
            let req_text = dep["req"].as_str().unwrap_or("*");
            let req = VersionReq::parse(req_text)
                .with_context(|| format!("{name}'s requirement {req_text}"))?;
            // An optional dependency not enabled resolves to nothing.
            let Some(locked) = resolved
                .iter()
                .filter(|(n, v)| *n == name && req.matches(v))
                .map(|(_, v)| v.clone())
                .max()
            else {
                continue;
            };
            let kind = dep["kind"].as_str().unwrap_or("normal").to_string();
            let line = lines
                .entry((name.to_string(), req_text.to_string()))
                .or_insert_with(|| Line {
                    krate: name.to_string(),
                    req,
                    locked: locked.clone(),
                    kinds: kind.clone(),
                });
            if !line.kinds.split(',').any(|k| k == kind) {
                line.kinds = format!("{},{kind}", line.kinds);
            }
            line.locked = line.locked.clone().max(locked);
        }
    }
    Ok(lines.into_values().collect())
}

/// How a line stands.
#[derive(Debug, PartialEq)]
enum Verdict {
    Current,
    /// `newest` can be taken: `how` says by what.
    Behind {
        newest: Version,
        how: String,
    },
    /// Newer releases exist (`newest` is the newest), none can be taken.
    Held {
        newest: Version,
        why: String,
    },
    Yanked,
}

/// Judges `line` against its crate's releases: the newest release on the
/// locked version's semver line that builds on `rustc` and whose exact
/// pins all exist.
fn judge(registry: &mut impl Releases, line: &Line, rustc: &Version) -> Result<Verdict> {
    let releases = registry.releases(&line.krate)?;
    if releases
        .iter()
        .any(|r| r.version == line.locked && r.yanked)
    {
        return Ok(Verdict::Yanked);
    }
    // An exact pin holds a line of patches (`=0.262.0`: 0.262.x, and
    // `=1.262.0`: 1.262.x, wat's spelling of the same wasm-tools line);
    // any other requirement takes what a caret accepts.
    let exact = line.req.comparators.len() == 1 && line.req.comparators[0].op == Op::Exact;
    let on_line = |v: &Version| {
        if exact {
            same_patch_line(&line.locked, v)
        } else {
            same_line(&line.locked, v)
        }
    };
    let mut newer: Vec<&Release> = releases
        .iter()
        .filter(|r| {
            !r.yanked && r.version > line.locked && r.version.pre.is_empty() && on_line(&r.version)
        })
        .collect();
    newer.sort_by(|a, b| b.version.cmp(&a.version));
    let Some(newest) = newer.first().map(|r| r.version.clone()) else {
        return Ok(Verdict::Current);
    };
    // Why each release newer than the one we can take is out of reach.
    let mut why = Vec::new();
    for release in newer {
        if let Some(needs) = release.rust_version.as_ref().filter(|v| *v > rustc) {
            why.push(format!("{} needs rustc {needs}", release.version));
            continue;
        }
        if let Some(missing) = missing_pin(registry, &line.krate, release, 0)? {
            why.push(format!("{} does not resolve: {missing}", release.version));
            continue;
        }
        let mut how = if line.req.matches(&release.version) {
            format!("cargo update -p {}", line.krate)
        } else {
            format!("move the pin to ={}", release.version)
        };
        if !why.is_empty() {
            how.push_str(&format!(" (not newer: {})", why.join("; ")));
        }
        return Ok(Verdict::Behind {
            newest: release.version.clone(),
            how,
        });
    }
    Ok(Verdict::Held {
        newest,
        why: why.join("; "),
    })
}

/// Whether two versions are on one semver line (what `^locked` accepts).
fn same_line(locked: &Version, other: &Version) -> bool {
    match (locked.major, locked.minor) {
        (0, 0) => other.major == 0 && other.minor == 0 && other.patch == locked.patch,
        (0, minor) => other.major == 0 && other.minor == minor,
        (major, _) => other.major == major,
    }
}

/// Whether `other` is a patch of `pinned` (same major and minor; for 0.0.x,
/// the same version).
fn same_patch_line(pinned: &Version, other: &Version) -> bool {
    (pinned.major, pinned.minor) == (other.major, other.minor)
        && (pinned.major, pinned.minor) != (0, 0)
        || pinned == other
}

/// The first exact (`=`) requirement, followed down through the crates it
/// names, that the registry cannot meet: `a =1.2 → b =1.2 (not published)`.
/// Crate families (wasmtime's) tie their crates together this way, so one
/// crate missing from a release makes the whole release unusable.
fn missing_pin(
    registry: &mut impl Releases,
    krate: &str,
    release: &Release,
    depth: usize,
) -> Result<Option<String>> {
    // wasmtime's chains are 3 deep; the bound only stops a cycle.
    if depth > 8 {
        return Ok(None);
    }
    for dep in &release.deps {
        let Some(version) = dep.exact() else { continue };
        let releases = registry.releases(&dep.name)?;
        let Some(found) = releases.iter().find(|r| r.version == version && !r.yanked) else {
            let optional = if dep.optional { " (optional)" } else { "" };
            return Ok(Some(format!(
                "{krate} {} pins {} ={version}{optional}, which the registry does not have",
                release.version, dep.name
            )));
        };
        if let Some(deeper) = missing_pin(registry, &dep.name, found, depth + 1)? {
            return Ok(Some(deeper));
        }
    }
    Ok(None)
}

/// One table row: crate, requirement, locked, newest, verdict.
fn row(line: &Line, verdict: &Verdict) -> [String; 5] {
    let kinds = if line.kinds == "normal" {
        String::new()
    } else {
        format!(" ({})", line.kinds)
    };
    let (newest, said) = match verdict {
        Verdict::Current => (line.locked.to_string(), "current".to_string()),
        Verdict::Behind { newest, how } => (newest.to_string(), format!("BEHIND: {how}")),
        Verdict::Held { newest, why } => (newest.to_string(), format!("HELD: {why}")),
        Verdict::Yanked => (line.locked.to_string(), "YANKED: update it".to_string()),
    };
    [
        format!("{}{kinds}", line.krate),
        line.req.to_string(),
        line.locked.to_string(),
        newest,
        said,
    ]
}

fn table(out: &mut String, rows: &[[String; 5]]) {
    let head = ["crate", "requirement", "locked", "newest on its line", ""];
    let mut width = [0; 4];
    for r in std::iter::once(&head.map(String::from)).chain(rows) {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.len());
        }
    }
    for r in std::iter::once(&head.map(String::from)).chain(rows) {
        let _ = writeln!(
            out,
            "  {:w0$}  {:w1$}  {:w2$}  {:w3$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2],
            w3 = width[3]
        );
    }
}

#[derive(Default)]
struct Counts {
    current: usize,
    behind: usize,
    held: usize,
    yanked: usize,
    /// Changes `cargo update` would make across the locks.
    unlocked: usize,
}

impl Counts {
    fn add(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Current => self.current += 1,
            Verdict::Behind { .. } => self.behind += 1,
            Verdict::Held { .. } => self.held += 1,
            Verdict::Yanked => self.yanked += 1,
        }
    }

    fn total(&self) -> usize {
        self.current + self.behind + self.held + self.yanked
    }
}

/// Every `Cargo.lock` in the repository (the workspace's, the example
/// host's, and the Rust guests' the tests build), relative to the root.
fn tracked_locks() -> Result<Vec<PathBuf>> {
    let out = std::process::Command::new("git")
        .args(["ls-files", "--", "Cargo.lock", "*/Cargo.lock"])
        .current_dir(crate::root())
        .output()
        .context("cannot run git ls-files")?;
    if !out.status.success() {
        bail!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .collect())
}

/// The changes `cargo update --dry-run` lists for a workspace: cargo's
/// resolver on the whole graph, transitive crates included.
fn cargo_update_dry_run(manifest: &Path) -> Result<Vec<String>> {
    let out =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["update", "--dry-run", "--manifest-path"])
            .arg(manifest)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .context("cannot run cargo update --dry-run")?;
    let text = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!(
            "cargo update --dry-run --manifest-path {} failed:\n{text}",
            manifest.display()
        );
    }
    // Its lines name a package and a move (`Updating a v1 -> v2`,
    // `Adding b v3`, `Removing c v4`); the rest is progress and notes.
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| {
            let verb = l.split_whitespace().next().unwrap_or_default();
            matches!(verb, "Updating" | "Adding" | "Removing" | "Downgrading")
                && l.split_whitespace()
                    .nth(2)
                    .is_some_and(|v| v.starts_with('v'))
        })
        .map(str::to_string)
        .collect())
}

/// The rustc that cargo runs.
fn rustc_version() -> Result<Version> {
    let out = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .context("cannot run rustc --version")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(1)
        .and_then(|v| Version::parse(v).ok())
        .with_context(|| format!("rustc --version said {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::parse;
    use std::rc::Rc;

    /// Index files by crate name.
    struct Fixed(HashMap<&'static str, &'static str>);

    impl Releases for Fixed {
        fn releases(&mut self, krate: &str) -> Result<Rc<[Release]>> {
            Ok(parse(self.0.get(krate).copied().unwrap_or_default())?.into())
        }
    }

    fn release(name: &str, vers: &str, deps: &[(&str, &str)], rust: &str) -> String {
        let deps: Vec<String> = deps
            .iter()
            .map(|(n, r)| format!(r#"{{"name":"{n}","req":"{r}","kind":"normal"}}"#))
            .collect();
        format!(
            r#"{{"name":"{name}","vers":"{vers}","deps":[{}],"yanked":false,"rust_version":"{rust}"}}"#,
            deps.join(",")
        )
    }

    fn line(krate: &str, req: &str, locked: &str) -> Line {
        Line {
            krate: krate.to_string(),
            req: VersionReq::parse(req).unwrap(),
            locked: Version::parse(locked).unwrap(),
            kinds: "normal".to_string(),
        }
    }

    /// wasmtime 48 as the registry had it: 48.0.11 pins a macro crate
    /// whose own pin was never published; 49 is another line.
    fn wasmtime_like() -> Fixed {
        let rt = [
            release("rt", "48.0.10", &[("macro", "=48.0.10")], "1.95"),
            release("rt", "48.0.11", &[("macro", "=48.0.11")], "1.95"),
            release("rt", "49.0.0", &[("macro", "=49.0.0")], "1.96"),
        ]
        .join("\n");
        let mac = [
            release("macro", "48.0.10", &[("gen", "=48.0.10")], "1.95"),
            release("macro", "48.0.11", &[("gen", "=48.0.11")], "1.95"),
        ]
        .join("\n");
        let gen_ = release("gen", "48.0.10", &[], "1.95");
        let lib = [
            release("lib", "1.2.0", &[], "1.80"),
            release("lib", "1.3.0", &[], "1.95"),
            release("lib", "1.3.1", &[], "1.99"),
            release("lib", "1.4.0", &[], "1.99"),
        ]
        .join("\n");
        Fixed(HashMap::from([
            ("rt", &*rt.leak()),
            ("macro", &*mac.leak()),
            ("gen", &*gen_.leak()),
            ("lib", &*lib.leak()),
        ]))
    }

    #[test]
    fn a_release_whose_pinned_family_is_incomplete_is_held_with_the_chain() {
        let rustc = Version::new(1, 95, 0);
        let verdict = judge(
            &mut wasmtime_like(),
            &line("rt", "=48.0.10", "48.0.10"),
            &rustc,
        )
        .unwrap();
        let Verdict::Held { newest, why } = verdict else {
            panic!("{verdict:?}");
        };
        assert_eq!(newest, Version::new(48, 0, 11), "49 is another line");
        assert!(
            why.contains("macro 48.0.11 pins gen =48.0.11, which the registry does not have"),
            "{why}"
        );
    }

    #[test]
    fn a_pin_with_a_resolvable_newer_patch_is_behind() {
        let rustc = Version::new(1, 95, 0);
        let mut reg = wasmtime_like();
        let older = judge(&mut reg, &line("macro", "=48.0.10", "48.0.10"), &rustc).unwrap();
        assert!(matches!(older, Verdict::Held { .. }), "{older:?}");
        let lib = judge(&mut reg, &line("lib", "^1.2", "1.2.0"), &rustc).unwrap();
        assert_eq!(
            lib,
            Verdict::Behind {
                newest: Version::new(1, 3, 0),
                how: "cargo update -p lib (not newer: 1.4.0 needs rustc 1.99.0; \
                      1.3.1 needs rustc 1.99.0)"
                    .to_string()
            }
        );
        // An exact pin's line is its patches: 1.4.0 is not one of them.
        let pinned = judge(&mut reg, &line("lib", "=1.3.0", "1.3.0"), &rustc).unwrap();
        assert_eq!(
            pinned,
            Verdict::Held {
                newest: Version::new(1, 3, 1),
                why: "1.3.1 needs rustc 1.99.0".to_string()
            }
        );
        let newer_rustc = Version::new(1, 99, 0);
        let moved = judge(&mut reg, &line("lib", "=1.3.0", "1.3.0"), &newer_rustc).unwrap();
        assert_eq!(
            moved,
            Verdict::Behind {
                newest: Version::new(1, 3, 1),
                how: "move the pin to =1.3.1".to_string()
            }
        );
        let current = judge(&mut reg, &line("rt", "=49.0.0", "49.0.0"), &rustc).unwrap();
        assert_eq!(current, Verdict::Current);
    }

    #[test]
    fn semver_lines_are_what_a_caret_accepts() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert!(same_line(&v("48.0.10"), &v("48.0.11")));
        assert!(!same_line(&v("48.0.10"), &v("49.0.0")));
        assert!(same_line(&v("0.262.0"), &v("0.262.3")));
        assert!(!same_line(&v("0.262.0"), &v("0.263.0")));
        assert!(!same_line(&v("0.0.3"), &v("0.0.4")));
        assert!(same_patch_line(&v("1.262.0"), &v("1.262.1")));
        assert!(
            !same_patch_line(&v("1.262.0"), &v("1.263.0")),
            "wat 1.263 is wasm-tools 0.263"
        );
        assert!(same_patch_line(&v("0.262.0"), &v("0.262.2")));
        assert!(!same_patch_line(&v("0.0.3"), &v("0.0.4")));
    }
}
