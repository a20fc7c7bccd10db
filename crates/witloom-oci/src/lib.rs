//! Wasm in OCI registries: a component or a WIT package (encoded as a
//! component, as `wkg` publishes one) pushed and pulled as a CNCF TAG
//! Runtime wasm artifact: an image manifest whose config is
//! `application/vnd.wasm.config.v0+json` (what the component imports and
//! exports, `architecture: wasm`, `os: wasip2`) and whose one layer is the
//! `application/wasm` bytes.
//!
//! The registry protocol is `oci-client`'s (the client `wkg` builds on);
//! this crate adds what witloom promises on top:
//! - plain HTTP only for registries on the loopback (`localhost`,
//!   `127.0.0.1`, `[::1]`) or when asked (`insecure`);
//! - credentials from the Docker config (`docker login`, credential
//!   helpers), as other OCI clients read them, else anonymous;
//! - every operation bounded in time, and the wasm layer in size (the
//!   manifest and config are read by the client library);
//! - what is pulled is verified against its digest here, whatever the
//!   registry or the client library did;
//! - failures as [`OciError`], classified by the client's error types.

mod error;
pub mod layout;
mod reference;
pub mod ship;
mod wasm_config;

pub use error::OciError;
pub use oci_client::Reference;
pub use wasm_config::{ComponentInfo, WasmConfig};

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::time::Duration;

/// The manifest media type of a wasm artifact.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The config media type of a wasm artifact.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of its one layer.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The largest blob witloom pulls: a component or a WIT package far
/// beyond any real one.
pub const MAX_BLOB: u64 = 512 << 20;

/// How to talk to registries.
#[derive(Debug, Clone)]
pub struct Options {
    /// Plain HTTP for every registry, not only loopback ones.
    pub insecure: bool,
    /// The longest one operation (a push, a pull, a tag list) may take.
    pub timeout: Duration,
    /// Credentials to use instead of the Docker config's.
    pub basic_auth: Option<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            insecure: false,
            timeout: Duration::from_secs(60),
            basic_auth: None,
        }
    }
}

/// What to push: the wasm, its config, and the manifest's annotations
/// (`org.opencontainers.image.*`).
#[derive(Debug, Clone)]
pub struct Artifact {
    pub wasm: Vec<u8>,
    pub config: WasmConfig,
    pub annotations: BTreeMap<String, String>,
    /// The layer's `org.opencontainers.image.title` (`name.wasm`).
    pub title: String,
}

impl Artifact {
    /// A component or an encoded WIT package, with its config read from
    /// its bytes.
    pub fn new(wasm: Vec<u8>, title: &str) -> Result<Artifact, OciError> {
        let config = WasmConfig::of(&wasm)?;
        Ok(Artifact {
            wasm,
            config,
            annotations: BTreeMap::new(),
            title: title.to_string(),
        })
    }

    /// The OCI pieces: the layer, the config blob and the manifest. The
    /// wasm is hashed once (its digest is the config's `layerDigests`).
    pub fn encode(&self) -> (ImageLayer, Config, OciImageManifest) {
        let layer_digest = match self.config.layer_digests.as_slice() {
            [d] => d.clone(),
            _ => digest_of(&self.wasm),
        };
        let mut layer_annotations = BTreeMap::new();
        layer_annotations.insert(
            "org.opencontainers.image.title".to_string(),
            self.title.clone(),
        );
        let mut config = self.config.clone();
        config.layer_digests = vec![layer_digest.clone()];
        let config_bytes = serde_json::to_vec(&config).expect("a config serializes");
        let manifest = OciImageManifest {
            schema_version: 2,
            media_type: Some(MANIFEST_MEDIA_TYPE.to_string()),
            config: OciDescriptor {
                media_type: CONFIG_MEDIA_TYPE.to_string(),
                digest: digest_of(&config_bytes),
                size: config_bytes.len() as i64,
                ..OciDescriptor::default()
            },
            layers: vec![OciDescriptor {
                media_type: LAYER_MEDIA_TYPE.to_string(),
                digest: layer_digest,
                size: self.wasm.len() as i64,
                annotations: Some(layer_annotations.clone()),
                ..OciDescriptor::default()
            }],
            annotations: (!self.annotations.is_empty()).then(|| self.annotations.clone()),
            ..OciImageManifest::default()
        };
        let layer = ImageLayer::new(
            self.wasm.clone(),
            LAYER_MEDIA_TYPE.to_string(),
            Some(layer_annotations),
        );
        let config = Config::new(config_bytes, CONFIG_MEDIA_TYPE.to_string(), None);
        (layer, config, manifest)
    }
}

