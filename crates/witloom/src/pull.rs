//! `witloom pull`: a component from an OCI registry (or an image layout,
//! `oci:DIR:TAG`), verified before anything is written.

use crate::registry::RegistryArgs;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// REGISTRY/REPOSITORY:TAG (or @sha256:…), or oci:DIR:TAG for a layout
    /// `witloom package` wrote.
    reference: String,
    /// Where to write the component.
    #[arg(short, long, value_name = "APP.wasm")]
    output: PathBuf,
    #[command(flatten)]
    registry: RegistryArgs,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let pulled = match self.reference.strip_prefix("oci:") {
            Some(layout) => {
                let (dir, tag) = layout.rsplit_once(':').unwrap_or((layout, "latest"));
                witloom_oci::layout::read(std::path::Path::new(dir), tag)?
            }
            None => {
                let reference = witloom_oci::parse_reference(&self.reference)?;
                witloom_oci::pull(&reference, None, &self.registry.oci_options())?
            }
        };
        witloom_oci::ship::check_component(&self.reference, &pulled.wasm)?;
        witloom_diag::io::write(&self.output, &pulled.wasm)?;
        eprintln!(
            "{:>9} {} ({}) -> {} ({} KiB)",
            "pulled",
            self.reference,
            pulled.manifest_digest,
            self.output.display(),
            pulled.wasm.len().div_ceil(1024)
        );
        Ok(ExitCode::SUCCESS)
    }
}
