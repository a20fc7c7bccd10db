//! Shipping through a real OCI registry (Debian's `docker-registry` on a
//! free 127.0.0.1 port) and on disk: the composed wordstats app pushed,
//! read by `skopeo` (a client nobody here wrote), pulled back
//! byte-identical and run; packaged as an OCI layout that `skopeo` reads;
//! and refused, writing nothing, when the registry is unreachable, the tag
//! is missing, the bytes do not match their digest, or the file is not a
//! component.

use crate::common::{text, witloom};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use witloom_testkit::registry::LocalRegistry;

/// The wordstats example, built and composed once.
fn wordstats() -> &'static (PathBuf, PathBuf) {
    static APP: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    APP.get_or_init(|| {
        let example = witloom_testkit::link_wasi_deps(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wordstats"),
        );
        let manifest = example.join("witloom.toml");
        let manifest_arg = manifest.to_str().unwrap();
        let out = witloom(&["build", "--manifest", manifest_arg]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let composed = crate::common::scratch("ship/app").join("wordstats.wasm");
        let out = witloom(&[
            "compose",
            "--manifest",
            manifest_arg,
            "-o",
            composed.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        (composed, manifest)
    })
}

fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo runs (cargo xtask setup installs it)");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs the wordstats component on a text and returns its report.
fn run_wordstats(wasm: &Path) -> String {
    let texts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wordstats/texts");
    let dir = format!("{}::/texts", texts.display());
    let out = witloom(&[
        "run",
        wasm.to_str().unwrap(),
        "--sqlite",
        "--dir",
        &dir,
        "--",
        "/texts/loom.txt",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn wordstats_round_trips_through_a_registry() {
    let (app, manifest) = wordstats();
    let dir = crate::common::scratch("ship/registry");
    let registry = LocalRegistry::start(&dir.join("registry"));
    let reference = format!("{}/witloom/wordstats:1.0.0", registry.addr);
    let out = witloom(&[
        "push",
        app.to_str().unwrap(),
        &reference,
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let pinned = text(&out.stdout).trim().to_string();
    assert!(
        pinned.starts_with(&format!("{reference}@sha256:")),
        "{pinned}"
    );

    // What skopeo sees: the CNCF wasm artifact layout.
    let docker = format!("docker://{reference}");
    let manifest_json: serde_json::Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &docker,
    ]))
    .unwrap();
    assert_eq!(
        manifest_json["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );
    let layers = manifest_json["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["mediaType"], "application/wasm");
    let annotations = &manifest_json["annotations"];
    assert_eq!(annotations["org.opencontainers.image.title"], "wordstats");
    assert_eq!(annotations["org.opencontainers.image.version"], "0.1.0");
    assert_eq!(
        annotations["org.opencontainers.image.description"],
        "Word counts of text files, remembered in SQL"
    );
    let config: serde_json::Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--config",
        "--raw",
        "--tls-verify=false",
        &docker,
    ]))
    .unwrap();
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["os"], "wasip2");
    let imports: Vec<&str> = config["component"]["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(imports.contains(&"witloom:host/sql@0.1.0"), "{imports:?}");
    assert_eq!(config["component"]["exports"][0], "wasi:cli/run@0.2.12");

    // Pulled back, by tag and by digest: the same bytes, and they run.
    for source in [reference.as_str(), pinned.as_str()] {
        let pulled = dir.join("pulled.wasm");
        let _ = std::fs::remove_file(&pulled);
        let out = witloom(&["pull", source, "-o", pulled.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(std::fs::read(&pulled).unwrap() == std::fs::read(app).unwrap());
    }
    let report = run_wordstats(&dir.join("pulled.wasm"));
    assert!(report.contains("wordstats run 1: 1 file(s)"), "{report}");
}

#[test]
fn a_layout_on_disk_that_skopeo_reads() {
    let (app, manifest) = wordstats();
    let dir = crate::common::scratch("ship/layout");
    let layout = dir.join("layout");
    let out = witloom(&[
        "package",
        app.to_str().unwrap(),
        "--out",
        layout.to_str().unwrap(),
        "--tag",
        "1.0.0",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let oci = format!("oci:{}:1.0.0", layout.display());
    assert_eq!(text(&out.stdout).trim(), oci);
    let raw: serde_json::Value =
        serde_json::from_str(&skopeo(&["inspect", "--raw", &oci])).unwrap();
    assert_eq!(raw["layers"][0]["mediaType"], "application/wasm");
    assert_eq!(
        raw["config"]["mediaType"],
        "application/vnd.wasm.config.v0+json"
    );

    let pulled = dir.join("pulled.wasm");
    let out = witloom(&["pull", &oci, "-o", pulled.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read(&pulled).unwrap() == std::fs::read(app).unwrap());

    // A layout whose layer was altered: refused, nothing written.
    let layer = raw["layers"][0]["digest"].as_str().unwrap();
    let blob = layout
        .join("blobs/sha256")
        .join(layer.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let tampered = dir.join("tampered.wasm");
    let out = witloom(&["pull", &oci, "-o", tampered.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("not {layer}")), "{err}");
    assert!(!tampered.exists());
}

#[test]
fn what_cannot_be_shipped_is_refused_and_nothing_is_written() {
    let (app, _) = wordstats();
    let dir = crate::common::scratch("ship/refused");
    let registry = LocalRegistry::start(&dir.join("registry"));
    let reference = format!("{}/witloom/wordstats:1.0.0", registry.addr);
    let out = witloom(&["push", app.to_str().unwrap(), &reference]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let out_file = dir.join("out.wasm");
    let pull_refused = |source: &str, expected: &str| {
        let started = Instant::now();
        let out = witloom(&["pull", source, "-o", out_file.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{source}: {err}");
        assert!(err.contains(expected), "{source}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(30), "bounded");
        assert!(!out_file.exists(), "{source}: nothing written");
    };
    pull_refused(
        &format!("{closed}/witloom/wordstats:1.0.0"),
        &format!("cannot reach the registry `{closed}`"),
    );
    pull_refused(
        &format!("{}/witloom/wordstats:9.9.9", registry.addr),
        "is not in the registry",
    );
    pull_refused("not a reference!", "is not an OCI reference");

    // The registry hands out other bytes than the digest names.
    let manifest: serde_json::Value = serde_json::from_str(&skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]))
    .unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let blob = registry.blob_path(layer);
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[200] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    pull_refused(&reference, &format!("not {layer}"));

    // Not components: a core module, a text file, a WIT package.
    let core = dir.join("core.wasm");
    std::fs::write(&core, wat::parse_str("(module)").unwrap()).unwrap();
    let notes = dir.join("notes.wasm");
    std::fs::write(&notes, "just text").unwrap();
    let wit_pkg = dir.join("pkg.wasm");
    {
        let mut resolve = wit_parser::Resolve::default();
        let id = resolve
            .push_str(
                "p.wit",
                "package acme:p@1.0.0;\ninterface i { f: func(); }\n",
            )
            .unwrap();
        std::fs::write(
            &wit_pkg,
            wit_component::encode(&resolve, id, false).unwrap(),
        )
        .unwrap();
    }
    for (file, expected) in [
        (&core, "it is a core wasm module"),
        (&notes, "it is not WebAssembly"),
        (&wit_pkg, "is not a component: it is a WIT package"),
    ] {
        let out = witloom(&[
            "push",
            file.to_str().unwrap(),
            &format!("{}/witloom/bad:1", registry.addr),
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(expected), "{err}");
    }
}
