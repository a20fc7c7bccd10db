//! The registry class's cases: a correct CNCF wasm artifact (an image
//! manifest, an `application/vnd.wasm.config.v0+json` config, one
//! `application/wasm` layer holding a small component made here), and the
//! families of damage done to it, each a generator of one [`Case`]: the
//! registry's script, what the pull must end in, and what a successful
//! pull must write.

use super::server::{PORT, Script, TAG, blob_path, digest, manifest_path, oci_error};
use crate::Rng;
use crate::support::clip;
use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::time::Duration;
use witloom_testkit::scripted::{Body, PathIs, Response, Rule};

const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";
const CONFIG_TYPE: &str = "application/vnd.wasm.config.v0+json";
const LAYER_TYPE: &str = "application/wasm";

/// The pieces cases are made of: a small valid component, and things that
/// are not one.
pub(super) struct Base {
    component: Vec<u8>,
    core_module: Vec<u8>,
    wit_package: Vec<u8>,
}

impl Base {
    pub(super) fn new() -> Result<Base> {
        let mut resolve = wit_parser::Resolve::default();
        let pkg = resolve.push_str(
            "app.wit",
            "package acme:app@1.0.0;\n\nworld app {\n    export greet: func(name: string) -> string;\n}\n",
        )?;
        let world = resolve.select_world(&[pkg], Some("app"))?;
        let component = crate::dummy_component(&resolve, world)
            .context("encoding the registry class's component")?;
        let wit_package = wit_component::encode(&resolve, pkg, false)?;
        Ok(Base {
            component,
            core_module: b"\0asm\x01\0\0\0".to_vec(),
            wit_package,
        })
    }
}

/// A consistent artifact whose parts can be damaged before it is scripted.
#[derive(Clone)]
struct Parts {
    layer: Vec<u8>,
    config: Vec<u8>,
    manifest: Value,
}

impl Parts {
    fn new(layer: &[u8]) -> Parts {
        let layer_digest = digest(layer);
        let config = serde_json::to_vec(&json!({
            "created": "2026-01-01T00:00:00Z",
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [layer_digest],
            "component": {"exports": ["greet"], "imports": []},
        }))
        .expect("a JSON value serializes");
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "digest": digest(&config), "size": config.len()},
            "layers": [{
                "mediaType": LAYER_TYPE,
                "digest": layer_digest,
                "size": layer.len(),
                "annotations": {"org.opencontainers.image.title": "app.wasm"},
            }],
        });
        Parts {
            layer: layer.to_vec(),
            config,
            manifest,
        }
    }

    /// Puts new config bytes in, with the manifest's descriptor to match.
    fn with_config(mut self, config: Vec<u8>) -> Parts {
        self.manifest["config"]["digest"] = json!(digest(&config));
        self.manifest["config"]["size"] = json!(config.len());
        self.config = config;
        self
    }

    fn manifest_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.manifest).expect("a JSON value serializes")
    }

    /// The registry that serves these parts as they are.
    fn script(&self) -> Script {
        self.script_with_manifest(self.manifest_bytes())
    }

    /// The registry that serves `manifest` (bytes, damaged or not) under the
    /// tag, and the layer and config blobs.
    fn script_with_manifest(&self, manifest: Vec<u8>) -> Script {
        let mut blobs = vec![(digest(&self.config), self.config.clone())];
        blobs.push((digest(&self.layer), self.layer.clone()));
        Script {
            manifests: vec![(
                vec![TAG.to_string(), digest(&manifest)],
                MANIFEST_TYPE.to_string(),
                manifest,
            )],
            blobs,
            rules: Vec::new(),
        }
    }
}

/// What a case should end in.
#[derive(Debug, Clone, Copy)]
pub(super) enum Expect {
    /// A correct artifact: pulled, byte for byte.
    Succeed,
    /// Must be refused.
    Fail,
    /// Either, but a success writes exactly the served component.
    Either,
}

pub(super) struct Case {
    pub family: &'static str,
    pub desc: String,
    pub script: Script,
    pub expect: Expect,
    /// What a successful pull must write.
    pub served: Vec<u8>,
}

impl Case {
    fn new(
        family: &'static str,
        desc: impl Into<String>,
        script: Script,
        expect: Expect,
        served: &[u8],
    ) -> Case {
        Case {
            family,
            desc: desc.into(),
            script,
            expect,
            served: served.to_vec(),
        }
    }
}

pub(super) fn baseline(base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    Case::new(
        "baseline",
        "the undamaged artifact",
        parts.script(),
        Expect::Succeed,
        &base.component,
    )
}

