//! The Markdown of the IR corpus, golden: a test per corpus input, its
//! pages in `tests/golden/<stem>.md` (`BLESS=1` re-blesses).

mod common;

use std::path::{Path, PathBuf};
use witloom_testkit::golden::{self, Suite};

fn main() -> std::process::ExitCode {
    let inputs = common::corpus();
    let markdown = Suite {
        name: "markdown",
        min: inputs.len().max(1),
        inputs,
        golden: |input| {
            let stem = input.file_stem().unwrap().to_string_lossy();
            PathBuf::from(format!("tests/golden/{stem}.md"))
        },
        run: std::sync::Arc::new(|input: &Path| {
            let mut all = String::new();
            for page in witloom_doc::markdown(&common::load(input).ir) {
                all.push_str(&format!("<!-- page: {} -->\n", page.path.display()));
                all.push_str(&page.text);
            }
            Ok(all)
        }),
    };
    golden::main(vec![markdown], Vec::new())
}
