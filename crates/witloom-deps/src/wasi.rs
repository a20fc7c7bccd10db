//! WASI packages from the WIT witloom carries: the file to write for
//! what the WIT names, at the runtime's version or derived for an older
//! one on its track.

use crate::{DepsError, Located, Provided};
use semver::Version;
use wit_parser::PackageName;
use witloom_host::carried;

/// The file (`(name in deps/, text)`) that provides WASI package `name`,
/// and the packages it uses: from the carried version on its track (WASI
/// 0.2 or 0.3).
pub(crate) fn provide(name: &PackageName, at: Option<Box<Located>>) -> Result<Provided, DepsError> {
    let carried = carried();
    let unversioned = format!("{}:{}", name.namespace, name.name);
    let versions: Vec<&witloom_host::WitPackage> = carried.versions(&unversioned).collect();
    if versions.is_empty() {
        return Err(DepsError::NotCarried {
            package: unversioned,
            at,
            carried: carried.wasi().map(|p| p.qualified()).collect(),
        });
    }
    let available: Vec<Version> = versions.iter().filter_map(|p| p.version.clone()).collect();
    let Some(requested) = name.version.clone() else {
        return Err(DepsError::Unversioned {
            package: unversioned,
            at,
            available,
        });
    };
    let Some(package) = versions.into_iter().find(|p| {
        p.version
            .as_ref()
            .is_some_and(|available| on_track(&requested, available))
    }) else {
        return Err(DepsError::Version {
            package: unversioned,
            requested,
            at,
            available,
        });
    };
    let available = package
        .version
        .clone()
        .expect("the WASI packages witloom carries are versioned");
    let (file, text) = if requested == available {
        (package.file.to_string(), package.source.to_string())
    } else {
        (
            // `cli@0.2.6.wit`, also from a carried `cli@0.3.0.wit`.
            format!(
                "{}@{requested}.wit",
                package
                    .file
                    .trim_end_matches(".wit")
                    .split('@')
                    .next()
                    .unwrap_or_default()
            ),
            derive(package.source, &available, &requested),
        )
    };
    // What the text itself uses, at the versions it names.
    let uses = wit_parser::UnresolvedPackageGroup::parse(&file, &text)
        .map(|g| g.main.foreign_deps.keys().cloned().collect())
        .map_err(|(map, e)| DepsError::Resolve(e.render(&map).into()))?;
    Ok(Provided {
        package: name.clone(),
        file,
        text,
        uses,
    })
}

/// Whether the runtime's `available` serves imports of `requested` (the
/// host's rule, [`witloom_host::same_track`]) and WIT for `requested` can
/// be derived from it: no newer.
fn on_track(requested: &Version, available: &Version) -> bool {
    requested <= available && witloom_host::same_track(requested, available)
}

/// `source` (the package at `from`) as it was at `to`: the package and
/// every reference to a version `from` renamed to `to`; items added after
/// `to` gated behind a feature nobody enables (wit-parser then leaves them
/// out, as the runtime's WIT does for `@unstable` items); deprecations
/// after `to` dropped.
fn derive(source: &str, from: &Version, to: &Version) -> String {
    let from_at = format!("@{from}");
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(i) = rest.find(&from_at) {
        let after = &rest[i + from_at.len()..];
        // `@0.2.12` but not `@0.2.120` or `@0.2.12.3`.
        let more_digits = after.starts_with(|c: char| c.is_ascii_digit())
            || (after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit()));
        out.push_str(&rest[..i]);
        if more_digits {
            out.push_str(&from_at);
        } else {
            out.push_str(&format!("@{to}"));
        }
        rest = after;
    }
    out.push_str(rest);

    let mut gated = String::with_capacity(out.len());
    let lines: Vec<&str> = out.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let version_of = |attr: &str| {
            trimmed
                .strip_prefix(attr)
                .and_then(|r| r.split(')').next())
                .and_then(|v| Version::parse(v.trim()).ok())
        };
        if let Some(since) = version_of("@since(version =") {
            if since > *to {
                // A type alias adds no import and older items may have
                // been re-spelled with it (`field-name`, 0.2.1): it stays,
                // as of `to`. Anything else is gated off.
                if next_item(&lines[i + 1..]).is_some_and(|item| item.starts_with("type ")) {
                    gated.push_str(&format!("{indent}@since(version = {to})\n"));
                } else {
                    gated.push_str(&format!(
                        "{indent}@unstable(feature = added-after-this-version)\n"
                    ));
                }
                continue;
            }
        } else if let Some(deprecated) = version_of("@deprecated(version =")
            && deprecated > *to
        {
            continue;
        }
        gated.push_str(line);
    }
    gated
}

/// The first of `lines` that is neither an annotation nor a comment: the
/// item the annotation before them is on.
fn next_item<'t>(lines: &[&'t str]) -> Option<&'t str> {
    lines
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.starts_with('@') && !l.starts_with("//"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_on_the_runtimes_track() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert!(on_track(&v("0.2.6"), &v("0.2.12")));
        assert!(on_track(&v("0.2.12"), &v("0.2.12")));
        assert!(!on_track(&v("0.2.13"), &v("0.2.12")));
        assert!(!on_track(&v("0.3.0"), &v("0.2.12")));
        assert!(!on_track(&v("0.1.0"), &v("0.2.12")));
        assert!(!on_track(&v("0.2.0-rc.1"), &v("0.2.12")));
        assert!(on_track(&v("1.0.0"), &v("1.4.0")));
    }

    #[test]
    fn a_derived_version_renames_and_gates_newer_items() {
        let source = "package wasi:cli@0.2.12;\n\
                      interface exit {\n  use wasi:io/streams@0.2.12.{x};\n\
                      \x20 @since(version = 0.2.0)\n  exit: func();\n\
                      \x20 @since(version = 0.2.12)\n  exit-with-code: func(c: u8);\n\
                      \x20 @deprecated(version = 0.2.10)\n  old: func();\n}\n\
                      world w { import wasi:io/poll@0.2.120; }\n";
        let derived = derive(source, &Version::new(0, 2, 12), &Version::new(0, 2, 6));
        assert_eq!(
            derived,
            "package wasi:cli@0.2.6;\n\
             interface exit {\n  use wasi:io/streams@0.2.6.{x};\n\
             \x20 @since(version = 0.2.0)\n  exit: func();\n\
             \x20 @unstable(feature = added-after-this-version)\n  exit-with-code: func(c: u8);\n\
             \x20 old: func();\n}\n\
             world w { import wasi:io/poll@0.2.120; }\n"
        );
    }
}
