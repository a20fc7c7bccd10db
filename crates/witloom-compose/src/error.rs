//! Why a composition failed, in terms of components and WIT items, never
//! type indices. Each error converts into the `Diagnostic` the CLI prints,
//! with what explains it (notes) and what to do (help).

use crate::check::TypeMismatch;
use std::path::PathBuf;
use witloom_diag::{Diagnostic, IoError};
use witloom_host::{Capabilities, NotProvided};

/// Types `use`d across interfaces that reach a consumer from two places.
#[derive(Debug)]
pub struct SharedTypes {
    pub consumer: String,
    pub import: String,
    pub provider: String,
    /// The interface the types come from.
    pub from: String,
    pub names: Vec<String>,
    /// Where the consumer and the provider get `from`, in words.
    pub here: String,
    pub there: String,
}

/// A composition failure.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// No parts at all.
    #[error("nothing to compose: there are no components")]
    NoParts,
    /// An application whose manifest lists no components.
    #[error("`{}` has no components", .manifest.display())]
    NoComponents { manifest: PathBuf },
    /// A component whose artifact is missing.
    #[error("`{component}` has not been built: `{}` does not exist", .artifact.display())]
    NotBuilt {
        component: String,
        artifact: PathBuf,
    },
    /// A part whose bytes are missing (it was planned from its world only).
    #[error("`{component}` has not been built: composing needs its component")]
    NoBytes { component: String },
    /// A component file that cannot be read or decoded.
    #[error("{0}")]
    Load(Diagnostic),
    #[error(transparent)]
    Io(#[from] IoError),
    /// Two parts with one name.
    #[error("two parts are named `{0}`")]
    DuplicateName(String),
    /// `[compose.with]` names a component that is not there.
    #[error(
        "[compose.with] names `{provider}` for `{interface}`, but there is no component `{provider}`"
    )]
    WithUnknown { interface: String, provider: String },
    /// `[compose.with]` names a component that does not export the
    /// interface.
    #[error(
        "[compose.with] names `{provider}` for `{interface}`, but `{provider}` does not export it"
    )]
    WithNotExported { interface: String, provider: String },
    /// An import no part exports and the host does not provide.
    #[error("nothing provides `{import}`, which `{consumer}` imports")]
    NotProvided {
        import: String,
        /// The import without its version.
        interface: String,
        consumer: String,
        host: &'static Capabilities,
        why: Box<NotProvided>,
    },
    /// Several parts export what one imports.
    #[error("`{consumer}` imports `{import}`, and several components export it: {}", .providers.iter().map(|(p, e)| format!("`{p}` ({e})")).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        consumer: String,
        import: String,
        interface: String,
        /// `(component, its export)`.
        providers: Vec<(String, String)>,
    },
    /// The chain names a component that is not there.
    #[error("the chain names `{name}`, but there is no component `{name}`")]
    ChainUnknown {
        name: String,
        components: Vec<String>,
    },
    /// Two neighbours in the middleware chain do not plug together.
    #[error(
        "the chain goes from `{from}` to `{to}`, but `{from}` imports nothing that `{to}` exports"
    )]
    ChainLink {
        from: String,
        to: String,
        /// What `to` exports, in words.
        exports: String,
    },
    /// The two sides of a wire disagree on types.
    #[error("`{consumer}` imports `{import}` from `{provider}`, but the types differ")]
    TypesDiffer {
        consumer: String,
        import: String,
        provider: String,
        mismatch: TypeMismatch,
    },
    /// `[compose] root` names no component.
    #[error("no component named `{name}` to be the root")]
    UnknownRoot {
        name: String,
        components: Vec<String>,
    },
    /// Every component's exports are imported by another.
    #[error("no component can be the root: every one's exports are imported by another")]
    NoRoot,
    /// Several components export what nobody imports.
    #[error("several components export what nobody imports: {}", .candidates.join(", "))]
    SeveralRoots { candidates: Vec<String> },
    /// A component that is not the root and provides nothing.
    #[error(
        "`{component}` provides nothing: no import of the other components matches its exports"
    )]
    ProvidesNothing { component: String, exports: String },
    /// The components import from each other in a cycle: each step is
    /// `(consumer, import, provider)`.
    #[error("the components import from each other in a cycle: {}", .steps.iter().map(|(c, i, p)| format!("`{c}` imports `{i}` from `{p}`")).collect::<Vec<_>>().join(", "))]
    Cycle {
        steps: Vec<(String, String, String)>,
    },
    /// Types `use`d across interfaces reach a consumer from two places.
    #[error(
        "`{}` imports `{}` from `{}`, whose {} from `{}` is not the one `{}` has",
        .0.consumer, .0.import, .0.provider,
        .0.names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
        .0.from, .0.consumer
    )]
    SharedTypes(Box<SharedTypes>),
    /// Something in a component the encoder cannot carry over.
    #[error("cannot compose `{component}`: {what}")]
    Unsupported { component: String, what: String },
    /// A host import no part declares (a bug in the plan).
    #[error("no part imports `{0}`")]
    NoImporter(String),
    /// A part's bytes do not parse as a component.
    #[error("`{component}` is not a valid component: {reason}")]
    InvalidPart { component: String, reason: String },
    /// The output does not validate.
    #[error("the composed component does not validate: {0}")]
    InvalidOutput(String),
}

