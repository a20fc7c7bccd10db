//! Why a guest did not build, in terms of the component, the language and
//! the WIT world: never a raw tool failure without context.

use crate::{ComponentizeError, Guest, Language};
use std::path::Path;
pub(crate) use witloom_diag::io::Action;
use witloom_diag::{Cause, IoError};

/// A wit-bindgen generator failed on a world: its error is the source.
#[derive(Debug, thiserror::Error)]
#[error("cannot generate {language} bindings")]
pub struct BindingsError {
    /// `C`, `Rust`, `Go`, `Python` or `JavaScript`.
    pub language: &'static str,
    #[source]
    pub source: Cause,
}

/// A guest build failure. Each message is a headline; a tool's or
/// wit-component's failure is the `source`, shown as its own lines.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The language's toolchain, or part of it, is not installed.
    #[error("cannot build `{component}` ({language}): {what}")]
    MissingToolchain {
        component: String,
        language: Language,
        what: String,
        /// The command that installs it.
        install: String,
    },
    /// The compiler rejected the sources; `output` is its own message.
    #[error("`{component}` ({language}) failed to compile")]
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
    /// The compiled module does not make a component of the world (most
    /// often: an export the world requires is missing); wit-component's
    /// error chain says what.
    #[error("`{component}` does not implement world `{world}`")]
    Componentize {
        component: String,
        world: String,
        #[source]
        source: ComponentizeError,
    },
    /// The built component cannot be read back as one.
    #[error(
        "`{component}` does not implement world `{world}`: the output is not a valid component"
    )]
    NotAComponent {
        component: String,
        world: String,
        #[source]
        source: ComponentizeError,
    },
    /// The guest's inputs are wrong (no sources, bad world).
    #[error("`{component}`: {message}")]
    Input { component: String, message: String },
    /// The world uses the component model's async features (`found`, in
    /// WIT terms), which the language's toolchain cannot build.
    #[error(
        "`{component}` ({language}): world `{world}` uses component-model async ({found}), which {language} guests cannot be built for here"
    )]
    Async {
        component: String,
        language: Language,
        world: String,
        found: String,
    },
    /// The world's bindings could not be generated.
    #[error("`{component}`: {error}")]
    Bindings {
        component: String,
        #[source]
        error: BindingsError,
    },
    /// The Go module could not be given its clock shim.
    #[error("`{component}`: cannot prepare the Go module")]
    GoModule {
        component: String,
        #[source]
        source: Cause,
    },
    /// A file could not be read or written.
    #[error("`{component}`: {error}")]
    Io { component: String, error: IoError },
}

impl From<GuestError> for witloom_diag::Diagnostic {
    fn from(e: GuestError) -> Self {
        let d = witloom_diag::Diagnostic::new(e.to_string()).with_causes(witloom_diag::causes(&e));
        match e {
            GuestError::MissingToolchain { install, .. } => {
                d.with_help(format!("install it with: {install}"))
            }
            GuestError::Compile {
                command, output, ..
            } => d
                .with_note(format!("command: {command}"))
                .with_note(output.trim_end().to_string()),
            GuestError::Async { .. } => d
                .with_note(GO_ASYNC)
                .with_help("write this component in Rust or C, or keep async functions, streams, futures and error-context out of its world"),
            _ => d,
        }
    }
}

impl GuestError {
    /// `language`'s bindings (or the WIT a toolchain is given) could not be
    /// made for `guest`.
    pub(crate) fn bindings(guest: &Guest<'_>, language: &'static str, source: Cause) -> GuestError {
        GuestError::Bindings {
            component: guest.name.to_string(),
            error: BindingsError { language, source },
        }
    }
}

/// What a Go guest of an async world needs, as `build`, `doctor` and
/// `docs/guests.md` say it.
pub const GO_ASYNC: &str = "wit-bindgen-go 0.63 generates async Go, but running it needs a patched Go (the `wasiOnIdle` hook: github.com/dicej/go, release go1.25.5-wasi-on-idle); stock Go builds sync worlds only";

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
/// error chain, which the error keeps.
pub(crate) fn world_mismatch(guest: &Guest<'_>, e: ComponentizeError) -> GuestError {
    GuestError::Componentize {
        component: guest.name.to_string(),
        world: world_name(guest),
        source: e,
    }
}