/// What a push left in the registry.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// The manifest's digest (`sha256:…`): `REF@DIGEST` pulls exactly this.
    pub manifest_digest: String,
    /// The layer's digest: the wasm's.
    pub layer_digest: String,
}

/// What a pull brought back, verified.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub wasm: Vec<u8>,
    pub config: WasmConfig,
    pub manifest_digest: String,
    pub layer_digest: String,
    pub annotations: BTreeMap<String, String>,
}

/// `sha256:<hex>` of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    let hash = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Parses `registry/repository:tag` (or `@sha256:…`).
pub fn parse_reference(reference: &str) -> Result<Reference, OciError> {
    reference::parse(reference)
}

/// Whether `registry` (`host[:port]`) is on this machine, where plain HTTP
/// is what local registries speak.
pub fn is_loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => registry.rsplit_once(':').map_or(registry, |(h, _)| h),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Pushes `artifact` to `reference`.
pub fn push(
    reference: &Reference,
    artifact: &Artifact,
    opts: &Options,
) -> Result<Pushed, OciError> {
    let (layer, config, manifest) = artifact.encode();
    let layer_digest = manifest.layers[0].digest.clone();
    // The manifest as sent is ours, so its digest is known without asking
    // the registry again.
    let body = serde_json::to_vec(&manifest).expect("a manifest serializes");
    let manifest_digest = digest_of(&body);
    let (client, auth) = client(reference, opts);
    run(reference, opts, async {
        client
            .store_auth_if_needed(reference.resolve_registry(), &auth)
            .await;
        client
            .push_blob(reference, layer.data.clone(), &layer_digest)
            .await?;
        client
            .push_blob(reference, config.data.clone(), &manifest.config.digest)
            .await?;
        client
            .push_manifest_raw(
                reference,
                body.clone(),
                reqwest::header::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
            )
            .await
    })?;
    Ok(Pushed {
        manifest_digest,
        layer_digest,
    })
}

/// Pulls the wasm artifact at `reference`. With `expected_layer`, the
/// layer must have that digest (a lock file's), or nothing is downloaded.
pub fn pull(
    reference: &Reference,
    expected_layer: Option<&str>,
    opts: &Options,
) -> Result<Pulled, OciError> {
    let (client, auth) = client(reference, opts);
    let shown = reference.whole();
    let deadline = std::time::Instant::now() + opts.timeout;
    let (manifest, manifest_digest) = run_until(reference, opts, deadline, async {
        fetch_manifest(&client, reference, &auth, opts).await
    })?;
    if manifest.config.size < 0 {
        return Err(OciError::NotWasm {
            reference: shown,
            reason: format!(
                "its config declares a negative size ({})",
                manifest.config.size
            ),
        });
    }
    if manifest.config.size as u64 > MAX_MANIFEST as u64 {
        return Err(OciError::TooLarge {
            reference: format!("{shown} (its config)"),
            size: manifest.config.size,
            max: MAX_MANIFEST as u64,
        });
    }
    let mut config = Capped::new(manifest.config.size as usize);
    let pulled = run_until(reference, opts, deadline, async {
        client
            .pull_blob(reference, &manifest.config, &mut config)
            .await
    });
    if config.over {
        return Err(OciError::Oversized {
            reference: format!("{shown} (its config)"),
            declared: manifest.config.size,
        });
    }
    pulled?;
    let config = String::from_utf8_lossy(&config.buf).into_owned();
    let not_wasm = |reason: String| OciError::NotWasm {
        reference: shown.clone(),
        reason,
    };
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(not_wasm(format!(
            "its config is `{}`, not `{CONFIG_MEDIA_TYPE}`",
            manifest.config.media_type
        )));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(not_wasm(format!(
            "it has {} layers, not one",
            manifest.layers.len()
        )));
    };
    if layer.media_type != LAYER_MEDIA_TYPE {
        return Err(not_wasm(format!(
            "its layer is `{}`, not `{LAYER_MEDIA_TYPE}`",
            layer.media_type
        )));
    }
    if let Some(expected) = expected_layer
        && layer.digest != expected
    {
        return Err(OciError::Locked {
            reference: shown,
            locked: expected.to_string(),
            found: layer.digest.clone(),
        });
    }
    if layer.size < 0 {
        return Err(not_wasm(format!(
            "its layer declares a negative size ({})",
            layer.size
        )));
    }
    if layer.size as u64 > MAX_BLOB {
        return Err(OciError::TooLarge {
            reference: shown,
            size: layer.size,
            max: MAX_BLOB,
        });
    }
    let config: WasmConfig = serde_json::from_str(&config)
        .map_err(|e| not_wasm(format!("its config does not parse: {e}")))?;
    let mut wasm = Capped::new(layer.size as usize);
    let pulled = run_until(reference, opts, deadline, async {
        client.pull_blob(reference, layer, &mut wasm).await
    });
    if wasm.over {
        return Err(OciError::Oversized {
            reference: shown,
            declared: layer.size,
        });
    }
    pulled?;
    let wasm = wasm.buf;
    let actual = digest_of(&wasm);
    if actual != layer.digest {
        return Err(OciError::Digest {
            reference: shown,
            expected: layer.digest.clone(),
            actual,
        });
    }
    Ok(Pulled {
        wasm,
        config,
        manifest_digest,
        layer_digest: layer.digest.clone(),
        annotations: manifest.annotations.clone().unwrap_or_default(),
    })
}

