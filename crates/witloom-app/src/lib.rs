//! The application model: one resolved view of a witloom application,
//! which every stage takes instead of loading worlds itself.
//!
//! An [`App`] is built once from a `witloom.toml` ([`App::load`]) or from
//! one built component ([`App::single`]). By then:
//!
//! - the manifest is checked (names, languages, references);
//! - every WIT directory the components name is loaded and resolved
//!   **once**, however many components share it ([`App::wit`] hands out
//!   the one [`Loaded`], behind an `Arc`);
//! - every component's world is selected in its WIT
//!   ([`Component::world`]), so a misspelt world is an error here, naming
//!   the component, and never later;
//! - every component's artifact path is decided (`target/witloom/<name>.wasm`,
//!   spelled only here), and so is the composed application's
//!   ([`App::composed_artifact`]).
//!
//! What the machine offers (each language's toolchain) is read at most
//! once per `App`, on first use ([`App::toolchain`]), so a build fingerprints
//! and compiles with the same snapshot.
//!
//! ```text
//!  witloom.toml ──▶ Manifest ──▶ App ──┬─▶ witloom build    (guest)
//!                                      ├─▶ compose, --check (compose)
//!                                      ├─▶ doc              (doc)
//!                                      └─▶ new              (guest scaffold)
//!   built.wasm ─────────▶ App::single ───▶ a part to compose (a built
//!                                          component, a socket, a plug)
//! ```
//!
//! Components are kept in manifest order, addressed by index
//! ([`ComponentId`]) or by name.

pub mod toolchain;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
pub use toolchain::Toolchain;
use witloom_diag::{Diagnostic, IoError};
use witloom_ir::{LoadOptions, Loaded, WorldId};
pub use witloom_manifest::{Language, Manifest};

/// A component of the application, by its place in manifest order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentId(pub usize);

/// A WIT directory (or component binary) the application loaded, by its
/// place in [`App::wits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WitId(pub usize);

/// A loaded WIT input and where it came from.
#[derive(Debug)]
pub struct Wit {
    /// The directory (or file) it was loaded from.
    pub path: PathBuf,
    pub loaded: Arc<Loaded>,
}

/// One component of the application, resolved.
#[derive(Debug, Clone)]
pub struct Component {
    /// Its name: kebab-case, unique in the app; also its artifact's stem.
    pub name: String,
    /// The language it is written in; `None` for a component that was
    /// given built ([`App::single`]).
    pub language: Option<Language>,
    /// Its sources; `None` for a component given built.
    pub sources: Option<PathBuf>,
    /// The WIT it is built against.
    pub wit: WitId,
    /// Its world in that WIT (an IR id, which is also wit-parser's id:
    /// see [`Loaded::wit_parser_world`]).
    pub world: WorldId,
    /// The world as the manifest names it (`w` or `ns:pkg/w@1.0.0`).
    pub world_spec: String,
    /// Where its built component is (`target/witloom/<name>.wasm`), or the
    /// file it was given as.
    pub artifact: PathBuf,
    /// The component's bytes, for one given built (read once, to decode
    /// its world); `None` for one built from sources.
    pub bytes: Option<Arc<[u8]>>,
}

/// An application: its manifest, its WIT resolved once, its components
/// with their worlds selected.
#[derive(Debug)]
pub struct App {
    /// The app's name (`[app] name`, or the file stem of a single
    /// component).
    pub name: String,
    /// Its root directory (where `witloom.toml` is).
    pub dir: PathBuf,
    /// The manifest, for an app loaded from one.
    pub manifest: Option<Manifest>,
    wits: Vec<Wit>,
    components: Vec<Component>,
    toolchains: [OnceLock<Toolchain>; Language::ALL.len()],
}

/// Why an application could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The manifest is missing or wrong (a located diagnostic).
    #[error("{}", .0.message)]
    Manifest(Diagnostic),
    /// A component's WIT does not load, or has no such world.
    #[error("component `{component}`: {}", .diagnostic.message)]
    Wit {
        component: String,
        diagnostic: Diagnostic,
    },
    /// A component file cannot be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A component given built is not a component.
    #[error("{}", .0.message)]
    NotAComponent(Diagnostic),
}

impl From<AppError> for Diagnostic {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Manifest(d) | AppError::NotAComponent(d) => d,
            AppError::Wit {
                component,
                mut diagnostic,
            } => {
                diagnostic.message = format!("component `{component}`: {}", diagnostic.message);
                diagnostic
            }
            AppError::Io(e) => e.into(),
        }
    }
}

impl App {
    /// Loads the application whose manifest is at `manifest`.
    pub fn load(manifest: &Path) -> Result<App, AppError> {
        let manifest = Manifest::load(manifest).map_err(AppError::Manifest)?;
        App::from_manifest(manifest)
    }

