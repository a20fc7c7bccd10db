//! Documentation for WIT packages from witloom's IR: a world documented as
//! the contract it is, every import and export, every type with its
//! fields and cases, every function with its full signature, resources
//! with their constructors and methods, `@since`/`@unstable`/`@deprecated`
//! as badges, and links between items, interfaces and packages.
//!
//! [`markdown`] writes pages readable on GitHub; [`app_markdown`] adds an
//! application page (which component provides what, what is left for the
//! host, the graph as Mermaid) for a `witloom.toml`.

mod app;
mod markdown;
mod site;
mod wit;

use std::path::{Path, PathBuf};
use witloom_ir::{Diagnostic, Ir};

/// One generated file, relative to the output directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

/// Markdown pages for every package of `ir`: `README.md` (the index) and
/// one `<namespace>-<name>.md` per package.
pub fn markdown(ir: &Ir) -> Vec<Page> {
    markdown::pages(&site::Site::new(ir))
}

/// For the application of `manifest` (a `witloom.toml`): `README.md`, the
/// application page (components, wiring as Mermaid, what is left for the
/// host, what it exports), `packages.md` and the package pages.
pub fn app_markdown(manifest: &witloom_manifest::Manifest) -> Result<Vec<Page>, Diagnostic> {
    app::pages(manifest)
}

/// Writes `pages` under `dir`, creating it.
pub fn write(dir: &Path, pages: &[Page]) -> Result<(), Diagnostic> {
    for page in pages {
        let path = dir.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Diagnostic::new(format!("cannot create `{}`: {e}", parent.display()))
            })?;
        }
        std::fs::write(&path, &page.text)
            .map_err(|e| Diagnostic::new(format!("cannot write `{}`: {e}", path.display())))?;
    }
    Ok(())
}
