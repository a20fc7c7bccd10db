//! `witloom.toml`, the application manifest:
//!
//! ```toml
//! [app]
//! name = "wordstats"
//! wit = "wit"              # optional; relative to this file
//! version = "1.2.0"        # optional, as are description and source: the
//! description = "…"        #   org.opencontainers.image.* annotations of
//! source = "https://…"     #   what `witloom push` and `package` make
//!
//! [components.tokenizer]
//! language = "c"           # "c" | "rust" | "go"
//! path = "tokenizer"       # the sources, relative to this file
//! world = "kernel"
//! wit = "other-wit"        # optional; defaults to the app's
//! ```
//!
//! Unknown keys and bad values are errors that point at the file, line and
//! column, and list what is allowed.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use witloom_ir::Diagnostic;

/// The manifest's file name.
pub const FILE_NAME: &str = "witloom.toml";

/// A language guests can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    C,
    Rust,
    Go,
    /// CPython embedded in the component by componentize-py.
    Python,
    /// JavaScript on StarlingMonkey (SpiderMonkey), by componentize-js.
    Js,
}

impl Language {
    /// Every language, in a fixed order.
    pub const ALL: [Language; 5] = [
        Language::C,
        Language::Rust,
        Language::Go,
        Language::Python,
        Language::Js,
    ];
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::C => "c",
            Language::Rust => "rust",
            Language::Go => "go",
            Language::Python => "python",
            Language::Js => "js",
        })
    }
}

impl std::str::FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, UnknownLanguage> {
        Language::ALL
            .into_iter()
            .find(|l| l.to_string() == s)
            .ok_or_else(|| UnknownLanguage(s.to_string()))
    }
}

/// A `language` that is not one witloom builds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}`, expected one of `c`, `rust`, `go`, `python`, `js`")]
pub struct UnknownLanguage(pub String);

/// A loaded manifest, with its paths made absolute against its directory.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The `witloom.toml` file.
    pub path: PathBuf,
    /// Its directory: the application's root.
    pub dir: PathBuf,
    pub app: App,
    /// Components, in file order.
    pub components: IndexMap<String, Component>,
    pub compose: Compose,
}

/// `[compose]`: how the components are wired into one application.
#[derive(Debug, Clone, Default)]
pub struct Compose {
    /// The component whose exports the application exports; by default the
    /// one whose exports nobody imports.
    pub root: Option<String>,
    /// `[compose.with]`: `"ns:pkg/iface" = "component"`, the provider of an
    /// interface when several components export it.
    pub with: IndexMap<String, String>,
    /// `chain = ["a", "b", "c"]`: a middleware chain, outermost first.
    /// Each component's imports that the next one exports come from the
    /// next one (`a` calls `b`, `b` calls `c`), whoever else exports them:
    /// the way HTTP middleware that imports and exports
    /// `wasi:http/incoming-handler` is stacked in front of a handler.
    pub chain: Vec<String>,
}

/// `[app]`.
#[derive(Debug, Clone)]
pub struct App {
    pub name: String,
    /// The WIT directory (absolute).
    pub wit: PathBuf,
    /// The app's version (semver), for what ships it.
    pub version: Option<String>,
    pub description: Option<String>,
    /// Where its sources are (a URL).
    pub source: Option<String>,
}

/// `[components.NAME]`.
#[derive(Debug, Clone)]
pub struct Component {
    pub language: Language,
    /// The sources (absolute).
    pub path: PathBuf,
    pub world: String,
    /// The WIT directory (absolute): the component's own or the app's.
    pub wit: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    app: RawApp,
    #[serde(default)]
    components: IndexMap<String, toml::Spanned<RawComponent>>,
    #[serde(default)]
    compose: Option<toml::Spanned<RawCompose>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompose {
    root: Option<toml::Spanned<String>>,
    #[serde(default)]
    with: IndexMap<String, toml::Spanned<String>>,
    chain: Option<toml::Spanned<Vec<toml::Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    name: toml::Spanned<String>,
    wit: Option<String>,
    version: Option<toml::Spanned<String>>,
    description: Option<String>,
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    language: Language,
    path: String,
    world: String,
    wit: Option<String>,
}

impl Manifest {
    /// Finds `witloom.toml` in `dir` (not above it: an app is where its
    /// manifest is).
    pub fn find(dir: &Path) -> Option<PathBuf> {
        let path = dir.join(FILE_NAME);
        path.is_file().then_some(path)
    }

    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest, Diagnostic> {
        let bytes = witloom_diag::io::read(path).map_err(|e| {
            Diagnostic::from(e).with_help(format!(
                "run in the application's directory (where its `{FILE_NAME}` is), or pass --manifest PATH"
            ))
        })?;
        Self::parse(path, witloom_diag::utf8(path, &bytes)?)
    }