impl From<Diagnostic> for ComposeError {
    fn from(d: Diagnostic) -> Self {
        ComposeError::Load(d)
    }
}

impl From<witloom_app::AppError> for ComposeError {
    fn from(e: witloom_app::AppError) -> Self {
        match e {
            witloom_app::AppError::Io(e) => ComposeError::Io(e),
            other => ComposeError::Load(other.into()),
        }
    }
}

impl From<ComposeError> for Diagnostic {
    fn from(e: ComposeError) -> Self {
        let message = e.to_string();
        let d = Diagnostic::new(message);
        match e {
            ComposeError::Load(d) => d,
            ComposeError::Io(e) => e.into(),
            ComposeError::NoParts => d.with_help("give at least one component"),
            ComposeError::NoComponents { .. } => d.with_help(
                "add one with `witloom new NAME --lang c|rust|go|python|js --world WORLD`, or write a [components.NAME] section (language, path, world)",
            ),
            ComposeError::NotBuilt { .. } => d.with_help("run `witloom build` first"),
            ComposeError::NotProvided {
                interface,
                consumer,
                host,
                why,
                ..
            } => d
                .with_note(format!(
                    "no component exports it, and `{}` does not provide it ({why}); it provides {}",
                    host.host,
                    host.summary()
                ))
                .with_help(format!(
                    "add a component that exports `{interface}`, or remove the import from `{consumer}`'s world"
                )),
            ComposeError::Ambiguous {
                interface,
                providers,
                ..
            } => d.with_help(format!(
                "say which in witloom.toml: [compose.with] \"{interface}\" = \"{}\", or, for middleware that imports and exports `{interface}`, list the order: [compose] chain = [\"outermost\", …, \"innermost\"]",
                providers.first().map_or("", |(p, _)| p.as_str())
            )),
            ComposeError::ChainLink { to, exports, .. } => d
                .with_note(format!("`{to}` exports: {exports}"))
                .with_help(
                    "each component in [compose] chain must import what the next one exports (middleware imports and exports the same interface; the last one only exports it)",
                ),
            ComposeError::TypesDiffer {
                consumer,
                provider,
                mismatch,
                ..
            } => d
                .with_note(format!(
                    "{mismatch} (here: `{consumer}`, there: `{provider}`)"
                ))
                .with_help("build both against the same WIT"),
            ComposeError::UnknownRoot { components, .. }
            | ComposeError::ChainUnknown { components, .. } => {
                d.with_note(format!("the components are: {}", components.join(", ")))
            }
            ComposeError::SeveralRoots { candidates } => d.with_help(format!(
                "say which one the application is, in witloom.toml: [compose] root = \"{}\"",
                candidates.first().map_or("", String::as_str)
            )),
            ComposeError::ProvidesNothing { exports, .. } => {
                d.with_note(format!("it exports: {exports}"))
            }
            ComposeError::Cycle { .. } => d.with_help(
                "components are instantiated one after another, so a component cannot (even indirectly) import from itself; move the shared part into a component of its own",
            ),
            ComposeError::SharedTypes(shared) => {
                let SharedTypes {
                    consumer,
                    provider,
                    from,
                    here,
                    there,
                    ..
                } = *shared;
                d
                .with_note(format!(
                    "`{consumer}` gets `{from}` from {here}; `{provider}` gets it from {there}"
                ))
                .with_help(format!(
                    "types used across interfaces must come from one place: wire `{from}` for both from the same component"
                ))
            }
            ComposeError::InvalidOutput(_) => {
                d.with_note("this is a bug in witloom's composer, or a type mismatch it missed")
            }
            ComposeError::NoBytes { .. }
            | ComposeError::DuplicateName(_)
            | ComposeError::WithUnknown { .. }
            | ComposeError::WithNotExported { .. }
            | ComposeError::NoRoot
            | ComposeError::Unsupported { .. }
            | ComposeError::NoImporter(_)
            | ComposeError::InvalidPart { .. } => d,
        }
    }
}
