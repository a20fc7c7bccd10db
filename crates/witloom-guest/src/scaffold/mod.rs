//! `witloom new`: a new component in an application, as a skeleton in C,
//! Rust, Go, Python or JavaScript that implements a world with placeholder bodies, so that it
//! builds at once and the user only fills in the bodies.
//!
//! A skeleton is made from the model: which functions and resources there
//! are, in which files, under which names (each language's names through
//! wit-bindgen's own naming, its API where it has one), and what each body
//! is (`exports`, and `filled` for the entry points that work at once).
//! Only the spelling of each signature comes from the generators that
//! the build uses (wit-bindgen's C, Rust and Go backends, run in-process
//! on the loaded `Resolve`), so that the signatures written for the user
//! are exactly the ones the build expects; it is read by tokens (`lex`),
//! looked up by the names the model gives, and whatever the model expects
//! and the output lacks (or the other way round) is a [`SkeletonError`]
//! naming the file, never a skeleton missing a function. Python and
//! JavaScript are written from the model alone, under componentize-py's
//! and jco's naming: their generators run outside witloom, and their
//! signatures have no types to spell.

pub(crate) mod c;
pub(crate) mod exports;
mod go;
mod js;
mod lex;
mod python;
mod rust;

use crate::Language;
pub use crate::filled::Entry;
use exports::Exports;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wit_bindgen_core::WorldGenerator;
use wit_bindgen_core::wit_parser::WorldId;
use witloom_app::App;
use witloom_ir::{Diagnostic, Loaded};

/// The wit-bindgen line whose `generate!` macro the Rust skeleton depends
/// on: the line of the generators witloom is built with.
pub const WIT_BINDGEN_VERSION: &str = "0.63.0";

/// What [`new_component`] made.
#[derive(Debug)]
pub struct Created {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Where `witloom build` will put the component.
    pub artifact: PathBuf,
    /// The entry point the skeleton fills in, if the world exports one: a
    /// command that prints `hello from NAME`, or an HTTP handler that
    /// answers it under `witloom serve`.
    pub entry: Option<Entry>,
}

/// Why a skeleton could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SkeletonError {
    /// A generator refused the world.
    #[error(transparent)]
    Generate(#[from] crate::BindingsError),
    /// A generator's output lacks what the model says it must hold (or
    /// holds what the model does not know): the generator changed, and
    /// witloom did not follow. `expected` says what was looked for.
    #[error("{generator} {WIT_BINDGEN_VERSION} wrote `{file}` without {expected}")]
    Unexpected {
        generator: &'static str,
        file: String,
        expected: String,
    },
}

impl From<SkeletonError> for Diagnostic {
    fn from(e: SkeletonError) -> Diagnostic {
        let d = Diagnostic::new(e.to_string());
        match e {
            SkeletonError::Generate(_) => d.with_causes(witloom_diag::causes(&e)),
            SkeletonError::Unexpected { .. } => d
                .with_note("nothing was written")
                .with_help(
                    "this is a bug in witloom: it reads the signatures it writes from wit-bindgen's output, which is not what it expects; please report it, with the WIT",
                ),
        }
    }
}

pub(crate) fn unexpected(generator: &'static str, file: &str, expected: String) -> SkeletonError {
    SkeletonError::Unexpected {
        generator,
        file: file.to_string(),
        expected,
    }
}

/// A generator's files by name.
pub(crate) type Generated = BTreeMap<String, Vec<u8>>;

/// Runs `generator` over the world, in memory.
fn generate(
    exports: &Exports<'_>,
    generator: Box<dyn WorldGenerator>,
    language: &'static str,
) -> Result<Generated, SkeletonError> {
    let files = crate::c::generate_files(exports.resolve, exports.world, generator, language)?;
    Ok(files
        .iter()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
        .collect())
}

/// Creates component `name` in `language` for `world` in the application
/// of `manifest_path`: writes `<app>/<name>/` and adds `[components.<name>]`
/// to the manifest. Nothing is written when any check fails.
pub fn new_component(
    manifest_path: &Path,
    name: &str,
    language: Language,
    world: &str,
) -> Result<Created, Diagnostic> {
    let mut app = App::load(manifest_path)?;
    witloom_manifest::check_component_name(name)
        .map_err(|why| Diagnostic::new(format!("bad component name `{name}`: {why}")))?;
    // Only an app's sole component is the app, and may share its name.
    if name == app.name && !app.components().is_empty() {
        return Err(Diagnostic::new(format!(
            "component `{name}` would have the app's name; nothing was written"
        ))
        .with_help(format!(
            "the composed app is built to target/witloom/{name}.wasm: pick another name"
        )));
    }
    if app.component(name).is_some() {
        return Err(Diagnostic::new(format!(
            "`{}` already has a component named `{name}`",
            manifest_path.display()
        ))
        .with_help("pick another name, or remove the existing component first"));
    }
    let dir = app.dir.join(name);
    if dir.exists() {
        return Err(Diagnostic::new(format!(
            "`{}` already exists; nothing was written",
            dir.display()
        ))
        .with_help("pick another name, or move the directory away"));
    }
    let app_wit = app
        .manifest
        .as_ref()
        .expect("loaded from a manifest")
        .app
        .wit
        .clone();
    let wit = app.load_wit(&app_wit)?;
    let wit = app.wit(wit).clone();
    let world_id = wit.select_world(Some(world))?;
    let world_id = wit.wit_parser_world(world_id);
    let wit_rel = relative_to(&app_wit, &dir);

    let mut files = skeleton(&wit, world_id, name, language, world, &wit_rel)?;
    let types = relative_to(&app.target_dir().join("types").join(name), &dir);
    files.extend(editor_config(language, &types));
    let mut written = Vec::new();
    for (rel, contents) in &files {
        let path = dir.join(rel);
        witloom_diag::io::write(&path, contents)?;
        written.push(path);
    }
    witloom_manifest::add_component(manifest_path, name, language, name, world)?;
    Ok(Created {
        files: written,
        artifact: app.artifact_of(name),
        entry: crate::filled::entry(&wit, world_id),
    })
}