    /// Parses manifest text; `path` names it in errors and anchors its
    /// relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, Diagnostic> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_string();
            Diagnostic::at_span(path, text, e.span(), message)
        })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let app_name = raw.app.name.get_ref();
        if let Err(why) = check_component_name(app_name) {
            return Err(Diagnostic::at_span(
                path,
                text,
                Some(raw.app.name.span()),
                if app_name.is_empty() {
                    "the app name is empty".to_string()
                } else {
                    format!("bad app name `{app_name}`: {why}")
                },
            )
            .with_help(
                "app names are kebab-case, like `word-stats`: the name becomes a file name (target/witloom/<name>.wasm)",
            ));
        }
        let app_wit = dir.join(raw.app.wit.as_deref().unwrap_or("wit"));
        let version = match &raw.app.version {
            Some(v) => match semver::Version::parse(v.get_ref()) {
                Ok(_) => Some(v.get_ref().clone()),
                Err(e) => {
                    return Err(Diagnostic::at_span(
                        path,
                        text,
                        Some(v.span()),
                        format!("bad app version `{}`: {e}", v.get_ref()),
                    )
                    .with_help("versions are semver, like `1.2.0`"));
                }
            },
            None => None,
        };
        let mut components = IndexMap::new();
        let alone = raw.components.len() == 1;
        for (name, spanned) in raw.components {
            let span = spanned.span();
            if let Err(why) = check_component_name(&name) {
                return Err(Diagnostic::at_span(
                    path,
                    text,
                    Some(span),
                    format!("bad component name `{name}`: {why}"),
                )
                .with_help("component names are kebab-case, like `text-kernel`"));
            }
            // Both would be built to target/witloom/<name>.wasm: composing
            // would overwrite a component it reads. An app of one
            // component is that component, and may share its name.
            if &name == app_name && !alone {
                return Err(Diagnostic::at_span(
                    path,
                    text,
                    Some(span),
                    format!("component `{name}` has the app's name"),
                )
                .with_help(format!(
                    "the composed app is built to target/witloom/{name}.wasm, where this component would be too: rename one of them (only an app of one component, which is the app, may share its name)"
                )));
            }
            let c = spanned.into_inner();
            components.insert(
                name,
                Component {
                    language: c.language,
                    path: dir.join(&c.path),
                    world: c.world,
                    wit: c.wit.map_or_else(|| app_wit.clone(), |w| dir.join(w)),
                },
            );
        }
        let mut compose = Compose::default();
        if let Some(raw_compose) = raw.compose {
            let raw_compose = raw_compose.into_inner();
            let known = |name: &toml::Spanned<String>| {
                if components.contains_key(name.get_ref()) {
                    Ok(name.get_ref().clone())
                } else {
                    let names: Vec<&str> = components.keys().map(String::as_str).collect();
                    Err(Diagnostic::at_span(
                        path,
                        text,
                        Some(name.span()),
                        format!("no component named `{}`", name.get_ref()),
                    )
                    .with_help(format!("the components are: {}", names.join(", "))))
                }
            };
            if let Some(root) = &raw_compose.root {
                compose.root = Some(known(root)?);
            }
            for (iface, provider) in &raw_compose.with {
                compose.with.insert(iface.clone(), known(provider)?);
            }
            if let Some(chain) = &raw_compose.chain {
                if chain.get_ref().len() < 2 {
                    return Err(Diagnostic::at_span(
                        path,
                        text,
                        Some(chain.span()),
                        "a chain needs at least two components".to_string(),
                    )
                    .with_help(
                        "list them outermost first: chain = [\"middleware\", \"handler\"]",
                    ));
                }
                for spanned in chain.get_ref() {
                    let name = known(spanned)?;
                    if compose.chain.contains(&name) {
                        return Err(Diagnostic::at_span(
                            path,
                            text,
                            Some(spanned.span()),
                            format!("`{name}` appears twice in the chain"),
                        )
                        .with_help("a chain passes through each component once"));
                    }
                    compose.chain.push(name);
                }
            }
        }
        Ok(Manifest {
            compose,
            path: path.to_path_buf(),
            app: App {
                name: raw.app.name.into_inner(),
                wit: app_wit,
                version,
                description: raw.app.description,
                source: raw.app.source,
            },
            components,
            dir,
        })
    }
}

/// Whether `name` can name a component or an app: kebab-case, each part
/// starting with a letter; the error says why not. Such names become file
/// names (`target/witloom/<name>.wasm`) and import names, so nothing else
/// is allowed: no `/`, no `..`, not empty.
pub fn check_component_name(name: &str) -> Result<(), BadName> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if name.is_empty() {
        return Err(BadName::Empty);
    }
    if let Some(c) = name.chars().find(|c| !ok_char(*c)) {
        return Err(BadName::Character(c));
    }
    if name.starts_with('-')
        || name.ends_with('-')
        || name.contains("--")
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(BadName::PartStart);
    }
    Ok(())
}

/// Why a name cannot name a component or an app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadName {
    #[error("it is empty")]
    Empty,
    #[error("`{0}` is not a lowercase letter, digit or `-`")]
    Character(char),
    #[error("each `-`-separated part must start with a letter")]
    PartStart,
}

/// Appends `[components.NAME]` to the manifest file, keeping its comments
/// and layout.
pub fn add_component(
    path: &Path,
    name: &str,
    language: Language,
    source: &str,
    world: &str,
) -> Result<(), Diagnostic> {
    check_component_name(name)
        .map_err(|why| Diagnostic::new(format!("bad component name `{name}`: {why}")))?;
    let bytes = witloom_diag::io::read(path)?;
    let text = witloom_diag::utf8(path, &bytes)?;
    // Parse first: never edit a manifest that is already broken.
    let existing = Manifest::parse(path, text)?;
    if existing.components.contains_key(name) {
        return Err(Diagnostic::new(format!(
            "`{}` already has a component named `{name}`",
            path.display()
        )));
    }
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Diagnostic::new(format!("cannot edit `{}`: {e}", path.display())))?;
    let components = doc
        .entry("components")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| {
            Diagnostic::new(format!(
                "`components` in `{}` is not a table",
                path.display()
            ))
        })?;
    let mut table = toml_edit::Table::new();
    table["language"] = toml_edit::value(language.to_string());
    table["path"] = toml_edit::value(source);
    table["world"] = toml_edit::value(world);
    components.insert(name, toml_edit::Item::Table(table));
    witloom_diag::io::write(path, doc.to_string()).map_err(Diagnostic::from)
}
