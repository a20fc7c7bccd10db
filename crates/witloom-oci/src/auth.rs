//! Credentials: the user's, else the Docker config's (as `docker login`
//! and credential helpers leave them, as other OCI clients read them),
//! else none; and the authentication a pull's own manifest GET carries,
//! after the registry's challenge was seen to be small enough to parse.

use crate::Options;
use oci_client::Reference;
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use std::time::Duration;

/// The most bytes of `WWW-Authenticate` challenge a pull accepts (a real
/// one is a few hundred).
pub(crate) const MAX_CHALLENGE: usize = 8 << 10;

/// The longest a credential helper may take to answer.
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

/// The registry's credentials: given, or from the Docker config (as
/// `docker login` leaves them, helpers included), or none.
pub(crate) fn credentials(registry: &str, opts: &Options) -> RegistryAuth {
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
    rx.recv_timeout(HELPER_TIMEOUT)
        .ok()
        .flatten()
        .unwrap_or(RegistryAuth::Anonymous)
}

/// Refuses a registry whose authentication challenge (the
/// `WWW-Authenticate` of its `/v2/`) is over [`MAX_CHALLENGE`] bytes.
/// `oci-client` parses a challenge in memory that grows far faster than
/// the challenge (a 100 KB one took 2 GiB), so this must come before
/// [`authorize`] lets it see one.
pub(crate) async fn check_challenge(
    http: &reqwest::Client,
    base: &str,
) -> Result<(), OciDistributionError> {
    let probe = http.get(format!("{base}/v2/")).send().await?;
    let challenge: usize = probe
        .headers()
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .map(|v| v.len())
        .sum();
    // The body is not wanted: only the head was.
    drop(probe);
    if challenge > MAX_CHALLENGE {
        return Err(OciDistributionError::AuthenticationFailure(format!(
            "the registry's authentication challenge is {challenge} bytes, more than the {MAX_CHALLENGE} witloom reads"
        )));
    }
    Ok(())
}

/// `request` with the credentials a pull of `reference` uses: the
/// registry's token for them, or the credentials themselves. As
/// `oci-client` does, credentials that do not work (stale ones in the
/// Docker config) fall back to an anonymous request, which a public
/// repository answers.
pub(crate) async fn authorize(
    client: &oci_client::Client,
    reference: &Reference,
    auth: &RegistryAuth,
    request: reqwest::RequestBuilder,
) -> reqwest::RequestBuilder {
    let token = client
        .auth(reference, auth, oci_client::RegistryOperation::Pull)
        .await
        .unwrap_or(None);
    match (token, auth) {
        (Some(token), _) => request.bearer_auth(token),
        (None, RegistryAuth::Basic(user, password)) => request.basic_auth(user, Some(password)),
        (None, _) => request,
    }
}