/// The most bytes of `WWW-Authenticate` challenge a pull accepts (a real
/// one is a few hundred).
const MAX_CHALLENGE: usize = 8 << 10;

/// The largest manifest or config witloom reads (containerd's bound on a
/// manifest): a registry that sends more is refused, not read.
pub const MAX_MANIFEST: usize = 4 << 20;

/// `reference`'s image manifest and its digest, read with a bound:
/// `oci-client` reads a manifest whole, however much a registry sends, so
/// this GETs it itself, with the client's credentials.
async fn fetch_manifest(
    client: &oci_client::Client,
    reference: &Reference,
    auth: &RegistryAuth,
    opts: &Options,
) -> Result<(OciImageManifest, String), oci_client::errors::OciDistributionError> {
    use oci_client::errors::OciDistributionError as E;
    let registry = reference.resolve_registry();
    let scheme = if opts.insecure || is_loopback(registry) {
        "http"
    } else {
        "https"
    };
    let tag = reference
        .digest()
        .or(reference.tag())
        .unwrap_or("latest")
        .to_string();
    let url = format!(
        "{scheme}://{registry}/v2/{}/manifests/{tag}",
        reference.repository()
    );
    let http = reqwest::Client::builder()
        .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
        .read_timeout(opts.timeout)
        .user_agent(concat!("witloom/", env!("CARGO_PKG_VERSION")))
        .build()?;
    // oci-client parses the registry's authentication challenge in memory
    // that grows far faster than the challenge (a 100 KB one took 2 GiB):
    // look at it first, and refuse one no registry needs.
    let probe = http
        .get(format!("{scheme}://{registry}/v2/"))
        .send()
        .await?;
    let challenge: usize = probe
        .headers()
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .map(|v| v.len())
        .sum();
    drop(probe);
    if challenge > MAX_CHALLENGE {
        return Err(E::AuthenticationFailure(format!(
            "the registry's authentication challenge is {challenge} bytes, more than the {MAX_CHALLENGE} witloom reads"
        )));
    }
    // As oci-client does: credentials that do not work (stale ones in the
    // Docker config) fall back to an anonymous request, which a public
    // repository answers.
    let token = client
        .auth(reference, auth, oci_client::RegistryOperation::Pull)
        .await
        .unwrap_or(None);
    // Indexes are asked for too, to say what they are rather than "not
    // found": a wasm artifact is one manifest.
    let mut request = http.get(&url).header(
        reqwest::header::ACCEPT,
        [
            oci_client::manifest::OCI_IMAGE_MEDIA_TYPE,
            oci_client::manifest::IMAGE_MANIFEST_MEDIA_TYPE,
            oci_client::manifest::OCI_IMAGE_INDEX_MEDIA_TYPE,
            oci_client::manifest::IMAGE_MANIFEST_LIST_MEDIA_TYPE,
        ]
        .join(","),
    );
    request = match (token, auth) {
        (Some(token), _) => request.bearer_auth(token),
        (None, RegistryAuth::Basic(user, password)) => request.basic_auth(user, Some(password)),
        (None, _) => request,
    };
    let mut response = request.send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    let mut over = false;
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_MANIFEST {
            over = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(E::ImageManifestNotFoundError(url));
        }
        if let Ok(envelope) = serde_json::from_slice::<oci_client::errors::OciEnvelope>(&body) {
            return Err(E::RegistryError { envelope, url });
        }
        return Err(E::ServerError {
            code: status.as_u16(),
            url,
            message: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    if over {
        return Err(E::ManifestParsingError(format!(
            "the manifest is larger than the {} MiB witloom reads",
            MAX_MANIFEST >> 20
        )));
    }
    // The bytes must be what the reference pins, and what the registry
    // says it sent.
    let digest = digest_of(&body);
    let claimed = headers
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        // A digest in another algorithm cannot be compared with ours.
        .filter(|d| d.starts_with("sha256:"))
        .map(str::to_string);
    let pinned = reference
        .digest()
        .filter(|d| d.starts_with("sha256:"))
        .map(str::to_string);
    for expected in pinned.into_iter().chain(claimed) {
        if expected != digest {
            return Err(E::DigestError(
                oci_client::errors::DigestError::VerificationError {
                    expected,
                    actual: digest,
                },
            ));
        }
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Versioned {
        schema_version: i32,
        media_type: Option<String>,
    }
    let versioned: Versioned =
        serde_json::from_slice(&body).map_err(|e| E::ManifestParsingError(e.to_string()))?;
    if versioned.schema_version != 2 {
        return Err(E::UnsupportedSchemaVersionError(versioned.schema_version));
    }
    match versioned.media_type.as_deref() {
        None
        | Some(
            oci_client::manifest::OCI_IMAGE_MEDIA_TYPE
            | oci_client::manifest::IMAGE_MANIFEST_MEDIA_TYPE,
        ) => {}
        Some(
            index @ (oci_client::manifest::OCI_IMAGE_INDEX_MEDIA_TYPE
            | oci_client::manifest::IMAGE_MANIFEST_LIST_MEDIA_TYPE),
        ) => {
            return Err(E::ManifestParsingError(format!(
                "it is an image index (`{index}`), not a wasm artifact's manifest"
            )));
        }
        Some(other) => return Err(E::UnsupportedMediaTypeError(other.to_string())),
    }
    let manifest =
        serde_json::from_slice(&body).map_err(|e| E::ManifestParsingError(e.to_string()))?;
    Ok((manifest, digest))
}

/// The tags of `reference`'s repository.
pub fn tags(reference: &Reference, opts: &Options) -> Result<Vec<String>, OciError> {
    let (client, auth) = client(reference, opts);
    let response = run(reference, opts, async {
        client.list_tags(reference, &auth, None, None).await
    })?;
    Ok(response.tags)
}

/// A registry's `/.well-known/wasm-pkg/registry.json` (where `wkg` looks
/// for the OCI registry and namespace prefix behind a registry name), if
/// it serves one; at most 64 KiB, within `timeout`.
pub fn well_known(registry: &str, http: bool, timeout: Duration) -> Option<serde_json::Value> {
    install_crypto_provider();
    let scheme = if http || is_loopback(registry) {
        "http"
    } else {
        "https"
    };
    let url = format!("{scheme}://{registry}/.well-known/wasm-pkg/registry.json");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .ok()?;
        let mut response = client.get(&url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            body.extend_from_slice(&chunk);
            if body.len() > 64 << 10 {
                return None;
            }
        }
        serde_json::from_slice(&body).ok()
    })
}

fn client(reference: &Reference, opts: &Options) -> (oci_client::Client, RegistryAuth) {
    install_crypto_provider();
    let registry = reference.resolve_registry();
    let protocol = if opts.insecure || is_loopback(registry) {
        ClientProtocol::Http
    } else {
        ClientProtocol::Https
    };
    let config = ClientConfig {
        protocol,
        // One PUT a blob rather than a POST and PATCHes: fewer round trips.
        use_monolithic_push: true,
        connect_timeout: Some(opts.timeout.min(Duration::from_secs(10))),
        read_timeout: Some(opts.timeout),
        ..ClientConfig::default()
    };
    (oci_client::Client::new(config), auth_for(registry, opts))
}

/// rustls needs a process-wide crypto provider; ring is witloom's.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // rustls 0.23.48 deprecates ring's provider because it has no
        // post-quantum key exchange (X25519MLKEM768 is aws-lc-rs only).
        // ring stays, so that building witloom needs no C toolchain for
        // aws-lc: registry TLS uses classical ECDHE, as before.
        #[expect(deprecated, reason = "ring is kept; see above")]
        let provider = rustls::crypto::ring::default_provider();
        // Another part of the process may have installed one: that is fine.
        let _ = provider.install_default();
    });
}

