//! `witloom doc`: Markdown pages or an HTML site for WIT, or for an
//! application with its wiring.

use crate::input::Input;
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_doc::Format;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// WIT (a .wit file, a package directory, a component), or an
    /// application's witloom.toml.
    #[command(flatten)]
    input: Input,
    /// The directory to write the pages into.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    /// Markdown pages (md), a static HTML site with search (html), or
    /// both in one directory.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    format: Format,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        // A manifest by its extension: it need not be named witloom.toml.
        let pages = if self.input.path.extension().is_some_and(|e| e == "toml") {
            let app = witloom_app::App::load(&self.input.path)?;
            witloom_doc::app(&app, self.format)?
        } else {
            witloom_doc::document(&self.input.load()?.ir, self.format)
        };
        witloom_doc::write(&self.out, &pages)?;
        eprintln!("wrote {} pages to {}", pages.len(), self.out.display());
        Ok(ExitCode::SUCCESS)
    }
}