/// The skeleton's files, relative to the component's directory. Its
/// entry point is filled when the world exports one (`filled`).
pub fn skeleton(
    wit: &Loaded,
    world: WorldId,
    name: &str,
    language: Language,
    world_spec: &str,
    wit_rel: &str,
) -> Result<Vec<(PathBuf, String)>, SkeletonError> {
    let exports = Exports::of(wit, world);
    let entry = crate::filled::entry_of(&exports);
    match language {
        Language::C => c::skeleton(&exports, name, entry),
        Language::Rust => rust::skeleton(&exports, name, entry, world_spec, wit_rel),
        Language::Go => go::skeleton(&exports, name, entry),
        Language::Python => Ok(python::skeleton(&exports, name, entry, world_spec)),
        Language::Js => Ok(js::skeleton(&exports, name, entry, world_spec)),
    }
}

/// The editor configuration of a language whose bindings live inside its
/// toolchain, pointing at the types `witloom build` writes to `types`
/// (relative to the component's directory): pyright's (and so VS Code's
/// Pylance) for Python, TypeScript's (VS Code, `tsc -p`) for JavaScript.
/// Both read JSON with comments.
fn editor_config(language: Language, types: &str) -> Option<(PathBuf, String)> {
    match language {
        Language::Python => Some((
            PathBuf::from("pyrightconfig.json"),
            format!(
                "// Written by `witloom new`; yours to edit. Pyright and Pylance find\n\
                 // the world's bindings (componentize-py's `wit_world` stubs) where\n\
                 // `witloom build` writes them.\n\
                 {{\n  \"extraPaths\": [\"{types}\"]\n}}\n"
            ),
        )),
        Language::Js => Some((
            PathBuf::from("jsconfig.json"),
            format!(
                "// Written by `witloom new`; yours to edit. Editors (and `tsc -p\n\
                 // jsconfig.json`) check app.js against the world's TypeScript\n\
                 // declarations, which `witloom build` writes to {types}.\n\
                 {{\n  \"compilerOptions\": {{\n    \"checkJs\": true,\n    \"module\": \"es2022\",\n    \"target\": \"es2022\",\n    \"moduleResolution\": \"bundler\",\n    \"noEmit\": true\n  }},\n  \"include\": [\"**/*.js\", \"{types}/**/*.d.ts\"]\n}}\n"
            ),
        )),
        Language::C | Language::Rust | Language::Go => None,
    }
}

fn header(comment: &str, name: &str, world: &str) -> String {
    format!(
        "{comment} Component `{name}`, implementing the world `{world}`.\n\
         {comment} witloom wrote this file once (`witloom new`); it is yours to edit.\n"
    )
}

/// `target` relative to `from` (both under the app), with `/` separators,
/// for a path written into a generated file.
fn relative_to(target: &Path, from: &Path) -> String {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    let (t, f) = (abs(target), abs(from));
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(t[common..].iter().cloned());
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// WIT for the languages' unit tests, and their skeletons' inputs.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use witloom_ir::LoadOptions;

    /// The cross-language suite's WIT: its `test` world exports
    /// interfaces with every type and a resource.
    pub fn suite() -> Loaded {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runtime/wit");
        witloom_ir::load(&dir, &LoadOptions::default()).unwrap()
    }

    /// WASI's WIT as witloom carries it; its world `all` exports
    /// `wasi:http/incoming-handler`, an entry point that is filled.
    pub fn wasi() -> Loaded {
        witloom_ir::load(&witloom_testkit::wasi_wit_dir(), &LoadOptions::default()).unwrap()
    }

    pub fn world(wit: &Loaded, name: &str) -> WorldId {
        wit.wit_parser_world(wit.select_world(Some(name)).unwrap())
    }

    /// `generator`'s files for `world`.
    pub fn generated(
        wit: &Loaded,
        world: WorldId,
        generator: Box<dyn WorldGenerator>,
    ) -> Generated {
        generate(&Exports::of(wit, world), generator, "test").unwrap()
    }

    /// The expected-output message of an [`SkeletonError::Unexpected`].
    pub fn expected(e: SkeletonError) -> (String, String) {
        match e {
            SkeletonError::Unexpected { file, expected, .. } => (file, expected),
            other => panic!("not an unexpected output: {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unexpected_output_says_what_and_where_and_asks_for_a_report() {
        let e = unexpected("wit-bindgen-c", "test.h", "a prototype of `f`".into());
        let d = Diagnostic::from(e).to_string();
        assert!(
            d.contains("wit-bindgen-c 0.63.0 wrote `test.h` without a prototype of `f`"),
            "{d}"
        );
        assert!(d.contains("nothing was written"), "{d}");
        assert!(d.contains("please report it"), "{d}");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/app/wit"), Path::new("/app/kernel")),
            "../wit"
        );
        assert_eq!(
            relative_to(Path::new("/app/a/wit"), Path::new("/app/b/c")),
            "../../a/wit"
        );
    }

    #[test]
    fn the_rust_skeleton_depends_on_the_pinned_wit_bindgen() {
        assert_eq!(
            WIT_BINDGEN_VERSION,
            witloom_testkit::pinned_version("wit-bindgen")
        );
    }
}