/// The registry's credentials: given, or from the Docker config (as
/// `docker login` leaves them, helpers included), or none.
fn auth_for(registry: &str, opts: &Options) -> RegistryAuth {
    if let Some((user, password)) = &opts.basic_auth {
        return RegistryAuth::Basic(user.clone(), password.clone());
    }
    // A credential helper is another program: one that never answers
    // must not hang witloom, so it gets ten seconds on a thread.
    let registry = registry.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let lookups = [registry.clone(), format!("https://{registry}")];
        let found =
            lookups
                .iter()
                .find_map(|server| match docker_credential::get_credential(server) {
                    Ok(docker_credential::DockerCredential::UsernamePassword(user, password)) => {
                        Some(RegistryAuth::Basic(user, password))
                    }
                    _ => None,
                });
        let _ = tx.send(found);
    });
    rx.recv_timeout(Duration::from_secs(10))
        .ok()
        .flatten()
        .unwrap_or(RegistryAuth::Anonymous)
}

/// Runs one registry operation on a runtime of its own, within the
/// timeout, classifying its failure.
fn run<T>(
    reference: &Reference,
    opts: &Options,
    operation: impl std::future::Future<Output = Result<T, oci_client::errors::OciDistributionError>>,
) -> Result<T, OciError> {
    run_until(
        reference,
        opts,
        std::time::Instant::now() + opts.timeout,
        operation,
    )
}

