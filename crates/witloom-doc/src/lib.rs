//! Documentation for WIT packages from witloom's IR: a world documented as
//! the contract it is, every import and export, every type with its
//! fields and cases, every function with its full signature, resources
//! with their constructors and methods, `@since`/`@unstable`/`@deprecated`
//! as badges, and links between items, interfaces and packages.
//!
//! `pages` says it once, as `model` blocks; `markdown` renders pages
//! readable on GitHub, `html` a static site with search. For a
//! `witloom.toml`, `app` adds an application page: which component
//! provides what, what is left for the host, and the wiring as a graph
//! (Mermaid, or SVG from `svg`'s own layered layout).

mod app;
mod html;
mod markdown;
mod model;
mod pages;
mod site;
mod svg;
mod wit;

use std::path::{Path, PathBuf};
use witloom_ir::{Diagnostic, Ir};

/// One generated file, relative to the output directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

/// What to write: Markdown, HTML, or both side by side in one directory
/// (`README.md` next to `index.html`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    #[cfg_attr(feature = "clap", value(name = "md"))]
    Markdown,
    Html,
    Both,
}

/// Markdown pages for every package of `ir`: `README.md` (the index) and
/// one `<namespace>-<name>.md` per package.
pub fn markdown(ir: &Ir) -> Vec<Page> {
    markdown::pages(&site::Site::new(ir))
}

/// The HTML site for every package of `ir`: `index.html`, a page per
/// package and per interface, the search index and the assets.
pub fn html(ir: &Ir) -> Vec<Page> {
    html::pages(&site::Site::new(ir))
}

/// The documentation of `ir` in `format`.
pub fn document(ir: &Ir, format: Format) -> Vec<Page> {
    match format {
        Format::Markdown => markdown(ir),
        Format::Html => html(ir),
        Format::Both => markdown(ir).into_iter().chain(html(ir)).collect(),
    }
}

/// For an application: the application page (components, wiring, what is
/// left for the host, what it exports), the list of packages and the
/// package pages, in `format`.
pub fn app(app: &witloom_app::App, format: Format) -> Result<Vec<Page>, Diagnostic> {
    app::pages(app, format)
}

/// Writes `pages` under `dir`, creating it.
pub fn write(dir: &Path, pages: &[Page]) -> Result<(), Diagnostic> {
    for page in pages {
        witloom_diag::io::write(&dir.join(&page.path), &page.text)?;
    }
    Ok(())
}
