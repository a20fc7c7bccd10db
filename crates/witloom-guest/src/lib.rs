//! Builds guest components from C, Rust, Go, Python and JavaScript sources
//! against a WIT world.
//!
//! Each language is a [`Backend`]: with the toolchain the app found
//! (`witloom_app::toolchain`), it writes bindings
//! (in-process, from the loaded `Resolve`), and compiles. What comes out is
//! either a component (Rust's `wasm32-wasip2`, componentize-py and
//! componentize-js make one themselves) or a core
//! module, which [`componentize`] turns into a component with the world's
//! metadata and the WASI preview1 reactor adapter. No external `wasm-tools`,
//! `wit-bindgen` or `wac` is needed.

pub mod app;
mod c;
mod componentize;
mod error;
mod filled;
mod go;
mod go_clocks;
pub mod init;
mod js;
mod python;
mod rust;
pub mod scaffold;
mod tool;
mod walk;

pub use componentize::{ComponentShape, ComponentizeError, componentize, shape_of};
pub use error::{BindingsError, GO_ASYNC, GuestError};
pub use witloom_app::toolchain::{Missing, Toolchain};

use std::path::{Path, PathBuf};
use witloom_ir::Loaded;
use witloom_ir::wit_parser::WorldId;

pub use witloom_manifest::Language;

fn backend(language: Language) -> &'static dyn Backend {
    match language {
        Language::C => &c::C,
        Language::Rust => &rust::Rust,
        Language::Go => &go::Go,
        Language::Python => &python::Python,
        Language::Js => &js::Js,
    }
}

/// Debug or release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    Debug,
    Release,
}

/// One guest to build.
pub struct Guest<'a> {
    /// The component's name, for messages and file names.
    pub name: &'a str,
    pub language: Language,
    /// The directory with the user's sources.
    pub sources: &'a Path,
    /// The WIT the guest is built against.
    pub wit: &'a Loaded,
    /// The world it implements, as a wit-parser id into `wit.resolve`.
    pub world: WorldId,
    pub profile: Profile,
    /// A directory of the guest's own for bindings and intermediate files.
    pub work_dir: PathBuf,
    /// A directory every guest of the app shares, for what a toolchain can
    /// reuse across components: Rust's cargo build directory, so that the
    /// bindings generator and its dependencies compile once per app, not
    /// once per component.
    pub shared_dir: PathBuf,
    /// Where the guest's types for editors go, for the languages whose
    /// bindings live inside their toolchain (Python's stubs, JavaScript's
    /// TypeScript declarations): `target/witloom/types/NAME`, which the
    /// editor configuration `witloom new` writes points at.
    pub types_dir: PathBuf,
    /// Told each step as it starts, and each line the toolchain writes on
    /// its stderr as it writes it.
    pub report: &'a dyn Fn(Progress<'_>),
    /// Ask the toolchain for its own progress (cargo without `--quiet`).
    pub verbose: bool,
}

impl std::fmt::Debug for Guest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guest")
            .field("name", &self.name)
            .field("language", &self.language)
            .field("sources", &self.sources)
            .field("world", &self.world)
            .field("profile", &self.profile)
            .field("work_dir", &self.work_dir)
            .field("types_dir", &self.types_dir)
            .field("verbose", &self.verbose)
            .finish_non_exhaustive()
    }
}

/// What a build reports while it runs.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A step begins (and the one before it, if any, has ended).
    Step(Step),
    /// A line of the toolchain's own output.
    Output(&'a str),
}

/// The steps of building one guest, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Writing the world's bindings.
    Bindings,
    /// The language's compiler, to a core module.
    Compile,
    /// The core module made a component, and checked against its world.
    Componentize,
}

impl Step {
    /// What the step is doing, for a live line.
    pub fn doing(self) -> &'static str {
        match self {
            Step::Bindings => "writing bindings",
            Step::Compile => "compiling",
            Step::Componentize => "componentizing",
        }
    }

    /// What the step did, for a line once it is done.
    pub fn done(self) -> &'static str {
        match self {
            Step::Bindings => "bindings",
            Step::Compile => "compiled",
            Step::Componentize => "componentized",
        }
    }
}