/// One damaged case, by family; the family is picked by weight.
pub(super) fn generate(rng: &mut Rng, base: &Base) -> Case {
    type Gen = fn(&mut Rng, &Base) -> Case;
    let families: [(u32, Gen); 20] = [
        (1, |_, b| baseline(b)),
        (3, truncated_manifest),
        (3, flipped_manifest),
        (3, not_a_manifest),
        (3, media_types),
        (2, huge_manifest),
        (4, layer_size),
        (4, digests),
        (3, config),
        (2, layer_count),
        (2, index),
        (4, redirects),
        (4, auth),
        (3, server_errors),
        (4, cut_short),
        (2, slow),
        (3, chunked),
        (3, length_lies),
        (3, garbage_status),
        (3, not_a_component),
    ];
    let total: u32 = families.iter().map(|(w, _)| w).sum();
    let mut at = rng.below(total as usize) as u32;
    for (w, family) in families {
        if at < w {
            return family(rng, base);
        }
        at -= w;
    }
    baseline(base)
}

fn truncated_manifest(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let bytes = parts.manifest_bytes();
    let cut = rng.below(bytes.len());
    Case::new(
        "manifest/truncated",
        format!("the manifest cut at byte {cut} of {}", bytes.len()),
        parts.script_with_manifest(bytes[..cut].to_vec()),
        Expect::Fail,
        &base.component,
    )
}

fn flipped_manifest(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut bytes = parts.manifest_bytes();
    let n = 1 + rng.below(4);
    let mut what = Vec::new();
    for _ in 0..n {
        let at = rng.below(bytes.len());
        let b = (rng.next_u64() & 0xff) as u8;
        what.push(format!("{:#04x}->{b:#04x}@{at}", bytes[at]));
        bytes[at] = b;
    }
    Case::new(
        "manifest/bytes",
        format!("manifest bytes replaced: {}", what.join(", ")),
        parts.script_with_manifest(bytes),
        Expect::Either,
        &base.component,
    )
}

fn not_a_manifest(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let deep = "[".repeat(100_000);
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend(parts.manifest_bytes());
    let utf16: Vec<u8> = String::from_utf8_lossy(&parts.manifest_bytes())
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let mut duplicate = parts.manifest.clone();
    duplicate["schemaVersion"] = json!(2);
    let dup = String::from_utf8_lossy(&serde_json::to_vec(&duplicate).unwrap_or_default())
        .replacen("{", "{\"layers\":[],", 1);
    let options: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("null", b"null".to_vec()),
        ("an array", b"[]".to_vec()),
        ("an empty object", b"{}".to_vec()),
        ("schemaVersion only", b"{\"schemaVersion\":2}".to_vec()),
        (
            "schemaVersion 1",
            b"{\"schemaVersion\":1,\"name\":\"acme/app\",\"tag\":\"1.0\",\"fsLayers\":[]}".to_vec(),
        ),
        (
            "schemaVersion 2^64",
            b"{\"schemaVersion\":18446744073709551616}".to_vec(),
        ),
        ("100,000 nested arrays", deep.into_bytes()),
        ("a BOM first", with_bom),
        ("UTF-16", utf16),
        ("a duplicate `layers` key", dup.into_bytes()),
        (
            "random bytes",
            (0..512).map(|_| (rng.next_u64() & 0xff) as u8).collect(),
        ),
        ("NUL bytes", vec![0; 256]),
        ("a JSON string", b"\"\\u0000\\ud800\"".to_vec()),
    ];
    let (what, bytes) = &options[rng.below(options.len())];
    let expect = if what.starts_with("a duplicate") {
        Expect::Either
    } else {
        Expect::Fail
    };
    Case::new(
        "manifest/not-json",
        format!("the manifest is {what}"),
        parts.script_with_manifest(bytes.clone()),
        expect,
        &base.component,
    )
}

fn media_types(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut m = parts.clone();
    let (desc, expect, content_type) = match rng.below(9) {
        0 => {
            m.manifest["config"]["mediaType"] = json!("application/vnd.oci.image.config.v1+json");
            (
                "config media type is an image config",
                Expect::Fail,
                MANIFEST_TYPE,
            )
        }
        1 => {
            m.manifest["layers"][0]["mediaType"] =
                json!("application/vnd.oci.image.layer.v1.tar+gzip");
            ("layer media type is a tar", Expect::Fail, MANIFEST_TYPE)
        }
        2 => {
            m.manifest["layers"][0]["mediaType"] = json!("application/wasm; charset=\u{1b}[31m");
            (
                "layer media type with an escape sequence",
                Expect::Fail,
                MANIFEST_TYPE,
            )
        }
        3 => {
            m.manifest["mediaType"] = json!("application/vnd.docker.distribution.manifest.v2+json");
            (
                "manifest mediaType is Docker's",
                Expect::Either,
                MANIFEST_TYPE,
            )
        }
        4 => {
            m.manifest["mediaType"] = json!("text/\u{202e}lmth");
            (
                "manifest mediaType is unknown, with a bidi override",
                Expect::Fail,
                MANIFEST_TYPE,
            )
        }
        5 => {
            if let Some(o) = m.manifest.as_object_mut() {
                o.remove("mediaType");
            }
            ("manifest without mediaType", Expect::Either, MANIFEST_TYPE)
        }
        6 => ("served as text/html", Expect::Either, "text/html"),
        7 => ("served as an index", Expect::Either, INDEX_TYPE),
        _ => {
            m.manifest["config"]["mediaType"] = json!("");
            ("config media type empty", Expect::Fail, MANIFEST_TYPE)
        }
    };
    let mut script = m.script();
    script.manifests[0].1 = content_type.to_string();
    Case::new("manifest/media-type", desc, script, expect, &base.component)
}

