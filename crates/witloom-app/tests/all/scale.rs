//! An application of 1,001 components sharing one WIT directory (written
//! by the test, WASI in its `deps/`): the directory is resolved once and
//! every component holds the same `Loaded`; the wiring plans from the
//! worlds alone. The time and
//! the peak memory are printed (`--nocapture`) for the record; the
//! benchmark-free assertion is the sharing itself.

use std::fmt::Write;
use std::sync::Arc;
use std::time::Instant;
use witloom_app::App;

const PARTS: usize = 1000;

/// `n` providers, each exporting an interface of its own, and a root
/// that imports them all.
fn write_app(n: usize) -> std::path::PathBuf {
    let dir = witloom_testkit::scratch_dir("witloom-app-tests/scale");
    let mut wit = String::from("package scale:app;\n\n");
    for i in 0..n {
        writeln!(wit, "interface api{i} {{ call{i}: func(x: u32) -> u32; }}").unwrap();
        writeln!(wit, "world provider{i} {{ export api{i}; }}").unwrap();
    }
    // Like a real app's WIT, it names WASI (from `deps/`): a resolve of
    // about a megabyte, which every component used to repeat.
    wit.push_str("world root {\n    include wasi:cli/imports@0.2.12;\n");
    for i in 0..n {
        writeln!(wit, "    import api{i};").unwrap();
    }
    wit.push_str("    export run: func();\n}\n");
    witloom_diag::io::write(&dir.join("wit/app.wit"), &wit).unwrap();
    witloom_testkit::link_wasi_deps(dir.clone());
    let mut manifest = String::from(
        "[app]\nname = \"scale\"\n\n[components.root]\nlanguage = \"c\"\npath = \"root\"\nworld = \"root\"\n",
    );
    for i in 0..n {
        write!(
            manifest,
            "\n[components.p{i}]\nlanguage = \"c\"\npath = \"p{i}\"\nworld = \"provider{i}\"\n"
        )
        .unwrap();
    }
    witloom_diag::io::write(&dir.join("witloom.toml"), &manifest).unwrap();
    dir.join("witloom.toml")
}

/// The process's peak resident memory, from Linux's `/proc`.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_thousand_components_share_one_resolved_wit() {
    let manifest = write_app(PARTS);
    let start = Instant::now();
    let app = App::load(&manifest).unwrap_or_else(|e| panic!("{e}"));
    let loaded = start.elapsed();
    assert_eq!(app.components().len(), PARTS + 1);
    assert_eq!(app.wits().len(), 1, "one WIT directory, resolved once");
    let shared = app.wit(app.components()[0].wit);
    assert!(
        app.components()
            .iter()
            .all(|c| Arc::ptr_eq(app.wit(c.wit), shared)),
        "every component holds the same Loaded"
    );
    // Each component's world is its own.
    let p7 = app.component("p7").unwrap().1;
    assert_eq!(shared.ir[p7.world].name, "provider7");

    let start = Instant::now();
    let (plan, _) = witloom_compose::check_app(&app).unwrap_or_else(|d| panic!("{d}"));
    let checked = start.elapsed();
    assert_eq!(plan.wires.len(), PARTS);
    assert_eq!(plan.names[plan.root], "root");
    eprintln!(
        "{} components: App::load {:.0} ms, compose --check {:.0} ms, peak RSS {} MiB",
        PARTS + 1,
        loaded.as_secs_f64() * 1e3,
        checked.as_secs_f64() * 1e3,
        peak_rss_kib().map_or("?".to_string(), |k| (k / 1024).to_string())
    );
}