    /// Resolves a loaded manifest: each WIT directory once, each world.
    pub fn from_manifest(manifest: Manifest) -> Result<App, AppError> {
        let target = target_dir(&manifest.dir);
        let mut app = App {
            name: manifest.app.name.clone(),
            dir: manifest.dir.clone(),
            manifest: None,
            wits: Vec::new(),
            components: Vec::with_capacity(manifest.components.len()),
            toolchains: Default::default(),
        };
        for (name, c) in &manifest.components {
            let wit_err = |diagnostic| AppError::Wit {
                component: name.clone(),
                diagnostic,
            };
            let wit = app.load_wit(&c.wit).map_err(wit_err)?;
            let world = app.wits[wit.0]
                .loaded
                .select_world(Some(&c.world))
                .map_err(wit_err)?;
            app.components.push(Component {
                name: name.clone(),
                language: Some(c.language),
                sources: Some(c.path.clone()),
                wit,
                world,
                world_spec: c.world.clone(),
                artifact: artifact(&target, name),
                bytes: None,
            });
        }
        app.manifest = Some(manifest);
        Ok(app)
    }

    /// An application of one built component: its world is the one
    /// decoded from the binary; its name is the file's stem.
    pub fn single(path: &Path) -> Result<App, AppError> {
        let bytes = witloom_diag::io::read(path)?;
        let loaded = witloom_ir::load_binary(path, &bytes).map_err(AppError::NotAComponent)?;
        if loaded.component_world.is_none() {
            return Err(AppError::NotAComponent(Diagnostic::new(format!(
                "`{}` is not a component: it holds WIT only",
                path.display()
            ))));
        }
        let world = loaded.select_world(None).map_err(AppError::NotAComponent)?;
        let name = path.file_stem().map_or_else(
            || "component".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let world_spec = loaded.ir[world].name.clone();
        Ok(App {
            name: name.clone(),
            dir,
            manifest: None,
            wits: vec![Wit {
                path: path.to_path_buf(),
                loaded: Arc::new(loaded),
            }],
            components: vec![Component {
                name,
                language: None,
                sources: None,
                wit: WitId(0),
                world,
                world_spec,
                artifact: path.to_path_buf(),
                bytes: Some(bytes.into()),
            }],
            toolchains: Default::default(),
        })
    }

    /// The WIT loaded from `dir`, loading it the first time it is asked
    /// for. Components naming one directory share one `Loaded`.
    pub fn load_wit(&mut self, dir: &Path) -> Result<WitId, Diagnostic> {
        if let Some(i) = self.wits.iter().position(|w| w.path == dir) {
            return Ok(WitId(i));
        }
        let loaded = witloom_ir::load(dir, &LoadOptions::default())?;
        self.wits.push(Wit {
            path: dir.to_path_buf(),
            loaded: Arc::new(loaded),
        });
        Ok(WitId(self.wits.len() - 1))
    }

    /// Every WIT input loaded, in first-use order.
    pub fn wits(&self) -> &[Wit] {
        &self.wits
    }

    /// The WIT `id` names.
    pub fn wit(&self, id: WitId) -> &Arc<Loaded> {
        &self.wits[id.0].loaded
    }

    /// The components, in manifest order.
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// The component named `name`.
    pub fn component(&self, name: &str) -> Option<(ComponentId, &Component)> {
        self.components
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
            .map(|(i, c)| (ComponentId(i), c))
    }

    /// The components' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.components.iter().map(|c| c.name.as_str()).collect()
    }

    /// Where built artifacts go: `<app>/target/witloom`.
    pub fn target_dir(&self) -> PathBuf {
        target_dir(&self.dir)
    }

    /// Where the composed application goes: `target/witloom/<app>.wasm`.
    pub fn composed_artifact(&self) -> PathBuf {
        artifact(&self.target_dir(), &self.name)
    }

    /// Where component `name` is built to, whether or not the app has it
    /// yet (`witloom new` says where a new one will go).
    pub fn artifact_of(&self, name: &str) -> PathBuf {
        artifact(&self.target_dir(), name)
    }

    /// `language`'s toolchain, found on first use and then kept: one
    /// snapshot for the app's whole life.
    pub fn toolchain(&self, language: Language) -> &Toolchain {
        let i = Language::ALL
            .iter()
            .position(|l| *l == language)
            .expect("every language is in Language::ALL");
        self.toolchains[i].get_or_init(|| toolchain::detect(language))
    }
}

/// `<target>/<name>.wasm`: the one spelling of an artifact's path.
fn artifact(target: &Path, name: &str) -> PathBuf {
    target.join(format!("{name}.wasm"))
}

fn target_dir(app_dir: &Path) -> PathBuf {
    app_dir.join("target").join("witloom")
}
