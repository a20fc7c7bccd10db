//! `witloom wit check|ir|deps`: parse and resolve WIT (a summary, or the
//! IR), or fill its `deps/`.

use crate::input::Input;
use crate::registry::RegistryArgs;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum Args {
    /// Parse and resolve WIT; print a summary, or diagnostics (exit 1).
    Check {
        #[command(flatten)]
        input: Input,
    },
    /// Print the IR as JSON.
    Ir {
        #[command(flatten)]
        input: Input,
        /// Only what this world reaches (`w`, or `ns:pkg/w@version`).
        #[arg(long, short)]
        world: Option<String>,
    },
    /// Write the packages the WIT names into its `deps/`: WASI's from the
    /// WIT witloom carries (the versions the runtime implements; no
    /// network), others from OCI registries as `wkg` does (its config
    /// file, and `wkg.lock` beside the WIT directory). For the app's WIT
    /// directories, or DIR's.
    Deps {
        /// A WIT directory [default: those of ./witloom.toml].
        #[arg(conflicts_with = "manifest")]
        dir: Option<PathBuf>,
        /// The application manifest [default: ./witloom.toml].
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// wkg's configuration file [default: $WKG_CONFIG_FILE, or
        /// ~/.config/wasm-pkg/config.toml].
        #[arg(long, value_name = "PATH")]
        registry_config: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Publish the WIT package in DIR to an OCI registry, as `wkg` does:
    /// encoded as a component, a CNCF wasm artifact. To REF, or where
    /// `wkg`'s config maps its namespace (tagged with its version).
    Publish {
        /// A WIT package directory (with its `deps/`).
        dir: PathBuf,
        /// REGISTRY/REPOSITORY:TAG [default: from wkg's config].
        reference: Option<String>,
        /// wkg's configuration file [default: $WKG_CONFIG_FILE, or
        /// ~/.config/wasm-pkg/config.toml].
        #[arg(long, value_name = "PATH")]
        registry_config: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArgs,
    },
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        match self {
            Args::Check { input } => {
                let loaded = input.load()?;
                println!("{}: {}", input.path.display(), loaded.ir.counts());
            }
            Args::Ir { input, world } => {
                let loaded = input.load()?;
                let ir = match world {
                    Some(name) => loaded.world_ir(loaded.select_world(Some(&name))?),
                    None => loaded.ir,
                };
                print!("{}", ir.to_json());
            }
            Args::Deps {
                dir,
                manifest,
                registry_config,
                registry,
            } => {
                let dirs = match dir {
                    Some(dir) => vec![dir],
                    None => witloom_deps::manifest_wit_dirs(&crate::manifest_path(manifest))?,
                };
                let opts = witloom_deps::Options {
                    config: registry_config,
                    timeout: registry.registry_timeout,
                    insecure: registry.insecure,
                };
                // Every directory found and checked before any is written.
                let plans = dirs
                    .iter()
                    .map(|dir| witloom_deps::plan(dir, &opts))
                    .collect::<Result<Vec<_>, _>>()?;
                for (dir, plan) in dirs.iter().zip(plans) {
                    let filled = plan.write()?;
                    for package in &filled.fetched {
                        eprintln!("{:>9} {package}", "fetched");
                    }
                    for file in &filled.written {
                        eprintln!("{:>9} {}", "wrote", file.display());
                    }
                    if let Some(lock) = &filled.lock {
                        eprintln!("{:>9} {}", "locked", lock.display());
                    }
                    eprintln!(
                        "{:>9} {}: {} package(s) written, {} already there",
                        "ok",
                        dir.display(),
                        filled.written.len(),
                        filled.present.len()
                    );
                }
            }
            Args::Publish {
                dir,
                reference,
                registry_config,
                registry,
            } => {
                let config_path = registry_config.or_else(witloom_deps::WkgConfig::default_path);
                let config = match &config_path {
                    Some(path) => witloom_deps::WkgConfig::load(path)?,
                    None => witloom_deps::WkgConfig::default(),
                };
                let opts = registry.oci_options();
                let published = witloom_deps::publish(
                    &dir,
                    reference.as_deref(),
                    &config,
                    config_path.as_deref(),
                    &opts,
                )?;
                eprintln!(
                    "{:>9} {} to {}",
                    "published", published.package, published.reference
                );
                // On stdout: what a script pins.
                println!("{}@{}", published.reference, published.manifest_digest);
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
