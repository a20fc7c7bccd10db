//! `witloom init`: a new application with one component that builds and
//! runs (or serves) at once.

use std::path::PathBuf;
use std::process::ExitCode;
use witloom_guest::init::{Template, WasiLine, init};
use witloom_guest::scaffold::Entry;
use witloom_manifest::Language;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory to create (or `.`, or any empty directory).
    dir: PathBuf,
    /// What the app is.
    #[arg(long, value_enum, default_value = "command")]
    template: Template,
    /// The language of its component.
    #[arg(long, value_enum)]
    lang: Language,
    /// The app's name [default: the directory's name].
    #[arg(long)]
    name: Option<String>,
    /// The WASI its world is on: 0.3 makes a command whose `run` is an
    /// `async func`, or a handler whose `handle` is one (C or Rust).
    #[arg(long, value_enum, default_value = "0.2")]
    wasi: WasiLine,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let done = init(
            &self.dir,
            self.name.as_deref(),
            self.template,
            self.lang,
            self.wasi,
        )?;
        for file in &done.files {
            eprintln!("{:>9} {}", "created", file.display());
        }
        let artifact = done
            .created
            .artifact
            .strip_prefix(&done.dir)
            .unwrap_or(&done.created.artifact)
            .display()
            .to_string();
        let mut next = Vec::new();
        if done.dir != std::path::Path::new(".") {
            next.push(format!("cd {}", done.dir.display()));
        }
        next.push("witloom build".to_string());
        match done.created.entry {
            Some(Entry::Http | Entry::AsyncHttp) => {
                next.push(format!("witloom serve {artifact}"));
                next.push("curl http://127.0.0.1:8080/".to_string());
            }
            _ => next.push(format!("witloom run {artifact}")),
        }
        eprintln!(
            "\napp `{}` with component `{}` ({}, in {}/); next:\n",
            done.name, done.component, self.lang, done.component
        );
        for line in next {
            eprintln!("    {line}");
        }
        eprintln!(
            "\nthen edit wit/{}.wit and {}/, or add components with `witloom new`",
            done.name, done.component
        );
        Ok(ExitCode::SUCCESS)
    }
}
