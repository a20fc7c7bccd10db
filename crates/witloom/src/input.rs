//! The WIT input several verbs take: a path, and which `@unstable`
//! features to keep.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Input {
    /// A .wit file, a WIT package directory (with an optional deps/), or a
    /// component .wasm.
    pub path: PathBuf,
    /// Keep items behind these `@unstable(feature = …)` gates.
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// Keep items behind every `@unstable` gate.
    #[arg(long)]
    pub all_features: bool,
}

impl Input {
    pub fn load(&self) -> Result<witloom_ir::Loaded, witloom_ir::Diagnostic> {
        let opts = witloom_ir::LoadOptions {
            features: self.features.clone(),
            all_features: self.all_features,
        };
        witloom_ir::load(&self.path, &opts)
    }
}
