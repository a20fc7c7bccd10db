//! The flags every verb that talks to OCI registries takes.

/// How to reach registries.
#[derive(clap::Args, Debug)]
pub struct RegistryArgs {
    /// Plain HTTP to every registry (it is used for localhost and
    /// 127.0.0.1 ones anyway).
    #[arg(long)]
    pub insecure: bool,
    /// The longest one registry operation may take, e.g. 30s.
    #[arg(long, value_parser = witloom_run::parse_duration, default_value = "60s")]
    pub registry_timeout: std::time::Duration,
}

impl RegistryArgs {
    /// The registry client's options.
    pub fn oci_options(&self) -> witloom_oci::Options {
        witloom_oci::Options {
            insecure: self.insecure,
            timeout: self.registry_timeout,
            basic_auth: None,
        }
    }
}
