//! How witloom talks to a registry: plain HTTP only where it is safe,
//! rustls on ring with the system's roots, and every operation on a
//! runtime of its own within the caller's timeout, so that a registry
//! that stops answering cannot hold witloom.

use crate::OciError;
use crate::auth;
use crate::error::{Classify, RegistryReason};
use oci_client::Reference;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use std::future::Future;
use std::time::{Duration, Instant};

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

/// Whether witloom speaks plain HTTP to `registry`: nothing leaves the
/// machine in plain text unless the user asked for it (`insecure`).
fn plain_http(registry: &str, insecure: bool) -> bool {
    insecure || is_loopback(registry)
}

/// `http` or `https` for `registry`, by [`plain_http`].
pub(crate) fn scheme(registry: &str, insecure: bool) -> &'static str {
    if plain_http(registry, insecure) {
        "http"
    } else {
        "https"
    }
}

/// The longest a connection may take to open: an unreachable registry is
/// named within seconds, however long the operation may run.
fn connect_timeout(opts: &Options) -> Duration {
    opts.timeout.min(Duration::from_secs(10))
}

/// An `oci-client` for `reference`'s registry, with the credentials it
/// should use.
pub(crate) fn oci(reference: &Reference, opts: &Options) -> (oci_client::Client, RegistryAuth) {
    install_crypto_provider();
    let registry = reference.resolve_registry();
    let protocol = if plain_http(registry, opts.insecure) {
        ClientProtocol::Http
    } else {
        ClientProtocol::Https
    };
    let config = ClientConfig {
        protocol,
        // One PUT a blob rather than a POST and PATCHes: fewer round trips.
        use_monolithic_push: true,
        connect_timeout: Some(connect_timeout(opts)),
        read_timeout: Some(opts.timeout),
        ..ClientConfig::default()
    };
    (
        oci_client::Client::new(config),
        auth::credentials(registry, opts),
    )
}

/// The HTTP client for the requests witloom makes itself (the bounded
/// manifest GET), with the same timeouts as `oci-client`'s.
pub(crate) fn http(opts: &Options) -> Result<reqwest::Client, reqwest::Error> {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout(opts))
        .read_timeout(opts.timeout)
        .user_agent(concat!("witloom/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// rustls needs a process-wide crypto provider; ring is witloom's.
pub(crate) fn install_crypto_provider() {
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

/// Runs one registry operation on a runtime of its own, within the
/// timeout, classifying its failure.
pub(crate) fn run<T, E: Classify>(
    reference: &Reference,
    opts: &Options,
    operation: impl Future<Output = Result<T, E>>,
) -> Result<T, OciError> {
    run_until(reference, opts, Instant::now() + opts.timeout, operation)
}

/// [`run`], ending at `deadline`: the steps of one pull share its timeout.
pub(crate) fn run_until<T, E: Classify>(
    reference: &Reference,
    opts: &Options,
    deadline: Instant,
    operation: impl Future<Output = Result<T, E>>,
) -> Result<T, OciError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| OciError::Registry {
            registry: reference.resolve_registry().to_string(),
            reason: RegistryReason::Runtime(e),
        })?;
    let left = deadline.saturating_duration_since(Instant::now());
    let outcome = runtime.block_on(async { tokio::time::timeout(left, operation).await });
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.classify(reference, opts.timeout)),
        Err(_) => Err(OciError::Timeout {
            registry: reference.resolve_registry().to_string(),
            timeout: opts.timeout,
        }),
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
}
