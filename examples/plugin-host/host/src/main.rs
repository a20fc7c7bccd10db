//! plugin-host: reads a document on standard input and writes it to
//! standard output through a pipeline of text-filter plugins, each a
//! WebAssembly component of the `plugin` world (`wit/plugin.wit`), in any
//! language.
//!
//! ```text
//! plugin-host [--set KEY=VALUE]... PLUGIN.wasm...
//! plugin-host --list PLUGIN.wasm...
//! ```
//!
//! Each plugin runs in a store of its own: it sees the host's `log` and
//! `setting` and nothing else (WASI with no files, no environment). Every
//! line goes through the first plugin; each line it emits goes through the
//! next, and so on; at the end each plugin's `finish` lines go on down the
//! rest of the pipeline.

mod bindings;

use bindings::Plugin;
use bindings::example::textfilter::host;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use wasmtime::component::{Component, HasSelf, Linker, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// What a plugin's store holds.
struct State {
    /// The plugin's file name, for its log lines.
    name: String,
    settings: Arc<HashMap<String, String>>,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// The `host` interface, as every plugin sees it.
impl host::Host for State {
    fn log(&mut self, message: String) {
        eprintln!("[{}] {message}", self.name);
    }
    fn setting(&mut self, key: String) -> Option<String> {
        self.settings.get(&key).cloned()
    }
}

/// One loaded plugin and its session over the document.
struct Stage {
    name: String,
    store: Store<State>,
    plugin: Plugin,
    session: ResourceAny,
}

impl Stage {
    fn load(
        engine: &Engine,
        linker: &Linker<State>,
        path: &str,
        settings: &Arc<HashMap<String, String>>,
    ) -> Result<Stage, String> {
        let name = std::path::Path::new(path)
            .file_stem()
            .map_or(path.to_string(), |s| s.to_string_lossy().into_owned());
        let component = Component::from_file(engine, path)
            .map_err(|e| format!("{path}: not a component this host can load: {e:#}"))?;
        let mut store = Store::new(
            engine,
            State {
                name: name.clone(),
                settings: settings.clone(),
                wasi: WasiCtx::builder().build(),
                table: ResourceTable::new(),
            },
        );
        let plugin = Plugin::instantiate(&mut store, &component, linker).map_err(|e| {
            format!("{path}: not a text-filter plugin (world `plugin` of wit/plugin.wit): {e:#}")
        })?;
        let session = plugin
            .example_textfilter_filter()
            .session()
            .call_constructor(&mut store)
            .map_err(|e| format!("{name}: cannot start a session: {e:#}"))?;
        Ok(Stage {
            name,
            store,
            plugin,
            session,
        })
    }

    fn push(&mut self, line: &str) -> Result<Vec<String>, String> {
        self.plugin
            .example_textfilter_filter()
            .session()
            .call_push(&mut self.store, self.session, line)
            .map_err(|e| format!("{}: failed on a line: {e:#}", self.name))
    }

    fn finish(&mut self) -> Result<Vec<String>, String> {
        let lines = self
            .plugin
            .example_textfilter_filter()
            .session()
            .call_finish(&mut self.store, self.session)
            .map_err(|e| format!("{}: failed to finish: {e:#}", self.name))?;
        self.session
            .resource_drop(&mut self.store)
            .map_err(|e| format!("{}: failed to end its session: {e:#}", self.name))?;
        Ok(lines)
    }
}

/// Sends `line` down `stages`, writing what comes out of the last one.
fn send(stages: &mut [Stage], line: String, out: &mut impl Write) -> Result<(), String> {
    let Some((first, rest)) = stages.split_first_mut() else {
        return writeln!(out, "{line}").map_err(|e| format!("cannot write the output: {e}"));
    };
    for emitted in first.push(&line)? {
        send(rest, emitted, out)?;
    }
    Ok(())
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut settings = HashMap::new();
    let mut plugins = Vec::new();
    let mut list = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => list = true,
            "--set" => {
                let pair = args.next().ok_or("--set needs KEY=VALUE")?;
                let (key, value) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--set {pair}: expected KEY=VALUE"))?;
                settings.insert(key.to_string(), value.to_string());
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ => plugins.push(arg),
        }
    }
    if plugins.is_empty() {
        return Err("no plugins given".to_string());
    }

    let engine = Engine::default();
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| e.to_string())?;
    Plugin::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)
        .map_err(|e| e.to_string())?;
    let settings = Arc::new(settings);
    let mut stages = plugins
        .iter()
        .map(|p| Stage::load(&engine, &linker, p, &settings))
        .collect::<Result<Vec<_>, _>>()?;

    if list {
        for stage in &mut stages {
            let about = stage
                .plugin
                .example_textfilter_filter()
                .call_about(&mut stage.store)
                .map_err(|e| format!("{}: {e:#}", stage.name))?;
            println!("{}: {}", about.name, about.description);
        }
        return Ok(());
    }

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("cannot read the input: {e}"))?;
        send(&mut stages, line, &mut out)?;
    }
    // Each plugin's last lines go through the plugins after it.
    for i in 0..stages.len() {
        let (done, rest) = stages.split_at_mut(i + 1);
        for line in done[i].finish()? {
            send(rest, line, &mut out)?;
        }
    }
    out.flush().map_err(|e| format!("cannot write the output: {e}"))
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("plugin-host: {message}");
            eprintln!(
                "usage: plugin-host [--set KEY=VALUE]... PLUGIN.wasm...\n       plugin-host --list PLUGIN.wasm..."
            );
            ExitCode::FAILURE
        }
    }
}