/// A manifest of 100 MB (valid JSON, a huge annotation) or one that never
/// ends, streamed.
fn huge_manifest(rng: &mut Rng, base: &Base) -> Case {
    let mut parts = Parts::new(&base.component);
    parts.manifest["annotations"] = json!({"x": "@@FILL@@"});
    let text = String::from_utf8_lossy(&parts.manifest_bytes()).into_owned();
    let (prefix, suffix) = text.split_once("@@FILL@@").unwrap_or((&text, ""));
    let mut script = parts.script();
    let (desc, body, expect) = match rng.below(3) {
        0 => (
            "a 100 MB manifest (one annotation)",
            Body::Filler {
                prefix: prefix.as_bytes().to_vec(),
                fill: b'a',
                count: 100 << 20,
                suffix: suffix.as_bytes().to_vec(),
            },
            Expect::Either,
        ),
        1 => (
            "a manifest that never ends",
            Body::Endless {
                prefix: prefix.as_bytes().to_vec(),
                fill: b'a',
            },
            Expect::Fail,
        ),
        _ => (
            "100 MB of whitespace before the manifest",
            Body::Filler {
                prefix: Vec::new(),
                fill: b' ',
                count: 100 << 20,
                suffix: text.replace("@@FILL@@", "").into_bytes(),
            },
            Expect::Either,
        ),
    };
    script.rules.push(Rule::any(
        PathIs::Exact(manifest_path()),
        Response::new(200, &[("Content-Type", MANIFEST_TYPE)], body),
    ));
    Case::new("manifest/huge", desc, script, expect, &base.component)
}

fn layer_size(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let len = base.component.len() as i64;
    let sizes: [(&str, Value, Expect); 12] = [
        ("size - 1", json!(len - 1), Expect::Fail),
        ("0", json!(0), Expect::Fail),
        ("1", json!(1), Expect::Fail),
        ("size + 1", json!(len + 1), Expect::Either),
        ("twice the size", json!(len * 2), Expect::Either),
        ("-1", json!(-1), Expect::Fail),
        ("i64::MIN", json!(i64::MIN), Expect::Fail),
        ("2^63 - 1", json!(i64::MAX), Expect::Fail),
        ("2^63", json!(1u64 << 63), Expect::Fail),
        ("512 MiB + 1", json!((512i64 << 20) + 1), Expect::Fail),
        ("a float", json!(len as f64 + 0.5), Expect::Fail),
        ("a string", json!(len.to_string()), Expect::Fail),
    ];
    let (what, size, expect) = &sizes[rng.below(sizes.len())];
    let mut m = parts.clone();
    m.manifest["layers"][0]["size"] = size.clone();
    Case::new(
        "layer/size",
        format!("the layer's size is {what} ({size})"),
        m.script(),
        *expect,
        &base.component,
    )
}

