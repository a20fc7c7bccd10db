//! Compiled components, cached on disk by the component's content and the
//! engine's settings, under the user's cache directory
//! (`$XDG_CACHE_HOME/witloom/compiled`, else `~/.cache/witloom/compiled`;
//! `WITLOOM_CACHE_DIR` overrides it). A second run of the same file skips
//! Cranelift.

use crate::RunError;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The cache directory, if there is a home to put it in.
pub fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("WITLOOM_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("witloom/compiled"))
}

/// The cache key: the component's bytes, and everything about the engine
/// that makes compiled code (in)compatible (wasmtime's own hash of it).
fn key(engine: &Engine, bytes: &[u8]) -> String {
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    engine.precompile_compatibility_hash().hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    format!("{:016x}", h.finish())
}

/// The compiled component for `bytes`: from the cache, or compiled by
/// `compile` and stored. A cache that cannot be read or written is only
/// skipped.
pub(crate) fn get_or_compile(
    engine: &Engine,
    bytes: &[u8],
    compile: impl FnOnce() -> Result<Component, RunError>,
) -> Result<Component, RunError> {
    let Some(dir) = dir() else {
        return compile();
    };
    let path = dir.join(format!("{}.cwasm", key(engine, bytes)));
    if path.is_file() {
        // SAFETY: wasmtime requires that deserialized bytes come from
        // `Component::serialize` of a compatible engine. The file is in
        // witloom's own cache directory, written below by `serialize`, and
        // named by a hash that includes the engine's compatibility hash;
        // wasmtime also checks its header and rejects other engines' code.
        #[allow(unsafe_code)]
        let cached = unsafe { Component::deserialize_file(engine, &path) };
        if let Ok(component) = cached {
            return Ok(component);
        }
    }
    let component = compile()?;
    if let Ok(serialized) = component.serialize() {
        // Write then rename: a concurrent reader never sees half a file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::create_dir_all(&dir).is_ok() && std::fs::write(&tmp, serialized).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    Ok(component)
}
