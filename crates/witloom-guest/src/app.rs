//! Building every component of a `witloom.toml` application into
//! `target/witloom/<name>.wasm`, skipping those whose inputs (sources, WIT,
//! profile, toolchain, witloom itself) have not changed since the last
//! build.

use crate::{Guest, GuestError, Profile, toolchain};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use witloom_ir::{Diagnostic, LoadOptions, Loaded};
use witloom_manifest::{Language, Manifest};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub profile: Profile,
    /// Only these components; all when empty.
    pub only: Vec<String>,
}

/// Progress, for a progress bar.
#[derive(Debug)]
pub enum Event<'a> {
    /// About to build `name`.
    Started { name: &'a str, language: Language },
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
#[derive(Debug)]
pub enum BuildError {
    /// The WIT or the world choice is wrong.
    Wit {
        component: String,
        diagnostic: Diagnostic,
    },
    /// The guest itself failed.
    Guest(GuestError),
    /// `-c NAME` names no component.
    UnknownComponent { name: String, known: Vec<String> },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Wit {
                component,
                diagnostic,
            } => {
                let mut d = diagnostic.clone();
                d.message = format!("component `{component}`: {}", d.message);
                write!(f, "{d}")
            }
            BuildError::Guest(e) => writeln!(f, "error: {e}"),
            BuildError::UnknownComponent { name, known } => writeln!(
                f,
                "error: no component named `{name}` in the manifest; it has: {}",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for BuildError {}

/// Builds the application's components, in manifest order.
pub fn build_app(
    manifest: &Manifest,
    opts: &BuildOptions,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Vec<Built>, BuildError> {
    for name in &opts.only {
        if !manifest.components.contains_key(name) {
            return Err(BuildError::UnknownComponent {
                name: name.clone(),
                known: manifest.components.keys().cloned().collect(),
            });
        }
    }
    let out_dir = manifest.target_dir();
    let mut wit_cache: HashMap<PathBuf, Loaded> = HashMap::new();
    let mut results = Vec::new();
    for (name, component) in &manifest.components {
        if !opts.only.is_empty() && !opts.only.contains(name) {
            continue;
        }
        let wit_err = |diagnostic| BuildError::Wit {
            component: name.clone(),
            diagnostic,
        };
        if !wit_cache.contains_key(&component.wit) {
            let loaded =
                witloom_ir::load(&component.wit, &LoadOptions::default()).map_err(wit_err)?;
            wit_cache.insert(component.wit.clone(), loaded);
        }
        let wit = &wit_cache[&component.wit];
        let world = wit.select_world(Some(&component.world)).map_err(wit_err)?;

        let start = Instant::now();
        let output = out_dir.join(format!("{name}.wasm"));
        let tc = toolchain(component.language);
        let fingerprint = fingerprint(
            &[&component.path, &component.wit],
            &[
                env!("CARGO_PKG_VERSION"),
                &component.world,
                &format!("{:?}", opts.profile),
                &tc.fingerprint(),
            ],
        );
        let stamp = out_dir.join(".fingerprints").join(name);
        let up_to_date =
            output.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == fingerprint);
        on_event(Event::Started {
            name,
            language: component.language,
        });
        let (bytes, rebuilt) = if up_to_date {
            (
                std::fs::metadata(&output).map_or(0, |m| m.len() as usize),
                false,
            )
        } else {
            let guest = Guest {
                name,
                language: component.language,
                sources: &component.path,
                wit,
                world: wit.wit_parser_world(world),
                profile: opts.profile,
                work_dir: out_dir.join("work").join(name),
            };
            let wasm = crate::build(&guest).map_err(BuildError::Guest)?;
            let write = |path: &Path, bytes: &[u8]| {
                std::fs::create_dir_all(path.parent().expect("has a parent"))
                    .and_then(|()| std::fs::write(path, bytes))
                    .map_err(|e| {
                        BuildError::Guest(GuestError::Io {
                            component: name.clone(),
                            path: path.display().to_string(),
                            error: e.to_string(),
                        })
                    })
            };
            write(&output, &wasm)?;
            write(&stamp, fingerprint.as_bytes())?;
            (wasm.len(), true)
        };
        let built = Built {
            name: name.clone(),
            language: component.language,
            path: output,
            bytes,
            rebuilt,
            elapsed: start.elapsed(),
        };
        on_event(Event::Finished(&built));
        results.push(built);
    }
    Ok(results)
}

/// A hash of every file under `dirs` (names and contents, following
/// symlinks, skipping `target/` and hidden entries) and of `extra`.
fn fingerprint(dirs: &[&Path], extra: &[&str]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    extra.hash(&mut hasher);
    for dir in dirs {
        let mut files = Vec::new();
        collect(dir, &mut files);
        files.sort();
        for file in files {
            file.hash(&mut hasher);
            std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
        }
    }
    format!("{:016x}", hasher.finish())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
