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
        let (parts, opts, default_out) = match &self.socket {
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
                // The wiring from the worlds first: a wiring error is the
                // same whether or not the components are built.
                let opts = witloom_compose::app_options(&app);
                witloom_compose::plan(&witloom_compose::app_parts(&app, false)?, &opts)?;
                let built = self.graph.is_none();
                let parts = witloom_compose::app_parts(&app, built)?;
                // An app of one component named like it is that
                // component: its artifact is the app's already, and
                // wrapping it into itself would nest it deeper each time.
                if let [only] = app.components()
                    && only.artifact == app.composed_artifact()
                    && self.graph.is_none()
                    && !self.check
                    && self.output.is_none()
                {
                    eprintln!(
                        "{:>9} {} (the app's one component is the app)",
                        "composed",
                        only.artifact.display()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                (parts, opts, app.composed_artifact())
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
        let out = self.output.unwrap_or(default_out);
        let size = witloom_compose::encode_to(&parts, &plan, &out)?;
        eprintln!(
            "{:>9} {} ({} parts, {} wired inside, {} left for the host, {} KiB)",
            "composed",
            out.display(),
            parts.len(),
            plan.wires.len(),
            plan.host.len(),
            size.div_ceil(1024)
        );
        Ok(ExitCode::SUCCESS)
    }
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
