//! `witloom package`: a component as an OCI image layout on disk, the
//! artifact `push` would send, for air-gapped transfer and for tools that
//! read layouts.

use std::path::PathBuf;
use std::process::ExitCode;
use witloom_oci::ship::component_artifact;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component.
    file: PathBuf,
    /// The layout's directory (created, or added to).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The tag [default: the manifest's version, or `latest`].
    #[arg(long)]
    tag: Option<String>,
    /// The manifest whose `[app]` gives the annotations [default:
    /// ./witloom.toml, if there is one].
    #[arg(long)]
    manifest: Option<PathBuf>,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let info = crate::push::app_info(self.manifest)?;
        let tag = self
            .tag
            .or_else(|| info.version.clone())
            .unwrap_or_else(|| "latest".to_string());
        let wasm = witloom_diag::io::read(&self.file)?;
        let artifact = component_artifact(&self.file, wasm, &info)?;
        let written = witloom_oci::layout::write(&self.out, &tag, &artifact)?;
        eprintln!(
            "{:>9} {} as {} in {}",
            "packaged",
            self.file.display(),
            written.manifest_digest,
            self.out.display()
        );
        println!("oci:{}:{tag}", self.out.display());
        Ok(ExitCode::SUCCESS)
    }
}
