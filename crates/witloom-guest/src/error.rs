//! Why a guest did not build, in terms of the component, the language and
//! the WIT world: never a raw tool failure without context.

use crate::{Guest, Language};
use std::fmt;
use std::path::Path;

/// A guest build failure.
#[derive(Debug)]
pub enum GuestError {
    /// The language's toolchain, or part of it, is not installed.
    MissingToolchain {
        component: String,
        language: Language,
        what: String,
        /// The command that installs it.
        install: String,
    },
    /// The compiler rejected the sources; `output` is its own message.
    Compile {
        component: String,
        language: Language,
        command: String,
        output: String,
    },
    /// The compiled code does not match the WIT world.
    World {
        component: String,
        world: String,
        message: String,
    },
    /// The guest's inputs are wrong (no sources, bad world).
    Input { component: String, message: String },
    /// A file could not be read or written.
    Io {
        component: String,
        path: String,
        error: String,
    },
}

impl fmt::Display for GuestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestError::MissingToolchain {
                component,
                language,
                what,
                install,
            } => write!(
                f,
                "cannot build `{component}` ({language}): {what}\n  install it with: {install}"
            ),
            GuestError::Compile {
                component,
                language,
                command,
                output,
            } => write!(
                f,
                "`{component}` ({language}) failed to compile\n  command: {command}\n{}",
                output.trim_end()
            ),
            GuestError::World {
                component,
                world,
                message,
            } => write!(
                f,
                "`{component}` does not implement world `{world}`: {message}"
            ),
            GuestError::Input { component, message } => write!(f, "`{component}`: {message}"),
            GuestError::Io {
                component,
                path,
                error,
            } => write!(f, "`{component}`: cannot write `{path}`: {error}"),
        }
    }
}

impl std::error::Error for GuestError {}

pub(crate) fn io<T>(component: &str, path: &Path, r: std::io::Result<T>) -> Result<T, GuestError> {
    r.map_err(|e| GuestError::Io {
        component: component.to_string(),
        path: path.display().to_string(),
        error: e.to_string(),
    })
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
pub(crate) fn world_mismatch(guest: &Guest<'_>, e: &anyhow::Error) -> GuestError {
    let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
    GuestError::World {
        component: guest.name.to_string(),
        world: world_name(guest),
        message: chain.join(": "),
    }
}
