//! `witloom package`: a component as an OCI image layout on disk, the
//! artifact `push` would send, for air-gapped transfer and for tools that
//! read layouts; or, with `--image`, as a container image archive that
//! containerd runs with witloom's shim (`ctr image import`).

use std::path::PathBuf;
use std::process::ExitCode;
use witloom_oci::ship::component_artifact;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The component.
    file: PathBuf,
    /// The layout's directory (created, or added to).
    #[arg(long, value_name = "DIR", required_unless_present = "image")]
    out: Option<PathBuf>,
    /// Write a container image archive instead, for containerd and
    /// `containerd-shim-witloom-v1` (`ctr image import --all-platforms
    /// FILE`): the component is `/app.wasm` of its rootfs.
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    image: Option<PathBuf>,
    /// The image's name with --image [default: localhost/APP:TAG, APP
    /// being the manifest's app name or the file's].
    #[arg(long, value_name = "REF", requires = "image")]
    name: Option<String>,
    /// The image's platform with --image, OS/ARCH: wasi/wasm, or the
    /// node's (e.g. linux/amd64) for a containerd that pulls only its own.
    #[arg(long, value_name = "OS/ARCH", default_value = "wasi/wasm", requires = "image", value_parser = parse_platform)]
    platform: String,
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
        if let Some(out) = self.image {
            let app = info.name.clone().unwrap_or_else(|| {
                self.file
                    .file_stem()
                    .map_or("app".into(), |s| s.to_string_lossy().to_lowercase())
            });
            let reference = self
                .name
                .unwrap_or_else(|| format!("localhost/{app}:{tag}"));
            let shown = self.file.display().to_string();
            let platform = witloom_oci::image::Platform::parse(&self.platform)
                .expect("clap checked the platform");
            let image =
                witloom_oci::image::image_archive(&shown, &wasm, &reference, platform, &info)?;
            witloom_diag::io::write(&out, &image.bytes)?;
            eprintln!(
                "{:>9} {} as the image {} ({}) in {}",
                "packaged",
                self.file.display(),
                image.reference,
                image.manifest_digest,
                out.display()
            );
            println!("{}", image.reference);
            return Ok(ExitCode::SUCCESS);
        }
        let out = self.out.expect("clap requires --out without --image");
        let artifact = component_artifact(&self.file, wasm, &info)?;
        let written = witloom_oci::layout::write(&out, &tag, &artifact)?;
        eprintln!(
            "{:>9} {} as {} in {}",
            "packaged",
            self.file.display(),
            written.manifest_digest,
            out.display()
        );
        println!("oci:{}:{tag}", out.display());
        Ok(ExitCode::SUCCESS)
    }
}

/// `--platform`: `OS/ARCH` in lower case.
fn parse_platform(s: &str) -> Result<String, crate::common::ArgError> {
    match witloom_oci::image::Platform::parse(s) {
        Some(_) => Ok(s.to_string()),
        None => Err(crate::common::ArgError::Platform(s.to_string())),
    }
}
