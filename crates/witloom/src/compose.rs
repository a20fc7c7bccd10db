//! `witloom compose`: an application's components wired into one, its
//! wiring checked or drawn, or a socket plugged with plugs (like `wac plug`).

use std::path::PathBuf;
use std::process::ExitCode;
use witloom_app::App;
use witloom_compose::{GraphFormat, Host, Options, Part};
use witloom_diag::Diagnostic;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The socket component (plug mode); without it, the manifest's app.
    socket: Option<PathBuf>,
    /// A component whose exports plug the socket's imports (repeatable).
    #[arg(long = "plug", value_name = "PLUG.wasm", requires = "socket")]
    plugs: Vec<PathBuf>,
    /// Where to write the composed component [default: composed.wasm,
    /// or target/witloom/<app>.wasm for the manifest's app].
    #[arg(short, long, value_name = "OUT.wasm")]
    output: Option<PathBuf>,
    /// The application manifest [default: ./witloom.toml].
    #[arg(long, conflicts_with = "socket")]
    manifest: Option<PathBuf>,
    /// Check the wiring from the WIT worlds alone (nothing needs to be
    /// built) and report it; write nothing.
    #[arg(long)]
    check: bool,
    /// Print the wiring as a graph instead of composing.
    #[arg(long, value_enum)]
    graph: Option<GraphFormat>,
}

impl Args {
    pub fn run(self) -> crate::Outcome {
        let (parts, opts, out) = match &self.socket {
            Some(socket) => plug_parts(socket, &self.plugs)?,
            None => {
                let app = App::load(&crate::manifest_path(self.manifest.clone()))?;
                if self.check {
                    let (plan, with_wasi) = witloom_compose::check_app(&app)?;
                    print!("{}", plan.report());
                    if !with_wasi {
                        println!(
                            "(and WASI, as the guests' language runtimes need it: `witloom build`, then check again, to list it)"
                        );
                    }
                    return Ok(ExitCode::SUCCESS);
                }
                if self.graph.is_none() {
                    let done = witloom_compose::compose_app(&app, self.output.as_deref())?;
                    print_composed(&done);
                    return Ok(ExitCode::SUCCESS);
                }
                // The graph: the wiring from the worlds alone.
                (
                    witloom_compose::app_parts(&app, false)?,
                    witloom_compose::app_options(&app),
                    app.composed_artifact(),
                )
            }
        };
        let plan = witloom_compose::plan(&parts, &opts)?;
        if let Some(format) = self.graph {
            print!("{}", witloom_compose::graph(&plan, format));
            return Ok(ExitCode::SUCCESS);
        }
        if self.check {
            print!("{}", plan.report());
            return Ok(ExitCode::SUCCESS);
        }
        let path = self.output.unwrap_or(out);
        let bytes = witloom_compose::encode_to(&parts, &plan, &path)?;
        print_composed(&witloom_compose::Composed::written(
            path, &parts, &plan, bytes,
        ));
        Ok(ExitCode::SUCCESS)
    }
}

/// The line that says what was composed.
pub fn print_composed(done: &witloom_compose::Composed) {
    if !done.written {
        eprintln!(
            "{:>9} {} (the app's one component is the app)",
            "composed",
            done.path.display()
        );
        return;
    }
    eprintln!(
        "{:>9} {} ({} part{}, {} wired inside, {} left for the host, {} KiB)",
        "composed",
        done.path.display(),
        done.parts,
        if done.parts == 1 { "" } else { "s" },
        done.wires,
        done.host,
        done.bytes.div_ceil(1024)
    );
}

/// Plug mode: the socket first, then each plug, named by file stem (a
/// `'` added while a name is taken); unplugged imports stay imports.
fn plug_parts(
    socket: &std::path::Path,
    plugs: &[PathBuf],
) -> Result<(Vec<Part>, Options, PathBuf), Diagnostic> {
    let stem = |p: &std::path::Path| {
        p.file_stem().map_or_else(
            || "component".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    };
    let mut files: Vec<(String, PathBuf)> = vec![(stem(socket), socket.to_path_buf())];
    for plug in plugs {
        let mut name = stem(plug);
        while files.iter().any(|(n, _)| *n == name) {
            name.push('\'');
        }
        files.push((name, plug.clone()));
    }
    let parts = witloom_compose::parts_from_files(&files)?;
    let opts = Options {
        root: Some(parts[0].name.clone()),
        host: Host::Anything,
        ..Options::default()
    };
    Ok((parts, opts, PathBuf::from("composed.wasm")))
}