fn digests(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut m = parts.clone();
    let other = digest(b"other bytes");
    let real = digest(&base.component);
    let upper = format!("sha256:{}", real["sha256:".len()..].to_uppercase());
    let choice = rng.below(11);
    let desc = match choice {
        0 => {
            // The layer's digest names other bytes; the blob is served at it.
            m.manifest["layers"][0]["digest"] = json!(other);
            "the layer digest names other bytes"
        }
        1 => "the blob served at the layer's digest is other bytes",
        2 => {
            m.manifest["layers"][0]["digest"] = json!("sha256:xyz");
            "the layer digest is not hex"
        }
        3 => {
            m.manifest["layers"][0]["digest"] = json!("");
            "the layer digest is empty"
        }
        4 => {
            m.manifest["layers"][0]["digest"] = json!("md5:d41d8cd98f00b204e9800998ecf8427e");
            "the layer digest is md5"
        }
        5 => {
            m.manifest["layers"][0]["digest"] = json!("sha256:../../../../etc/passwd");
            "the layer digest is a path"
        }
        6 => {
            m.manifest["layers"][0]["digest"] = json!(upper);
            "the layer digest in upper case"
        }
        7 => {
            m.manifest["layers"][0]["digest"] = json!(format!("sha512:{}", "ab".repeat(64)));
            "the layer digest is a sha512 of other bytes"
        }
        8 => "the blob's Docker-Content-Digest header names other bytes",
        9 => "the manifest's Docker-Content-Digest header names other bytes",
        _ => {
            m = m.with_config(parts.config.clone());
            m.manifest["config"]["digest"] = json!(other);
            "the config digest names other bytes"
        }
    };
    let mut script = m.script();
    let layer_digest = m.manifest["layers"][0]["digest"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match choice {
        0 | 2..=7 => script
            .blobs
            .push((layer_digest.clone(), base.component.clone())),
        _ => {}
    }
    match choice {
        1 => {
            let mut wrong = base.component.clone();
            wrong.push(0);
            script.rules.push(Rule::any(
                PathIs::Exact(blob_path(&real)),
                Response::new(200, &[], Body::Full(wrong)),
            ));
        }
        8 => script.rules.push(Rule::any(
            PathIs::Exact(blob_path(&real)),
            Response::new(
                200,
                &[("Docker-Content-Digest", other.as_str())],
                Body::Full(base.component.clone()),
            ),
        )),
        9 => script.rules.push(Rule::any(
            PathIs::Exact(manifest_path()),
            Response::new(
                200,
                &[
                    ("Content-Type", MANIFEST_TYPE),
                    ("Docker-Content-Digest", other.as_str()),
                ],
                Body::Full(m.manifest_bytes()),
            ),
        )),
        10 => script.blobs.push((other.clone(), parts.config.clone())),
        _ => {}
    }
    Case::new("digest", desc, script, Expect::Fail, &base.component)
}

fn config(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let (desc, config, expect): (&str, Vec<u8>, Expect) = match rng.below(7) {
        0 => (
            "the config is not JSON",
            b"not json at all".to_vec(),
            Expect::Fail,
        ),
        1 => ("the config is {}", b"{}".to_vec(), Expect::Fail),
        2 => (
            "the config is not UTF-8",
            vec![0xff, 0xfe, 0x00, 0x80],
            Expect::Fail,
        ),
        3 => (
            "the config has an escape sequence in `created`",
            br#"{"created":"\u001b]0;owned\u0007","architecture":"wasm","os":"wasip2"}"#.to_vec(),
            Expect::Either,
        ),
        4 => (
            "the config is 100,000 nested objects",
            "{\"a\":".repeat(100_000).into_bytes(),
            Expect::Fail,
        ),
        5 => {
            // A 100 MB config cannot be hashed cheaply here: it is served
            // where the small config's digest points, so a pull that reads
            // it all must refuse it.
            let mut s = parts.script();
            s.rules.push(Rule::any(
                PathIs::Exact(blob_path(&digest(&parts.config))),
                Response::new(
                    200,
                    &[],
                    Body::Filler {
                        prefix: b"{\"x\":\"".to_vec(),
                        fill: b'c',
                        count: 100 << 20,
                        suffix: b"\"}".to_vec(),
                    },
                ),
            ));
            return Case::new(
                "config",
                "a 100 MB config blob",
                s,
                Expect::Fail,
                &base.component,
            );
        }
        _ => {
            let mut s = parts.script();
            s.rules.push(Rule::any(
                PathIs::Exact(blob_path(&digest(&parts.config))),
                Response::new(
                    200,
                    &[],
                    Body::Endless {
                        prefix: Vec::new(),
                        fill: b'{',
                    },
                ),
            ));
            return Case::new(
                "config",
                "a config blob that never ends",
                s,
                Expect::Fail,
                &base.component,
            );
        }
    };
    let m = parts.clone().with_config(config);
    Case::new("config", desc, m.script(), expect, &base.component)
}

fn layer_count(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut m = parts.clone();
    let layer = parts.manifest["layers"][0].clone();
    let (desc, layers) = match rng.below(3) {
        0 => ("10,000 layers", vec![layer; 10_000]),
        1 => ("no layers", Vec::new()),
        _ => ("the layer twice", vec![layer.clone(), layer]),
    };
    m.manifest["layers"] = Value::Array(layers);
    Case::new(
        "layer/count",
        desc,
        m.script(),
        Expect::Fail,
        &base.component,
    )
}

fn index(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let inner = parts.manifest_bytes();
    let inner_digest = digest(&inner);
    let entry = |d: &str, size: usize| json!({"mediaType": MANIFEST_TYPE, "digest": d, "size": size, "platform": {"architecture": "wasm", "os": "wasip2"}});
    let (desc, index, expect) = match rng.below(4) {
        0 => (
            "an index naming the manifest",
            json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [entry(&inner_digest, inner.len())]}),
            Expect::Either,
        ),
        1 => (
            "an index of 10,000 entries",
            json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": vec![entry(&inner_digest, inner.len()); 10_000]}),
            Expect::Either,
        ),
        2 => (
            "an index with no entries",
            json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": []}),
            Expect::Fail,
        ),
        _ => {
            // An index that names an index that names itself.
            let nested = json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [entry("sha256:0000000000000000000000000000000000000000000000000000000000000000", 1)]});
            (
                "an index naming an index",
                json!({"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": [entry(&digest(&serde_json::to_vec(&nested).unwrap_or_default()), 1)], "x-nested": nested}),
                Expect::Fail,
            )
        }
    };
    let index_bytes = serde_json::to_vec(&index).expect("serializes");
    let mut script = parts.script();
    script.manifests = vec![
        (
            vec![TAG.to_string(), digest(&index_bytes)],
            INDEX_TYPE.to_string(),
            index_bytes,
        ),
        (vec![inner_digest], MANIFEST_TYPE.to_string(), inner),
    ];
    if let Some(nested) = index.get("x-nested") {
        let bytes = serde_json::to_vec(nested).unwrap_or_default();
        script
            .manifests
            .push((vec![digest(&bytes)], INDEX_TYPE.to_string(), bytes));
    }
    Case::new("index", desc, script, expect, &base.component)
}

