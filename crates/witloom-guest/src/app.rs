//! Building every component of an application into its artifact
//! (`target/witloom/<name>.wasm`), skipping those whose inputs (sources,
//! WIT, profile, toolchain, witloom itself) have not changed since the last
//! build. The WIT, the worlds, the artifact paths and the toolchains all
//! come from the [`App`], resolved once.

use crate::{Guest, GuestError, Profile};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use witloom_app::{App, WitId};
use witloom_manifest::Language;

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub profile: Profile,
    /// Only these components; all when empty.
    pub only: Vec<String>,
    /// Ask each toolchain for its own progress, passed on as
    /// [`Event::Output`].
    pub verbose: bool,
}

/// Progress, for a progress display.
#[derive(Debug)]
pub enum Event<'a> {
    /// About to build `name` (or find it up to date).
    Started { name: &'a str, language: Language },
    /// A step of building `name` begins; the one before it has ended.
    Step { name: &'a str, step: crate::Step },
    /// A line of the toolchain's own output while it builds `name`.
    Output { name: &'a str, line: &'a str },
    /// Finished `name`, or found it up to date.
    Finished(&'a Built),
}

/// One component's result.
#[derive(Debug, Clone)]
pub struct Built {
    pub name: String,
    pub language: Language,
    pub path: PathBuf,
    pub bytes: usize,
    /// False when the previous build was reused.
    pub rebuilt: bool,
    pub elapsed: Duration,
}

/// Why an application did not build.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The guest itself failed.
    #[error(transparent)]
    Guest(#[from] GuestError),
    /// `-c NAME` names no component.
    #[error("no component named `{name}` in the manifest; it has: {}", .known.join(", "))]
    UnknownComponent { name: String, known: Vec<String> },
    /// A component given built has nothing to build from.
    #[error("`{name}` was given built: there is nothing to build it from")]
    NoSources { name: String },
}

impl From<BuildError> for witloom_diag::Diagnostic {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::Guest(guest) => guest.into(),
            e => witloom_diag::Diagnostic::new(e.to_string()),
        }
    }
}

/// Builds the application's components, in manifest order.
pub fn build_app(
    app: &App,
    opts: &BuildOptions,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Vec<Built>, BuildError> {
    // Lent to each guest's build as a plain `Fn`, which cannot hold a
    // `FnMut` itself.
    let on_event = std::cell::RefCell::new(on_event);
    let emit = |event: Event<'_>| (on_event.borrow_mut())(event);
    for name in &opts.only {
        if app.component(name).is_none() {
            return Err(BuildError::UnknownComponent {
                name: name.clone(),
                known: app.names().iter().map(|n| n.to_string()).collect(),
            });
        }
    }
    let out_dir = app.target_dir();
    // A WIT directory is hashed once, however many components share it.
    let mut wit_hashes: HashMap<WitId, String> = HashMap::new();
    let mut results = Vec::new();
    for component in app.components() {
        let name = &component.name;
        if !opts.only.is_empty() && !opts.only.contains(name) {
            continue;
        }
        let (Some(language), Some(sources)) = (component.language, &component.sources) else {
            return Err(BuildError::NoSources { name: name.clone() });
        };
        let wit = app.wit(component.wit);

        let start = Instant::now();
        let output = &component.artifact;
        let tc = app.toolchain(language);
        let wit_hash = match wit_hashes.entry(component.wit) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let dir = &app.wits()[component.wit.0].path;
                e.insert(fingerprint(name, &[dir], crate::walk::Links::Out, &[])?)
            }
        };
        let fingerprint = fingerprint(
            name,
            &[sources],
            crate::walk::Links::Within,
            &[
                env!("CARGO_PKG_VERSION"),
                &component.world_spec,
                &format!("{:?}", opts.profile),
                &tc.fingerprint(),
                wit_hash,
            ],
        )?;
        let stamp = out_dir.join(".fingerprints").join(name);
        let up_to_date =
            output.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == fingerprint);
        emit(Event::Started { name, language });
        let (bytes, rebuilt) = if up_to_date {
            (
                std::fs::metadata(output).map_or(0, |m| m.len() as usize),
                false,
            )
        } else {
            let guest = Guest {
                name,
                language,
                sources,
                wit,
                world: wit.wit_parser_world(component.world),
                profile: opts.profile,
                work_dir: out_dir.join("work").join(name),
                // `_` cannot begin a component's (kebab-case) name.
                shared_dir: out_dir.join("work").join("_shared"),
                types_dir: out_dir.join("types").join(name),
                report: &|progress| match progress {
                    crate::Progress::Step(step) => emit(Event::Step { name, step }),
                    crate::Progress::Output(line) => emit(Event::Output { name, line }),
                },
                verbose: opts.verbose,
            };
            let wasm = crate::build(&guest, tc)?;
            crate::error::write(name, output, &wasm)?;
            crate::error::write(name, &stamp, fingerprint.as_bytes())?;
            (wasm.len(), true)
        };
        let built = Built {
            name: name.clone(),
            language,
            path: output.clone(),
            bytes,
            rebuilt,
            elapsed: start.elapsed(),
        };
        emit(Event::Finished(&built));
        results.push(built);
    }
    Ok(results)
}

/// A hash of `extra` and of every file under `dirs` (names and contents,
/// walked as [`crate::walk::source_files`] walks).
fn fingerprint(
    component: &str,
    dirs: &[&Path],
    links: crate::walk::Links,
    extra: &[&str],
) -> Result<String, BuildError> {
    let mut hasher = std::hash::DefaultHasher::new();
    extra.hash(&mut hasher);
    for dir in dirs {
        let files = crate::walk::walk(component, dir, links)?;
        crate::walk::hash_files(component, &files, &mut hasher)?;
    }
    Ok(format!("{:016x}", hasher.finish()))
}