/// [`run`], ending at `deadline`: the steps of one pull share its timeout.
fn run_until<T>(
    reference: &Reference,
    opts: &Options,
    deadline: std::time::Instant,
    operation: impl std::future::Future<Output = Result<T, oci_client::errors::OciDistributionError>>,
) -> Result<T, OciError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| OciError::Registry {
            registry: reference.resolve_registry().to_string(),
            reason: format!("cannot start the I/O runtime: {e}"),
        })?;
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    let outcome = runtime.block_on(async { tokio::time::timeout(left, operation).await });
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(OciError::classify(reference, opts.timeout, e)),
        Err(_) => Err(OciError::Timeout {
            registry: reference.resolve_registry().to_string(),
            timeout: opts.timeout,
        }),
    }
}

/// An `AsyncWrite` into memory that refuses more than it was told to
/// expect, so a registry cannot make witloom allocate without bound.
struct Capped {
    buf: Vec<u8>,
    max: usize,
    over: bool,
}

impl Capped {
    fn new(max: usize) -> Capped {
        Capped {
            // The declared size, at most `MAX_BLOB`: reserved, not touched,
            // until bytes come, and never doubled by growth.
            buf: Vec::with_capacity(max),
            max,
            over: false,
        }
    }
}

impl tokio::io::AsyncWrite for Capped {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.buf.len() + data.len() > self.max {
            self.over = true;
            return std::task::Poll::Ready(Err(std::io::Error::other(
                "the registry sent more than the manifest's size",
            )));
        }
        self.buf.extend_from_slice(data);
        std::task::Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries() {
        for r in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:41234",
            "[::1]:5000",
        ] {
            assert!(is_loopback(r), "{r}");
        }
        for r in [
            "ghcr.io",
            "example.com:5000",
            "10.0.0.1:5000",
            "localhost.example.com",
        ] {
            assert!(!is_loopback(r), "{r}");
        }
    }

    #[test]
    fn digests_are_sha256_hex() {
        assert_eq!(
            digest_of(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
