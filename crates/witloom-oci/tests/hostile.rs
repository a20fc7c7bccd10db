//! A registry's answers are not trusted: a manifest that never ends is
//! refused at 4 MiB (oci-client would read it whole), a manifest whose
//! bytes differ from the registry's `Docker-Content-Digest` is refused, a
//! negative layer size is named as such, and a registry's error text is
//! shown clipped. Each against a one-purpose registry (witloom-testkit's
//! scripted server) on a free loopback port, within a bound.

use std::time::{Duration, Instant};
use witloom_oci::{Options, Reference, parse_reference, pull};
use witloom_testkit::scripted::{
    Answer, Body, Limits, PathIs, RawWriter, Request, Response, Script, ScriptedServer,
};

/// Answers the manifest request with `answer` (raw bytes, then the
/// connection closes) and every other request with `{}`.
fn serve(answer: fn(&Request, &mut RawWriter<'_>)) -> ScriptedServer {
    serve_with(answer, Response::json(200, b"{}"))
}

/// [`serve`], answering every other request with `other`.
fn serve_with(answer: fn(&Request, &mut RawWriter<'_>), other: Response) -> ScriptedServer {
    let script = Script::new()
        .on(
            PathIs::Exact("/v2/acme/app/manifests/1.0".into()),
            Answer::raw(answer),
        )
        .otherwise(other);
    // One pull opens a few connections; a client that loops stops here.
    let limits = Limits {
        max_connections: 50,
        ..Limits::default()
    };
    ScriptedServer::start_with(script, limits).expect("a loopback port")
}

fn pulled(registry: &ScriptedServer) -> (String, Duration) {
    let reference: Reference =
        parse_reference(&format!("{}/acme/app:1.0", registry.addr())).unwrap();
    let opts = Options {
        timeout: Duration::from_secs(20),
        ..Options::default()
    };
    let start = Instant::now();
    let err = pull(&reference, None, &opts).expect_err("a hostile answer is refused");
    (err.to_string(), start.elapsed())
}

#[test]
fn a_manifest_without_end_is_refused_at_the_bound() {
    let registry = serve(|_, out| {
        if !out.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n\r\n{\"schemaVersion\": 2, \"x\": \"",
        ) {
            return;
        }
        let chunk = vec![b'a'; 64 << 10];
        // 64 MiB at most: far past the bound, and finite.
        for _ in 0..1024 {
            if !out.write(&chunk) {
                return;
            }
        }
    });
    let (err, took) = pulled(&registry);
    assert!(err.contains("larger than the 4 MiB witloom reads"), "{err}");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/wasm","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":-5}]}"#;

#[test]
fn a_manifest_that_is_not_what_the_registry_says_is_refused() {
    let registry = serve(|_, out| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nDocker-Content-Digest: sha256:{}\r\nContent-Length: {}\r\n\r\n",
            "0".repeat(64),
            MANIFEST.len()
        );
        let _ = out.write(head.as_bytes()) && out.write(MANIFEST.as_bytes());
    });
    let (err, _) = pulled(&registry);
    assert!(err.contains(&format!("sha256:{}", "0".repeat(64))), "{err}");
}

#[test]
fn a_negative_layer_size_is_named() {
    let registry = serve(|_, out| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {}\r\n\r\n",
            MANIFEST.len()
        );
        if out.write(head.as_bytes()) && out.write(MANIFEST.as_bytes()) {
            // The config blob is asked for next on another connection;
            // this one is held until the client lets it go.
            out.wait_for_close();
        }
    });
    let (err, _) = pulled(&registry);
    // The config ({}, 2 bytes) is served by the fallback answer.
    assert!(err.contains("declares a negative size (-5)"), "{err}");
}

#[test]
fn a_registry_error_is_shown_clipped() {
    let registry = serve(|_, out| {
        let errors: Vec<String> = (0..10_000)
            .map(|i| format!(r#"{{"code":"UNKNOWN","message":"m{i}"}}"#))
            .collect();
        let body = format!(r#"{{"errors":[{}]}}"#, errors.join(","));
        let head = format!(
            "HTTP/1.1 418 I'm a teapot\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = out.write(head.as_bytes()) && out.write(body.as_bytes());
    });
    let (err, _) = pulled(&registry);
    assert!(err.len() < 2000, "{} bytes: {}", err.len(), &err[..200]);
    assert!(err.contains("more bytes)"), "{err}");
}

#[test]
fn a_manifest_of_an_unknown_media_type_is_refused() {
    let registry = serve(|_, out| {
        let manifest = MANIFEST.replace(
            "application/vnd.oci.image.manifest.v1+json",
            "application/x-not-a-manifest",
        );
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            manifest.len()
        );
        let _ = out.write(head.as_bytes()) && out.write(manifest.as_bytes());
    });
    let (err, _) = pulled(&registry);
    assert!(err.contains("application/x-not-a-manifest"), "{err}");
}

#[test]
fn an_authentication_challenge_past_the_bound_is_refused_before_it_is_parsed() {
    // oci-client's challenge parser took 2 GiB for one like this.
    let params = vec![r#"x="y""#; 20_000].join(",");
    let challenge = format!("Bearer realm=\"http://127.0.0.1:1/token\",{params}");
    let registry = serve_with(
        |_, _| {},
        Response::new(
            401,
            &[("WWW-Authenticate", &challenge)],
            Body::Full(Vec::new()),
        ),
    );
    let (err, took) = pulled(&registry);
    assert!(err.contains("authentication challenge is"), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
