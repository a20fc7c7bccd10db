//! Why a guest did not build, in terms of the component, the language and
//! the WIT world: never a raw tool failure without context.

use crate::{ComponentizeError, Guest, Language};
use std::path::Path;
use witloom_diag::IoError;
pub(crate) use witloom_diag::io::Action;

/// A guest build failure.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The language's toolchain, or part of it, is not installed.
    #[error("cannot build `{component}` ({language}): {what}\n  install it with: {install}")]
    MissingToolchain {
        component: String,
        language: Language,
        what: String,
        /// The command that installs it.
        install: String,
    },
    /// The compiler rejected the sources; `output` is its own message.
    #[error("`{component}` ({language}) failed to compile\n  command: {command}\n{}", .output.trim_end())]
    Compile {
        component: String,
        language: Language,
        command: String,
        output: String,
    },
    /// The compiled code does not match the WIT world.
    #[error("`{component}` does not implement world `{world}`: {message}")]
    World {
        component: String,
        world: String,
        message: String,
    },
    /// The guest's inputs are wrong (no sources, bad world).
    #[error("`{component}`: {message}")]
    Input { component: String, message: String },
    /// A file could not be read or written.
    #[error("`{component}`: {error}")]
    Io { component: String, error: IoError },
}

impl From<GuestError> for witloom_diag::Diagnostic {
    fn from(e: GuestError) -> Self {
        witloom_diag::Diagnostic::new(e.to_string())
    }
}

/// Writes `bytes` to `path` (creating its directory), a failure being the
/// component's error.
pub(crate) fn write(component: &str, path: &Path, bytes: &[u8]) -> Result<(), GuestError> {
    witloom_diag::io::write(path, bytes).map_err(|error| GuestError::Io {
        component: component.to_string(),
        error,
    })
}

/// `r`, with an I/O failure on `path` while doing `action` as the
/// component's error.
pub(crate) fn io<T>(
    component: &str,
    action: Action,
    path: &Path,
    r: std::io::Result<T>,
) -> Result<T, GuestError> {
    r.map_err(|e| io_error(component, action, path, e))
}

/// An I/O failure on `path` while doing `action`, as the component's error.
pub(crate) fn io_error(
    component: &str,
    action: Action,
    path: &Path,
    e: std::io::Error,
) -> GuestError {
    GuestError::Io {
        component: component.to_string(),
        error: IoError::new(action, path, e),
    }
}

/// The world's qualified name, for messages.
pub(crate) fn world_name(guest: &Guest<'_>) -> String {
    let r = &guest.wit.resolve;
    let w = &r.worlds[guest.world];
    match w.package {
        Some(p) => r.id_of_name(p, &w.name),
        None => w.name.clone(),
    }
}

/// Componentization failed: almost always because an export the world
/// requires is missing from the module. wit-component names it in its
/// error chain; keep the whole chain, innermost last.
pub(crate) fn world_mismatch(guest: &Guest<'_>, e: &ComponentizeError) -> GuestError {
    let chain = e.chain();
    GuestError::World {
        component: guest.name.to_string(),
        world: world_name(guest),
        message: chain.join(": "),
    }
}
