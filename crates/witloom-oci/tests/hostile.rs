//! A registry's answers are not trusted: a manifest that never ends is
//! refused at 4 MiB (oci-client would read it whole), a manifest whose
//! bytes differ from the registry's `Docker-Content-Digest` is refused, a
//! negative layer size is named as such, and a registry's error text is
//! shown clipped. Each against a one-purpose server on a free loopback
//! port, within a bound.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use witloom_oci::{Options, Reference, parse_reference, pull};

/// Serves `answer` for every manifest request (and 200 for `/v2/`) on a
/// thread, for as many connections as come; returns the registry address.
fn serve(answer: fn(&mut TcpStream, &str)) -> String {
    serve_with(
        answer,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}",
    )
}

/// [`serve`], answering every other request with `other`.
fn serve_with(answer: fn(&mut TcpStream, &str), other: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split(' ').nth(1).unwrap_or("").to_string();
                    // The rest of the head.
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    if path.ends_with("/manifests/1.0") {
                        answer(&mut stream, &path);
                        return;
                    }
                    let _ = stream.write_all(other);
                }
            });
        }
    });
    addr
}

fn pulled(addr: &str) -> (String, Duration) {
    let reference: Reference = parse_reference(&format!("{addr}/acme/app:1.0")).unwrap();
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
    let addr = serve(|stream, _| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n\r\n{\"schemaVersion\": 2, \"x\": \"",
        );
        let chunk = vec![b'a'; 64 << 10];
        // 64 MiB at most: far past the bound, and finite.
        for _ in 0..1024 {
            if stream.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let (err, took) = pulled(&addr);
    assert!(err.contains("larger than the 4 MiB witloom reads"), "{err}");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.wasm.config.v0+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/wasm","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":-5}]}"#;

#[test]
fn a_manifest_that_is_not_what_the_registry_says_is_refused() {
    let addr = serve(|stream, _| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nDocker-Content-Digest: sha256:{}\r\nContent-Length: {}\r\n\r\n",
            "0".repeat(64),
            MANIFEST.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(MANIFEST.as_bytes());
    });
    let (err, _) = pulled(&addr);
    assert!(err.contains(&format!("sha256:{}", "0".repeat(64))), "{err}");
}

#[test]
fn a_negative_layer_size_is_named() {
    let addr = serve(|stream, _| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {}\r\n\r\n",
            MANIFEST.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(MANIFEST.as_bytes());
        // The config blob is asked for next on another connection; this
        // one is done.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    let (err, _) = pulled(&addr);
    // The config ({}, 2 bytes) is served by the `/v2/` fallback answer.
    assert!(err.contains("declares a negative size (-5)"), "{err}");
}

#[test]
fn a_registry_error_is_shown_clipped() {
    let addr = serve(|stream, _| {
        let errors: Vec<String> = (0..10_000)
            .map(|i| format!(r#"{{"code":"UNKNOWN","message":"m{i}"}}"#))
            .collect();
        let body = format!(r#"{{"errors":[{}]}}"#, errors.join(","));
        let head = format!(
            "HTTP/1.1 418 I'm a teapot\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body.as_bytes());
    });
    let (err, _) = pulled(&addr);
    assert!(err.len() < 2000, "{} bytes: {}", err.len(), &err[..200]);
    assert!(err.contains("more bytes)"), "{err}");
}

#[test]
fn a_manifest_of_an_unknown_media_type_is_refused() {
    let addr = serve(|stream, _| {
        let manifest = MANIFEST.replace(
            "application/vnd.oci.image.manifest.v1+json",
            "application/x-not-a-manifest",
        );
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            manifest.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(manifest.as_bytes());
    });
    let (err, _) = pulled(&addr);
    assert!(err.contains("application/x-not-a-manifest"), "{err}");
}

#[test]
fn an_authentication_challenge_past_the_bound_is_refused_before_it_is_parsed() {
    // oci-client's challenge parser took 2 GiB for one like this.
    static CHALLENGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let answer = CHALLENGE.get_or_init(|| {
        let params = vec![r#"x="y""#; 20_000].join(",");
        format!(
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://127.0.0.1:1/token\",{params}\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes()
    });
    let addr = serve_with(|_, _| {}, answer);
    let (err, took) = pulled(&addr);
    assert!(err.contains("authentication challenge is"), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
