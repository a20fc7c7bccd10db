//! The in-process half of the class: a WIT package from wit-smith, printed
//! as a package directory, and a dummy component for one of its worlds.
//! Nothing here runs witloom; a failure here is the generator's, never a
//! finding against witloom.

use crate::support;
use anyhow::Context as _;
use arbitrary::Unstructured;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use wit_component::{DecodedWasm, WitPrinter};
use wit_parser::{PackageId, Resolve, WorldId};

/// One generated package: the whole resolve (its dependencies included)
/// and which package is the root.
pub(super) struct Package {
    pub resolve: Resolve,
    pub root: PackageId,
}

/// This class's stream of case seeds ([`support::case_seed`]).
const CASE_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;

/// The input bytes of case `index`: a few KiB from the suite's generator,
/// seeded from `seed` and `index` (mixed, so seeds 0 and 1 do not swap
/// cases), so a case is reproduced from its number.
pub(super) fn case_bytes(seed: u64, index: u64) -> Vec<u8> {
    let mut rng = crate::Rng::new(support::case_seed(seed, CASE_STREAM, index));
    // Between 2 and 8 KiB: enough for wit-smith to finish most packages
    // (it stops where the bytes run out), varied so sizes vary too.
    let len = 2048 + rng.below(6 * 1024);
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// Which of wit-smith's configurations case `index` uses: even cases its
/// default (the WIT every stage claims to handle), odd cases one drawn from
/// the bytes (async, futures, streams, error-context, fixed-size lists,
/// `implements`, other sizes), so what witloom does not support yet is
/// met too, and seen to be refused by name.
pub(super) fn drawn_config(index: u64) -> bool {
    index % 2 == 1
}

/// Why wit-smith made no package of a case's bytes. The report counts
/// cases by [`support::one_line`] of it.
#[derive(Debug, thiserror::Error)]
pub(super) enum SmithError {
    #[error("wit-smith panicked: {0}")]
    Panicked(String),
    #[error("wit-smith rejected the bytes")]
    Rejected(#[source] arbitrary::Error),
    #[error("wit-smith gave a component, not a package")]
    NotAPackage,
    #[error("wit-component cannot decode wit-smith's package")]
    Undecodable(#[source] anyhow::Error),
}

/// wit-smith's package for `bytes`, decoded; `Err` says why there is none
/// (wit-smith rejects some byte strings, and has been known to panic).
pub(super) fn smith(bytes: &[u8], drawn_config: bool) -> Result<Package, SmithError> {
    let wasm = catch_unwind(AssertUnwindSafe(|| {
        let mut u = Unstructured::new(bytes);
        let config = if drawn_config {
            u.arbitrary()?
        } else {
            wit_smith::Config::default()
        };
        wit_smith::smith(&config, &mut u)
    }))
    .map_err(|p| SmithError::Panicked(panic_message(&*p)))?
    .map_err(SmithError::Rejected)?;
    match wit_component::decode(&wasm) {
        Ok(DecodedWasm::WitPackage(resolve, root)) => Ok(Package { resolve, root }),
        Ok(DecodedWasm::Component(..)) => Err(SmithError::NotAPackage),
        Err(e) => Err(SmithError::Undecodable(e)),
    }
}

/// Writes `pkg` as the directory layout witloom (and wit-parser's
/// `push_dir`) reads: the root package in `DIR/<name>.wit`, every other
/// package of the resolve in `DIR/deps/<ns>-<name>[-<version>].wit`.
pub(super) fn write_package(pkg: &Package, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let resolve = &pkg.resolve;
    let root_name = &resolve.packages[pkg.root].name;
    write(
        &dir.join(format!("{}.wit", root_name.name)),
        &print(resolve, pkg.root)?,
    )?;
    let deps = dir.join("deps");
    for (id, p) in resolve.packages.iter() {
        if id == pkg.root {
            continue;
        }
        std::fs::create_dir_all(&deps).with_context(|| format!("creating {}", deps.display()))?;
        let mut file = format!("{}-{}", p.name.namespace, p.name.name);
        if let Some(v) = &p.name.version {
            file.push_str(&format!("-{v}"));
        }
        write(&deps.join(format!("{file}.wit")), &print(resolve, id)?)?;
    }
    Ok(())
}

fn print(resolve: &Resolve, pkg: PackageId) -> anyhow::Result<String> {
    let mut printer = WitPrinter::default();
    printer
        .print(resolve, pkg, &[])
        .with_context(|| format!("printing {}", resolve.packages[pkg].name))?;
    Ok(printer.output.to_string())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Why wit-component made no dummy component of a world.
#[derive(Debug, thiserror::Error)]
pub(super) enum DummyError {
    #[error(transparent)]
    Failed(anyhow::Error),
    #[error("panicked: {}", reason(.0))]
    Panicked(String),
}

impl DummyError {
    /// How the report counts it: one line, bounded.
    pub fn key(&self) -> String {
        match self {
            DummyError::Failed(e) => reason(&support::one_line(e.as_ref())).to_string(),
            DummyError::Panicked(_) => self.to_string(),
        }
    }
}

/// A core module that imports and exports what `world` says, with the
/// world embedded, encoded as a validated component: what a guest built for
/// the world would look like to witloom. `Err` is wit-component's reason
/// when it cannot make one (its dummy module panics on some worlds).
pub(super) fn dummy_component(resolve: &Resolve, world: WorldId) -> Result<Vec<u8>, DummyError> {
    let made = catch_unwind(AssertUnwindSafe(|| crate::dummy_component(resolve, world)));
    match made {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(DummyError::Failed(e)),
        Err(p) => Err(DummyError::Panicked(panic_message(&*p))),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

/// Reasons become histogram keys: one line, bounded.
fn reason(s: &str) -> &str {
    support::head(support::first_line(s), 300).0
}
