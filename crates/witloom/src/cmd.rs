//! The verbs that drive a library and report progress: argument plumbing
//! and printing only.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use witloom_guest::Profile;
use witloom_guest::app::{BuildOptions, Event, build_app};
use witloom_manifest::{Language, Manifest};

fn load_manifest(path: Option<PathBuf>) -> Result<Manifest, ExitCode> {
    let path = path.unwrap_or_else(|| PathBuf::from(witloom_manifest::FILE_NAME));
    Manifest::load(&path).map_err(|d| {
        eprint!("{d}");
        ExitCode::FAILURE
    })
}

pub fn build(manifest: Option<PathBuf>, release: bool, only: Vec<String>) -> ExitCode {
    let manifest = match load_manifest(manifest) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let total = if only.is_empty() {
        manifest.components.len()
    } else {
        only.len()
    };
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {msg}")
            .expect("a valid template")
            .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let opts = BuildOptions {
        profile: if release {
            Profile::Release
        } else {
            Profile::Debug
        },
        only,
    };
    let result = build_app(&manifest, &opts, &mut |event| match event {
        Event::Started { name, language } => {
            bar.set_message(format!("building {name} ({language})"))
        }
        Event::Finished(b) => {
            let how = if b.rebuilt {
                format!("built in {:.1}s", b.elapsed.as_secs_f64())
            } else {
                "up to date".to_string()
            };
            // `println` draws nothing when stderr is not a terminal.
            bar.suspend(|| {
                eprintln!(
                    "{:>9} {} ({}) -> {} ({} KiB, {how})",
                    "ok",
                    b.name,
                    b.language,
                    b.path.display(),
                    b.bytes.div_ceil(1024)
                )
            });
            bar.inc(1);
        }
    });
    bar.finish_and_clear();
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{e}");
            ExitCode::FAILURE
        }
    }
}

pub fn new(manifest: Option<PathBuf>, name: &str, lang: &str, world: &str) -> ExitCode {
    let manifest = manifest.unwrap_or_else(|| PathBuf::from(witloom_manifest::FILE_NAME));
    let language: Language = lang.parse().expect("clap checked the language");
    match witloom_guest::scaffold::new_component(&manifest, name, language, world) {
        Ok(files) => {
            for file in files {
                eprintln!("{:>9} {}", "created", file.display());
            }
            eprintln!(
                "{:>9} [components.{name}] to {}\n\nbuild it with: witloom build -c {name}",
                "added",
                manifest.display()
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            eprint!("{d}");
            ExitCode::FAILURE
        }
    }
}

pub fn doctor() -> ExitCode {
    let mut all_ready = true;
    for language in Language::ALL {
        let name = language.to_string();
        let tc = witloom_guest::toolchain(language);
        let version = tc.version.as_deref().unwrap_or("-");
        let detail = tc
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        if tc.ready() {
            println!("{name:<5} ready    {version}{detail}");
        } else {
            all_ready = false;
            println!("{name:<5} missing  {version}{detail}");
            for m in &tc.missing {
                println!("      - {}\n        install: {}", m.what, m.install);
            }
        }
    }
    if all_ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[derive(clap::Args, Debug)]
pub struct ComposeArgs {
    /// The socket component (plug mode); without it, the manifest's app.
    pub socket: Option<PathBuf>,
    /// A component whose exports plug the socket's imports (repeatable).
    #[arg(long = "plug", value_name = "PLUG.wasm", requires = "socket")]
    pub plugs: Vec<PathBuf>,
    /// Where to write the composed component [default: composed.wasm,
    /// or target/witloom/<app>.wasm for the manifest's app].
    #[arg(short, long, value_name = "OUT.wasm")]
    pub output: Option<PathBuf>,
    /// The application manifest [default: ./witloom.toml].
    #[arg(long, conflicts_with = "socket")]
    pub manifest: Option<PathBuf>,
    /// Check the wiring from the WIT worlds alone (nothing needs to be
    /// built) and report it; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Print the wiring as a graph instead of composing.
    #[arg(long, value_parser = ["dot", "mermaid"])]
    pub graph: Option<String>,
}

pub fn compose(args: ComposeArgs) -> ExitCode {
    match compose_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(d) => {
            eprint!("{d}");
            ExitCode::FAILURE
        }
    }
}

fn compose_inner(args: ComposeArgs) -> Result<(), witloom_ir::Diagnostic> {
    use witloom_compose::{GraphFormat, Host, Options, Part};
    let stem = |p: &std::path::Path| {
        p.file_stem().map_or_else(
            || "component".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    };
    let (parts, opts, default_out) = match &args.socket {
        Some(socket) => {
            let mut parts = vec![Part::from_file(&stem(socket), socket)?];
            for plug in &args.plugs {
                let mut name = stem(plug);
                while parts.iter().any(|p| p.name == name) {
                    name.push('\'');
                }
                parts.push(Part::from_file(&name, plug)?);
            }
            let opts = Options {
                root: Some(parts[0].name.clone()),
                host: Host::Anything,
                ..Options::default()
            };
            (parts, opts, PathBuf::from("composed.wasm"))
        }
        None => {
            let path = args
                .manifest
                .clone()
                .unwrap_or_else(|| PathBuf::from(witloom_manifest::FILE_NAME));
            let manifest = Manifest::load(&path)?;
            let built = !args.check && args.graph.is_none();
            let parts = witloom_compose::app_parts(&manifest, built)?;
            let out = manifest
                .target_dir()
                .join(format!("{}.wasm", manifest.app.name));
            (parts, witloom_compose::app_options(&manifest), out)
        }
    };
    let plan = witloom_compose::plan(&parts, &opts)?;
    if let Some(format) = &args.graph {
        let format = if format == "dot" {
            GraphFormat::Dot
        } else {
            GraphFormat::Mermaid
        };
        print!("{}", witloom_compose::graph(&plan, format));
        return Ok(());
    }
    if args.check {
        print!("{}", plan.report());
        return Ok(());
    }
    let bytes = witloom_compose::encode(&parts, &plan)?;
    let out = args.output.unwrap_or(default_out);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            witloom_ir::Diagnostic::new(format!("cannot create `{}`: {e}", dir.display()))
        })?;
    }
    std::fs::write(&out, &bytes).map_err(|e| {
        witloom_ir::Diagnostic::new(format!("cannot write `{}`: {e}", out.display()))
    })?;
    eprintln!(
        "{:>9} {} ({} parts, {} wired inside, {} left for the host, {} KiB)",
        "composed",
        out.display(),
        parts.len(),
        plan.wires.len(),
        plan.host.len(),
        bytes.len().div_ceil(1024)
    );
    Ok(())
}

pub fn run(file: &std::path::Path, opts: &witloom_run::RunOptions) -> ExitCode {
    match witloom_run::run(file, opts) {
        Ok(witloom_run::Outcome::Exited(code)) => ExitCode::from(code.clamp(0, 255) as u8),
        Ok(witloom_run::Outcome::Returned(value)) => {
            if !value.is_empty() {
                println!("{value}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}
