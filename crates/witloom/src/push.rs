//! `witloom push`: a built component to an OCI registry, as a CNCF wasm
//! artifact.

use crate::registry::RegistryArgs;
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_oci::ship::{AppInfo, component_artifact};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component.
    file: PathBuf,
    /// REGISTRY/REPOSITORY:TAG, e.g. 127.0.0.1:5000/acme/app:1.0.0.
    reference: String,
    /// The manifest whose `[app]` gives the annotations (name, version,
    /// description, source) [default: ./witloom.toml, if there is one].
    #[arg(long)]
    manifest: Option<PathBuf>,
    #[command(flatten)]
    registry: RegistryArgs,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let info = app_info(self.manifest)?;
        let reference = witloom_oci::parse_reference(&self.reference)?;
        let wasm = witloom_diag::io::read(&self.file)?;
        let size = wasm.len();
        let artifact = component_artifact(&self.file, wasm, &info)?;
        let pushed = witloom_oci::push(&reference, &artifact, &self.registry.oci_options())?;
        eprintln!(
            "{:>9} {} to {} ({} KiB)",
            "pushed",
            self.file.display(),
            reference.whole(),
            size.div_ceil(1024)
        );
        // On stdout: the reference pinned to what was pushed.
        println!("{}@{}", reference.whole(), pushed.manifest_digest);
        Ok(ExitCode::SUCCESS)
    }
}

/// The `[app]` of `--manifest`, or of `./witloom.toml` when there is one.
pub fn app_info(manifest: Option<PathBuf>) -> Result<AppInfo, witloom_diag::Diagnostic> {
    let path = match manifest {
        Some(path) => path,
        None => {
            let here = PathBuf::from(witloom_manifest::FILE_NAME);
            if !here.is_file() {
                return Ok(AppInfo::default());
            }
            here
        }
    };
    let manifest = witloom_manifest::Manifest::load(&path)?;
    Ok(AppInfo::from_manifest(&manifest))
}
