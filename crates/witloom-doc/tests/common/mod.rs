//! What the docs tests share: the corpus they document, and how it loads.

use std::path::{Path, PathBuf};
use witloom_ir::LoadOptions;

/// The IR corpus inputs the docs are checked on.
pub fn corpus() -> Vec<PathBuf> {
    let dir = Path::new("../witloom-ir/tests/corpus");
    [
        "fraction.wit",
        "worlds.wit",
        "gates.wit",
        "types.wit",
        "multi",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect()
}

/// `input` loaded with every feature on, so gated items are documented.
pub fn load(input: &Path) -> witloom_ir::Loaded {
    witloom_ir::load(
        input,
        &LoadOptions {
            all_features: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|d| panic!("{}: {d}", input.display()))
}
