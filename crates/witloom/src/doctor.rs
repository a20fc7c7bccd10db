//! `witloom doctor`: each language's toolchain, ready or what to install.

use std::process::ExitCode;
use witloom_manifest::Language;

#[derive(clap::Args, Debug)]
pub struct Args {}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let mut all_ready = true;
        for language in Language::ALL {
            let name = language.to_string();
            let tc = witloom_app::toolchain::detect(language);
            let version = tc.version.as_deref().unwrap_or("-");
            let detail = tc
                .detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            if tc.ready() {
                println!("{name:<6} ready    {version}{detail}");
                if language == Language::Go {
                    // Ready for sync worlds; `build` refuses async ones.
                    println!("       - async worlds: {}", witloom_guest::GO_ASYNC);
                }
            } else {
                all_ready = false;
                println!("{name:<6} missing  {version}{detail}");
                for m in &tc.missing {
                    println!("       - {}\n         install: {}", m.what, m.install);
                }
            }
        }
        Ok(if all_ready {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}