fn redirect(to: &str) -> Response {
    Response::new(307, &[("Location", to)], Body::Full(Vec::new()))
}

fn redirects(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let real = digest(&base.component);
    let here = format!("http://127.0.0.1:{PORT}");
    let (desc, expect) = match rng.below(9) {
        0 => {
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect(&manifest_path()),
            ));
            ("the manifest redirects to itself", Expect::Fail)
        }
        1 => {
            script
                .rules
                .push(Rule::any(PathIs::Exact(manifest_path()), redirect("/a")));
            script.rules.push(Rule::any(
                PathIs::Exact("/a".into()),
                redirect(&format!("{here}/b")),
            ));
            script.rules.push(Rule::any(
                PathIs::Exact("/b".into()),
                redirect(&manifest_path()),
            ));
            ("the manifest redirects in a loop of three", Expect::Fail)
        }
        2 => {
            for n in 0..5 {
                script.rules.push(Rule::any(
                    PathIs::Exact(format!("/hop/{n}")),
                    redirect(&format!("/hop/{}", n + 1)),
                ));
            }
            let bytes = parts.manifest_bytes();
            script.rules.push(Rule::any(
                PathIs::Exact("/hop/5".into()),
                Response::new(200, &[("Content-Type", MANIFEST_TYPE)], Body::Full(bytes)),
            ));
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect("/hop/0"),
            ));
            ("the manifest after five redirects", Expect::Either)
        }
        3 => {
            for n in 0..50 {
                script.rules.push(Rule::any(
                    PathIs::Exact(format!("/hop/{n}")),
                    redirect(&format!("/hop/{}", n + 1)),
                ));
            }
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect("/hop/0"),
            ));
            ("the manifest behind fifty redirects", Expect::Fail)
        }
        4 => {
            script.rules.push(Rule::any(
                PathIs::Exact(blob_path(&real)),
                redirect("/storage/layer"),
            ));
            script.rules.push(Rule::any(
                PathIs::Exact("/storage/layer".into()),
                Response::new(200, &[], Body::Full(base.component.clone())),
            ));
            (
                "the layer redirects to storage, as many registries do",
                Expect::Either,
            )
        }
        5 => {
            script.rules.push(Rule::any(
                PathIs::Exact(blob_path(&real)),
                redirect(&blob_path(&real)),
            ));
            ("the layer redirects to itself", Expect::Fail)
        }
        6 => {
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                redirect("http://127.0.0.1:1/v2/acme/app/manifests/1.0"),
            ));
            ("the manifest redirects to a closed port", Expect::Fail)
        }
        7 => {
            let to = *rng.pick(&[
                "http://[::1",
                "file:///etc/passwd",
                "",
                "//",
                "http://127.0.0.1:99999/",
                "javascript:alert(1)",
                "\u{1b}[2J",
            ]);
            script
                .rules
                .push(Rule::any(PathIs::Exact(manifest_path()), redirect(to)));
            ("the manifest redirects to a bad Location", Expect::Fail)
        }
        _ => {
            script.rules.push(Rule::any(
                PathIs::Exact(manifest_path()),
                Response::new(302, &[], Body::Full(Vec::new())),
            ));
            ("a redirect with no Location", Expect::Fail)
        }
    };
    Case::new("redirect", desc, script, expect, &base.component)
}

