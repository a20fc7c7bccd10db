//! `witloom new`: a component skeleton for a world, added to the manifest.

use std::path::PathBuf;
use std::process::ExitCode;
use witloom_manifest::Language;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component's name (kebab-case); also its directory.
    name: String,
    /// The language to write it in.
    #[arg(long, value_enum)]
    lang: Language,
    /// The world it implements (`w`, or `ns:pkg/w@version`).
    #[arg(long, short)]
    world: String,
    /// The application manifest [default: ./witloom.toml].
    #[arg(long)]
    manifest: Option<PathBuf>,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let manifest = crate::manifest_path(self.manifest);
        let name = &self.name;
        let created =
            witloom_guest::scaffold::new_component(&manifest, name, self.lang, &self.world)?;
        for file in &created.files {
            eprintln!("{:>9} {}", "created", file.display());
        }
        eprintln!(
            "{:>9} [components.{name}] to {}\n\nbuild it with: witloom build -c {name}",
            "added",
            manifest.display()
        );
        if created.entry == Some(witloom_guest::scaffold::Entry::Http) {
            eprintln!(
                "serve it with: witloom serve {}  (it answers `hello from {name}`)",
                created.artifact.display()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}