/// One language's way of building a guest (its toolchain is found by
/// `witloom_app::toolchain`, once per app).
pub(crate) trait Backend: Sync {
    /// Writes the world's bindings into `dir`, if the language needs them
    /// written (Rust's come from the `wit_bindgen::generate!` macro).
    fn bindings(&self, guest: &Guest<'_>, dir: &Path) -> Result<(), GuestError>;
    /// Compiles the user's sources with the bindings into a core module,
    /// which `build` makes a component with the one pinned wit-component.
    fn compile(
        &self,
        guest: &Guest<'_>,
        bindings: &Path,
        tc: &Toolchain,
    ) -> Result<Vec<u8>, GuestError>;
}

/// Builds `guest` with the toolchain `tc` into a validated component,
/// returning its bytes.
pub fn build(guest: &Guest<'_>, tc: &Toolchain) -> Result<Vec<u8>, GuestError> {
    let backend = backend(guest.language);
    if let Some(missing) = tc.missing.first() {
        return Err(GuestError::MissingToolchain {
            component: guest.name.to_string(),
            language: guest.language,
            what: missing.what.clone(),
            install: missing.install.clone(),
        });
    }
    if !guest.sources.is_dir() {
        return Err(GuestError::Input {
            component: guest.name.to_string(),
            message: format!(
                "the source directory `{}` does not exist",
                guest.sources.display()
            ),
        });
    }
    let bindings = guest.work_dir.join("bindings");
    fresh_dir(guest, &bindings)?;
    (guest.report)(Progress::Step(Step::Bindings));
    backend.bindings(guest, &bindings)?;
    (guest.report)(Progress::Step(Step::Compile));
    let core = backend.compile(guest, &bindings, tc)?;
    (guest.report)(Progress::Step(Step::Componentize));
    // componentize-py makes the component itself.
    let component = if wasmparser::Parser::is_component(&core) {
        core
    } else {
        componentize(&core, &guest.wit.resolve, guest.world)
            .map_err(|e| error::world_mismatch(guest, e))?
    };
    componentize::check_shape(guest, &component)?;
    Ok(component)
}

/// The guest's world alone in its package, in a copy of the app's
/// `Resolve` (with every package it uses), for the toolchains that read
/// WIT themselves: another world of the package may use WIT their parsers
/// predate, and they need none of them.
pub(crate) fn world_package(
    guest: &Guest<'_>,
    language: &'static str,
) -> Result<
    (
        witloom_ir::wit_parser::Resolve,
        witloom_ir::wit_parser::PackageId,
    ),
    GuestError,
> {
    let world = &guest.wit.resolve.worlds[guest.world];
    let Some(package) = world.package else {
        return Err(GuestError::bindings(
            guest,
            language,
            format!("the world `{}` belongs to no WIT package", world.name).into(),
        ));
    };
    let mut resolve = guest.wit.resolve.clone();
    resolve.packages[package]
        .worlds
        .retain(|_, id| *id == guest.world);
    Ok((resolve, package))
}

/// The guest's world by its qualified name (`local:app/main@0.1.0`).
pub(crate) fn qualified_world(guest: &Guest<'_>) -> String {
    let resolve = &guest.wit.resolve;
    let w = &resolve.worlds[guest.world];
    match w.package.map(|p| &resolve.packages[p].name) {
        Some(p) => match &p.version {
            Some(v) => format!("{}:{}/{}@{v}", p.namespace, p.name, w.name),
            None => format!("{}:{}/{}", p.namespace, p.name, w.name),
        },
        None => w.name.clone(),
    }
}

/// Puts the editor types written into `written` in place of
/// `guest.types_dir`, whole: an editor never sees half of the new ones.
pub(crate) fn replace_types(guest: &Guest<'_>, written: &Path) -> Result<(), GuestError> {
    use error::Action;
    let dir = &guest.types_dir;
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(error::io_error(guest.name, Action::Remove, dir, e));
        }
        _ => {}
    }
    if let Some(parent) = dir.parent() {
        error::io(
            guest.name,
            Action::Create,
            parent,
            std::fs::create_dir_all(parent),
        )?;
    }
    error::io(
        guest.name,
        Action::Write,
        dir,
        std::fs::rename(written, dir),
    )
}

/// `path` made absolute, for a tool run in another directory (as it is
/// when that cannot be done).
pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `dir`, emptied (or made) for the guest's build to write into.
pub(crate) fn fresh_dir(guest: &Guest<'_>, dir: &Path) -> Result<(), GuestError> {
    error::io(guest.name, error::Action::Create, dir, recreate_dir(dir))
}

fn recreate_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(dir)
}

/// Files under `dir` with extension `ext`, sorted, walked as
/// [`walk::source_files`] walks (hidden entries and `target/` skipped,
/// links not followed out of `dir`, special files refused).
pub(crate) fn files_with_ext(
    component: &str,
    dir: &Path,
    ext: &str,
) -> Result<Vec<PathBuf>, GuestError> {
    Ok(walk::source_files(component, dir)?
        .into_iter()
        .map(|(path, _)| path)
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect())
}