fn auth(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let realm = format!("http://127.0.0.1:{PORT}/token");
    let challenges = [
        format!("Bearer realm=\"{realm}\",service=\"fake\",scope=\"repository:acme/app:pull\""),
        "Bearer".to_string(),
        "Bearer realm=\"\"".to_string(),
        "Bearer realm=\"file:///etc/passwd\"".to_string(),
        "Bearer realm=\"http://127.0.0.1:1/token\"".to_string(),
        "Bearer realm=\"http://127.0.0.1:{PORT}/token\",realm=\"http://127.0.0.1:{PORT}/other\""
            .to_string(),
        "Basic realm=\"fake\"".to_string(),
        "Bearer realm=\"unterminated".to_string(),
        format!("Bearer realm=\"{realm}\",{}", "x=\"y\",".repeat(5000)),
        "Negotiate".to_string(),
        "Bearer realm=\"http://127.0.0.1:{PORT}/token\",error=\"\u{1b}[31minvalid\u{1b}[0m\""
            .to_string(),
    ];
    let challenge = challenges[rng.below(challenges.len())].clone();
    let tokens: [(&str, Response); 6] = [
        (
            "a token",
            Response::json(200, br#"{"token":"abc","expires_in":60}"#),
        ),
        ("not JSON", Response::json(200, b"<html>no</html>")),
        ("a 401", oci_error(401, "UNAUTHORIZED", "no token for you")),
        (
            "a 10 MB token",
            Response::new(
                200,
                &[("Content-Type", "application/json")],
                Body::Filler {
                    prefix: b"{\"token\":\"".to_vec(),
                    fill: b't',
                    count: 10 << 20,
                    suffix: b"\"}".to_vec(),
                },
            ),
        ),
        (
            "an endless body",
            Response::new(
                200,
                &[],
                Body::Endless {
                    prefix: b"{\"token\":\"".to_vec(),
                    fill: b't',
                },
            ),
        ),
        ("a redirect to itself", redirect("/token")),
    ];
    let (token_what, token) = &tokens[rng.below(tokens.len())];
    let unauthorized = Response::new(
        401,
        &[
            ("WWW-Authenticate", challenge.as_str()),
            ("Content-Type", "application/json"),
        ],
        Body::Full(
            br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec(),
        ),
    );
    script
        .rules
        .push(Rule::any(PathIs::Prefix("/token".into()), token.clone()));
    let (where_, expect) = match rng.below(2) {
        // Only the version check asks: the rest is open, so the pull may
        // go on anonymously.
        0 => {
            script
                .rules
                .push(Rule::any(PathIs::Exact("/v2/".into()), unauthorized));
            ("/v2/", Expect::Either)
        }
        _ => {
            script
                .rules
                .push(Rule::any(PathIs::Prefix("/v2/".into()), unauthorized));
            ("every path", Expect::Fail)
        }
    };
    Case::new(
        "auth",
        format!(
            "401 on {where_} with `WWW-Authenticate: {}`; the token endpoint answers {token_what}",
            clip(&challenge, 100)
        ),
        script,
        expect,
        &base.component,
    )
}

fn server_errors(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let real = digest(&base.component);
    let replies: [(&str, Response); 9] = [
        ("500", oci_error(500, "INTERNAL", "boom")),
        (
            "503 with Retry-After",
            Response::new(503, &[("Retry-After", "1")], Body::Full(Vec::new())),
        ),
        (
            "429",
            Response::new(
                429,
                &[("Retry-After", "99999999999")],
                Body::Full(Vec::new()),
            ),
        ),
        (
            "404 whose message has escapes",
            oci_error(
                404,
                "MANIFEST_UNKNOWN",
                "\u{1b}[2J\u{1b}[31mrm -rf /\u{1b}[0m \u{202e}gnp.exe\u{0007}",
            ),
        ),
        (
            "500 with a 50 MB body",
            Response::new(
                500,
                &[],
                Body::Filler {
                    prefix: Vec::new(),
                    fill: b'e',
                    count: 50 << 20,
                    suffix: Vec::new(),
                },
            ),
        ),
        (
            "200 with no body",
            Response::new(
                200,
                &[("Content-Type", MANIFEST_TYPE)],
                Body::Full(Vec::new()),
            ),
        ),
        ("204", Response::new(204, &[], Body::Full(Vec::new()))),
        (
            "a 100 Continue, then the answer",
            Response::new(100, &[], Body::Raw(Vec::new())),
        ),
        (
            "418 with an error list of 100,000",
            Response::json(
                418,
                format!(
                    "{{\"errors\":[{}]}}",
                    vec!["{\"code\":\"X\",\"message\":\"m\"}"; 100_000].join(",")
                )
                .as_bytes(),
            ),
        ),
    ];
    let (what, mut reply) = replies[rng.below(replies.len())].clone();
    let on_blob = rng.below(2) == 0;
    let path = if on_blob {
        blob_path(&real)
    } else {
        manifest_path()
    };
    if what.starts_with("a 100 Continue") {
        let real_bytes = if on_blob {
            base.component.clone()
        } else {
            parts.manifest_bytes()
        };
        let mut raw = format!(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            real_bytes.len()
        )
        .into_bytes();
        raw.extend(real_bytes);
        reply = Response::new(200, &[], Body::Raw(raw));
    }
    let expect = if what.starts_with("a 100 Continue") {
        Expect::Either
    } else {
        Expect::Fail
    };
    script.rules.push(Rule::any(PathIs::Exact(path), reply));
    Case::new(
        "status",
        format!(
            "{what} for the {}",
            if on_blob { "layer" } else { "manifest" }
        ),
        script,
        expect,
        &base.component,
    )
}

/// Which of the three documents a case damages.
fn target(rng: &mut Rng, parts: &Parts) -> (&'static str, String, Vec<u8>, &'static str) {
    match rng.below(3) {
        0 => (
            "manifest",
            manifest_path(),
            parts.manifest_bytes(),
            MANIFEST_TYPE,
        ),
        1 => (
            "config",
            blob_path(&digest(&parts.config)),
            parts.config.clone(),
            "application/octet-stream",
        ),
        _ => (
            "layer",
            blob_path(&digest(&parts.layer)),
            parts.layer.clone(),
            "application/octet-stream",
        ),
    }
}

fn cut_short(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let cut = rng.below(bytes.len().max(1));
    let (desc, body) = match rng.below(3) {
        0 => (
            format!("the {what} stops after {cut} of {} bytes", bytes.len()),
            Body::Declared {
                declared: bytes.len().to_string(),
                sent: bytes[..cut].to_vec(),
            },
        ),
        1 => (
            format!("the {what}'s connection closes before any answer"),
            Body::Close,
        ),
        _ => (
            format!("the {what}'s head only, then close"),
            Body::Declared {
                declared: bytes.len().to_string(),
                sent: Vec::new(),
            },
        ),
    };
    script.rules.push(Rule::any(
        PathIs::Exact(path),
        Response::new(200, &[("Content-Type", content_type)], body),
    ));
    Case::new("cut-short", desc, script, Expect::Fail, &base.component)
}

fn slow(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let (desc, body, expect) = match rng.below(3) {
        0 => (
            format!(
                "the {what} dribbled one byte per 50 ms ({} bytes)",
                bytes.len()
            ),
            Body::Dribble {
                bytes: bytes.clone(),
                every: Duration::from_millis(50),
            },
            Expect::Either,
        ),
        1 => (
            format!("the {what} dribbled one byte per second"),
            Body::Dribble {
                bytes: bytes.clone(),
                every: Duration::from_secs(1),
            },
            Expect::Fail,
        ),
        _ => (
            format!("no answer for the {what}"),
            Body::Silent,
            Expect::Fail,
        ),
    };
    // A 50 ms dribble of a long document outlasts the timeout.
    let expect = if matches!(expect, Expect::Either) && bytes.len() as u64 * 50 > 4000 {
        Expect::Fail
    } else {
        expect
    };
    script.rules.push(Rule::any(
        PathIs::Exact(path),
        Response::new(200, &[("Content-Type", content_type)], body),
    ));
    Case::new("slow", desc, script, expect, &base.component)
}

fn chunked(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let good = {
        let mut b = format!("{:x}\r\n", bytes.len()).into_bytes();
        b.extend_from_slice(&bytes);
        b.extend_from_slice(b"\r\n0\r\n\r\n");
        b
    };
    let mut short = format!("{:x}\r\n", bytes.len() + 10).into_bytes();
    short.extend_from_slice(&bytes);
    let garbage: [(&str, Vec<u8>, Expect); 8] = [
        ("correct chunked encoding", good, Expect::Either),
        (
            "chunk size `zz`",
            b"zz\r\nhello\r\n0\r\n\r\n".to_vec(),
            Expect::Fail,
        ),
        (
            "chunk size ffffffffffffffff",
            b"ffffffffffffffff\r\nhello".to_vec(),
            Expect::Fail,
        ),
        (
            "chunk size 2^64",
            b"10000000000000000\r\nhello\r\n0\r\n\r\n".to_vec(),
            Expect::Fail,
        ),
        (
            "a chunk longer than the bytes sent, then close",
            short,
            Expect::Fail,
        ),
        (
            "no last chunk, then close",
            {
                let mut b = format!("{:x}\r\n", bytes.len()).into_bytes();
                b.extend_from_slice(&bytes);
                b.extend_from_slice(b"\r\n");
                b
            },
            Expect::Either,
        ),
        (
            "a 1 MiB chunk extension",
            format!("1;{}\r\nx\r\n0\r\n\r\n", "e".repeat(1 << 20)).into_bytes(),
            Expect::Fail,
        ),
        (
            "a negative chunk size",
            b"-5\r\nhello\r\n0\r\n\r\n".to_vec(),
            Expect::Fail,
        ),
    ];
    let (how, raw, expect) = &garbage[rng.below(garbage.len())];
    script.rules.push(Rule::any(
        PathIs::Exact(path),
        Response::new(
            200,
            &[("Content-Type", content_type)],
            Body::Chunked(raw.clone()),
        ),
    ));
    Case::new(
        "chunked",
        format!("the {what} with {how}"),
        script,
        *expect,
        &base.component,
    )
}

/// How a lie is told: in words, the headers, the body.
type Lie = (String, Vec<(&'static str, String)>, Vec<u8>);

fn length_lies(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let (what, path, bytes, content_type) = target(rng, &parts);
    let mut script = parts.script();
    let n = bytes.len();
    let mut more = bytes.clone();
    more.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    let lies: [Lie; 7] = [
        (
            format!("Content-Length {} for {n} bytes", n / 2),
            vec![("Content-Length", (n / 2).to_string())],
            bytes.clone(),
        ),
        (
            format!(
                "Content-Length {n} for {} bytes (a response smuggled after)",
                more.len()
            ),
            vec![("Content-Length", n.to_string())],
            more,
        ),
        (
            "two Content-Lengths that disagree".to_string(),
            vec![
                ("Content-Length", n.to_string()),
                ("Content-Length", (n + 1).to_string()),
            ],
            bytes.clone(),
        ),
        (
            "Content-Length `abc`".to_string(),
            vec![("Content-Length", "abc".to_string())],
            bytes.clone(),
        ),
        (
            "Content-Length -1".to_string(),
            vec![("Content-Length", "-1".to_string())],
            bytes.clone(),
        ),
        (
            "Content-Length 2^64".to_string(),
            vec![("Content-Length", "18446744073709551616".to_string())],
            bytes.clone(),
        ),
        (
            "Content-Length and chunked".to_string(),
            vec![
                ("Content-Length", n.to_string()),
                ("Transfer-Encoding", "chunked".to_string()),
            ],
            bytes.clone(),
        ),
    ];
    let (how, headers, body) = &lies[rng.below(lies.len())];
    let mut reply = Response::new(
        200,
        &[("Content-Type", content_type)],
        Body::Raw(Vec::new()),
    );
    // Raw, so the lie goes out exactly as written, then the connection
    // closes.
    let mut raw = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n").into_bytes();
    for (k, v) in headers {
        raw.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(body);
    reply.body = Body::Raw(raw);
    script.rules.push(Rule::any(PathIs::Exact(path), reply));
    Case::new(
        "length-lies",
        format!("the {what} with {how}"),
        script,
        Expect::Either,
        &base.component,
    )
}

fn garbage_status(rng: &mut Rng, base: &Base) -> Case {
    let parts = Parts::new(&base.component);
    let mut script = parts.script();
    let many: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let options: [(&str, Vec<u8>); 9] = [
        (
            "status 999",
            b"HTTP/1.1 999 Weird\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        (
            "status abc",
            b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        ("an SSH banner", b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()),
        ("HTTP/0.9 (a body with no head)", parts.manifest_bytes()),
        (
            "a head that never ends",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n".to_vec(),
        ),
        (
            "a 100 KiB header line",
            format!(
                "HTTP/1.1 200 OK\r\nX-Long: {}\r\nContent-Length: 0\r\n\r\n",
                "l".repeat(100 << 10)
            )
            .into_bytes(),
        ),
        (
            "10,000 headers",
            format!("HTTP/1.1 200 OK\r\n{many}Content-Length: 0\r\n\r\n").into_bytes(),
        ),
        (
            "random bytes",
            (0..256).map(|_| (rng.next_u64() & 0xff) as u8).collect(),
        ),
        ("an HTTP/2 SETTINGS frame", vec![0, 0, 0, 4, 0, 0, 0, 0, 0]),
    ];
    let (what, raw) = &options[rng.below(options.len())];
    let on = if rng.below(3) == 0 {
        "/v2/".to_string()
    } else {
        manifest_path()
    };
    let expect = if on == "/v2/" {
        Expect::Either
    } else {
        Expect::Fail
    };
    script.rules.push(Rule::any(
        PathIs::Exact(on.clone()),
        Response::new(200, &[], Body::Raw(raw.clone())),
    ));
    Case::new(
        "garbage-status",
        format!("{what} instead of an answer on {on}"),
        script,
        expect,
        &base.component,
    )
}

fn not_a_component(rng: &mut Rng, base: &Base) -> Case {
    let mut truncated = base.component.clone();
    truncated.truncate(base.component.len() / 2);
    let options: [(&str, Vec<u8>, Expect); 6] = [
        ("a core module", base.core_module.clone(), Expect::Fail),
        ("a WIT package", base.wit_package.clone(), Expect::Fail),
        ("empty", Vec::new(), Expect::Fail),
        (
            "random bytes",
            (0..300).map(|_| (rng.next_u64() & 0xff) as u8).collect(),
            Expect::Fail,
        ),
        ("the component cut in half", truncated, Expect::Either),
        (
            "a component preamble only",
            b"\0asm\x0d\0\x01\0".to_vec(),
            Expect::Either,
        ),
    ];
    let (what, layer, expect) = &options[rng.below(options.len())];
    let parts = Parts::new(layer);
    let mut script = parts.script();
    if rng.below(2) == 0 {
        // The layer names other places to fetch it from, which a client
        // tries when the registry has no such blob.
        let mut m = parts.clone();
        m.manifest["layers"][0]["urls"] = json!([
            format!("http://127.0.0.1:{PORT}/foreign"),
            "file:///etc/passwd"
        ]);
        script = m.script();
        script.blobs.retain(|(d, _)| *d != digest(layer));
        script.rules.push(Rule::any(
            PathIs::Exact("/foreign".into()),
            Response::new(200, &[], Body::Full(layer.clone())),
        ));
        return Case::new(
            "not-a-component",
            format!("the layer is {what}, fetched from its `urls`"),
            script,
            *expect,
            layer,
        );
    }
    Case::new(
        "not-a-component",
        format!("the layer is {what}"),
        script,
        *expect,
        layer,
    )
}
