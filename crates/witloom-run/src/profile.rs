//! Guest profiles (`--profile OUT`): wasmtime's guest profiler samples the
//! guest's stack at every epoch tick (a thread of ours bumps the epoch each
//! interval), and each sample's stack is also kept folded
//! (`outer;…;inner count`, function names from the name sections of the
//! component's core modules). At the end, `OUT.json` is the Firefox
//! profiler's processed format (open it at profiler.firefox.com) and
//! `OUT.svg` a flame graph drawn by `inferno` from the folded stacks.

use crate::RunError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wasmtime::{AsContext, Engine, GuestProfiler, WasmBacktrace};

/// Where a profile goes and how often the guest is sampled.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    /// `OUT`: the profile is written to `OUT.json` and `OUT.svg` (a
    /// `.json` or `.svg` given is dropped first).
    pub out: PathBuf,
    pub interval: Duration,
}

impl ProfileOptions {
    /// The two files written: the Firefox profile and the flame graph.
    pub fn files(&self) -> (PathBuf, PathBuf) {
        let base = match self.out.extension().and_then(|e| e.to_str()) {
            Some("json" | "svg") => self.out.with_extension(""),
            _ => self.out.clone(),
        };
        let with = |ext: &str| {
            let mut name = base.clone().into_os_string();
            name.push(ext);
            PathBuf::from(name)
        };
        (with(".json"), with(".svg"))
    }
}

/// The samples of one run.
pub struct Sampler {
    guest: GuestProfiler,
    /// Folded stacks and how many samples each got.
    folded: BTreeMap<String, u64>,
    last: Instant,
    /// `--timeout`'s deadline: the tick that passes it stops the guest, as
    /// the timeout's own epoch would have.
    deadline: Option<Instant>,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler")
            .field("stacks", &self.folded.len())
            .finish_non_exhaustive()
    }
}

impl Sampler {
    pub fn new(
        engine: &Engine,
        component: &wasmtime::component::Component,
        opts: &ProfileOptions,
        deadline: Option<Instant>,
    ) -> Result<Sampler, RunError> {
        let guest = GuestProfiler::new_component(
            engine,
            &title(&opts.out),
            opts.interval,
            component.clone(),
            [],
        )
        .map_err(|e| RunError::Engine {
            what: "start the guest profiler",
            source: e.into_boxed_dyn_error(),
        })?;
        Ok(Sampler {
            guest,
            folded: BTreeMap::new(),
            last: Instant::now(),
            deadline,
        })
    }

    /// Takes one sample of what `store` runs now. False once the deadline
    /// has passed.
    pub fn sample(&mut self, store: impl AsContext) -> bool {
        let now = Instant::now();
        let store = store.as_context();
        self.guest.sample(&store, now - self.last);
        self.last = now;
        let trace = WasmBacktrace::capture(&store);
        // Outermost first, as flame graphs fold them.
        let frames: Vec<String> = trace
            .frames()
            .iter()
            .rev()
            .map(|frame| {
                let module = frame.module().name().unwrap_or("wasm");
                match frame.func_name() {
                    // Rust's symbols demangled, without their hash.
                    Some(name) => match rustc_demangle::try_demangle(name) {
                        Ok(demangled) => {
                            format!("{module}::{}", without_hash(&demangled.to_string()))
                        }
                        Err(_) => format!("{module}::{name}"),
                    },
                    None => format!("{module}::func{}", frame.func_index()),
                }
                // `;` separates frames and a space ends the stack.
                .replace([';', ' '], "_")
            })
            .collect();
        if !frames.is_empty() {
            *self.folded.entry(frames.join(";")).or_default() += 1;
        }
        self.deadline.is_none_or(|d| now < d)
    }

    /// Writes `OUT.json` and `OUT.svg`; returns their paths.
    pub fn finish(self, opts: &ProfileOptions) -> Result<(PathBuf, PathBuf), RunError> {
        let (json, svg) = opts.files();
        let mut bytes = Vec::new();
        self.guest
            .finish(&mut bytes)
            .map_err(|e| RunError::Engine {
                what: "write the guest profile",
                source: e.into_boxed_dyn_error(),
            })?;
        write(&json, &bytes)?;
        let lines: Vec<String> = self
            .folded
            .iter()
            .map(|(stack, n)| format!("{stack} {n}"))
            .collect();
        let mut drawn = Vec::new();
        if lines.is_empty() {
            // inferno refuses an empty profile: say so in the picture.
            drawn.extend_from_slice(EMPTY_SVG.as_bytes());
        } else {
            let mut options = inferno::flamegraph::Options::default();
            options.title = format!("{} (guest profile)", title(&opts.out));
            options.count_name = "samples".to_string();
            inferno::flamegraph::from_lines(
                &mut options,
                lines.iter().map(String::as_str),
                &mut drawn,
            )
            .map_err(|e| RunError::Engine {
                what: "draw the flame graph",
                source: Box::new(e),
            })?;
        }
        write(&svg, &drawn)?;
        Ok((json, svg))
    }
}

/// A demangled Rust path without its trailing `::h` and 16 hex digits.
fn without_hash(path: &str) -> &str {
    match path.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head
        }
        _ => path,
    }
}

const EMPTY_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="10" y="25">no samples: the guest ran for less than one interval</text></svg>
"#;

fn title(out: &Path) -> String {
    out.file_stem()
        .map_or_else(|| "guest".to_string(), |s| s.to_string_lossy().into_owned())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    witloom_diag::io::write(path, bytes).map_err(RunError::from)
}
