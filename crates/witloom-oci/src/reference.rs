//! `REGISTRY/REPOSITORY[:TAG][@DIGEST]`, parsed by hand: the grammar of the
//! distribution spec (what `docker`, `skopeo` and `oci-client` accept),
//! without compiling the reference regex, which cost every push and pull
//! tens of milliseconds of a short-lived process.

use crate::OciError;
use oci_client::Reference;

const DOCKER_HUB: &str = "docker.io";

/// Parses `registry/repository:tag` (or `@sha256:…`) into a reference; a
/// missing tag is `latest`.
pub fn parse(text: &str) -> Result<Reference, OciError> {
    let bad = |reason: &str| OciError::BadReference {
        reference: text.to_string(),
        reason: reason.to_string(),
    };
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    let (name_tag, digest) = match text.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (text, None),
    };
    // The tag follows the last `:` that comes after the last `/` (a
    // registry's port has a `/` after it).
    let slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[slash..].rfind(':') {
        Some(i) => (&name_tag[..slash + i], Some(&name_tag[slash + i + 1..])),
        None => (name_tag, None),
    };
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            if !valid_domain(first) {
                return Err(bad(
                    "its registry is not a host name with an optional :port",
                ));
            }
            let registry = if first == "index.docker.io" {
                DOCKER_HUB
            } else {
                first
            };
            (registry.to_string(), rest.to_string())
        }
        _ => (DOCKER_HUB.to_string(), name.to_string()),
    };
    let repository = if registry == DOCKER_HUB && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    if repository.len() > 255 {
        return Err(bad("its repository is longer than 255 characters"));
    }
    if !repository.split('/').all(valid_path_component) {
        return Err(bad(
            "its repository must be lowercase letters and digits, separated by `/`, `.`, `_`, `__` or `-`",
        ));
    }
    if let Some(tag) = tag
        && !valid_tag(tag)
    {
        return Err(bad(
            "its tag must be 1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`",
        ));
    }
    if let Some(digest) = digest {
        let Some((algorithm, hex)) = digest.split_once(':') else {
            return Err(bad("its digest must be ALGORITHM:HEX"));
        };
        let length = match algorithm {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => return Err(bad("its digest must be sha256, sha384 or sha512")),
        };
        if hex.len() != length
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad("its digest's hex has the wrong length or characters"));
        }
    }
    Ok(match (tag, digest) {
        (Some(t), Some(d)) => {
            Reference::with_tag_and_digest(registry, repository, t.to_string(), d.to_string())
        }
        (None, Some(d)) => Reference::with_digest(registry, repository, d.to_string()),
        (t, None) => Reference::with_tag(registry, repository, t.unwrap_or("latest").to_string()),
    })
}

/// `host(.host)*(:port)?`, each label alphanumeric with inner `-`, or a
/// bracketed IPv6 address (`[::1]:5000`).
fn valid_domain(domain: &str) -> bool {
    if let Some(rest) = domain.strip_prefix('[') {
        let Some((address, port)) = rest.split_once(']') else {
            return false;
        };
        return address.parse::<std::net::Ipv6Addr>().is_ok()
            && (port.is_empty()
                || port
                    .strip_prefix(':')
                    .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
    }
    let (host, port) = match domain.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (domain, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn valid_path_component(component: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = component.as_bytes();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-')) {
            return false;
        }
    }
    true
}

fn valid_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_forms_registries_use() {
        let r = parse("127.0.0.1:5000/acme/app:1.0.0").unwrap();
        assert_eq!(
            (r.registry(), r.repository(), r.tag()),
            ("127.0.0.1:5000", "acme/app", Some("1.0.0"))
        );
        let r = parse("[::1]:5000/acme/app:1").unwrap();
        assert_eq!((r.registry(), r.repository()), ("[::1]:5000", "acme/app"));
        let r = parse("localhost/app").unwrap();
        assert_eq!((r.registry(), r.tag()), ("localhost", Some("latest")));
        let r = parse("nginx").unwrap();
        assert_eq!(
            (r.registry(), r.repository()),
            ("docker.io", "library/nginx")
        );
        let hex = "a".repeat(64);
        let r = parse(&format!("ghcr.io/a/b:1@sha256:{hex}")).unwrap();
        assert_eq!(
            (r.tag(), r.digest()),
            (Some("1"), Some(format!("sha256:{hex}").as_str()))
        );
        let r = parse(&format!("ghcr.io/a/b@sha256:{hex}")).unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(
            parse("127.0.0.1:5000/a__b/c-d.e:v_1.0-rc").unwrap().whole(),
            "127.0.0.1:5000/a__b/c-d.e:v_1.0-rc"
        );
    }

    #[test]
    fn what_the_grammar_refuses() {
        for bad in [
            "",
            "not a reference!",
            "ghcr.io/Upper/case:1",
            "ghcr.io/a/b:.tag",
            "ghcr.io/a/b@sha256:abc",
            "ghcr.io/a/b@md5:0123456789abcdef0123456789abcdef",
            "ghcr.io/a//b",
            "-bad.io/a/b",
            "ghcr.io/a/b_-c",
            "host:port/a/b",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
