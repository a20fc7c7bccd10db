//! Finding each language's toolchain, its version, and what is missing,
//! with the exact command that installs it. `witloom doctor` prints these;
//! an [`App`](crate::App) takes one snapshot of them, which builds use both
//! to fingerprint and to compile; builds refuse to start without them.

use std::path::{Path, PathBuf};
use std::process::Command;
use witloom_manifest::Language;

const APT: &str = "sudo apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32";

/// The Rust target guests are built for: it links a component itself.
pub const RUST_TARGET: &str = "wasm32-wasip2";

/// Go's `//go:wasmexport` and wasip1 `-buildmode=c-shared` need 1.25.
pub const MIN_GO: (u32, u32) = (1, 25);

/// The componentize-py release Python guests are built with (from PyPI;
/// it embeds CPython 3.14 in the component).
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// Where witloom keeps the toolchains it installs for itself, apart from
/// the user's own (componentize-py in a virtual environment of its own):
/// `$WITLOOM_TOOLCHAINS`, else `$XDG_DATA_HOME/witloom/toolchains`, else
/// `~/.local/share/witloom/toolchains`.
pub fn toolchains_dir() -> Option<PathBuf> {
    let absolute = |v: &str| {
        std::env::var_os(v)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    absolute("WITLOOM_TOOLCHAINS")
        .or_else(|| absolute("XDG_DATA_HOME").map(|d| d.join("witloom/toolchains")))
        .or_else(|| absolute("HOME").map(|h| h.join(".local/share/witloom/toolchains")))
}

/// The virtual environment witloom installs componentize-py into.
pub fn componentize_py_env() -> Option<PathBuf> {
    toolchains_dir().map(|d| d.join(format!("componentize-py-{COMPONENTIZE_PY}")))
}

/// The command that installs componentize-py where witloom looks first.
pub fn componentize_py_install() -> String {
    match componentize_py_env() {
        Some(env) => format!(
            "python3 -m venv {env} && {env}/bin/pip install componentize-py=={COMPONENTIZE_PY}",
            env = env.display()
        ),
        None => format!("pip install componentize-py=={COMPONENTIZE_PY}"),
    }
}

/// The componentize-js release JavaScript guests are built with (from npm,
/// `@bytecodealliance/componentize-js`; StarlingMonkey, on SpiderMonkey).
pub const COMPONENTIZE_JS: &str = "0.23.0";

/// The release of jco's transpiler package (`@bytecodealliance/
/// jco-transpile`) whose type generator writes JavaScript guests'
/// TypeScript declarations for editors; installed beside componentize-js
/// (which depends on jco, and so on it) at this pinned release.
pub const JCO_TRANSPILE: &str = "0.15.0";

/// The oldest Node.js componentize-js runs on.
pub const MIN_NODE: u32 = 18;

/// The npm prefix witloom installs componentize-js into.
pub fn componentize_js_dir() -> Option<PathBuf> {
    toolchains_dir().map(|d| d.join(format!("componentize-js-{COMPONENTIZE_JS}")))
}

/// The command that installs componentize-js where witloom looks for it.
pub fn componentize_js_install() -> String {
    match componentize_js_dir() {
        Some(dir) => format!(
            "npm install --prefix {} --no-audit --no-fund @bytecodealliance/componentize-js@{COMPONENTIZE_JS} @bytecodealliance/jco-transpile@{JCO_TRANSPILE}",
            dir.display()
        ),
        None => format!(
            "set HOME or WITLOOM_TOOLCHAINS, then npm install --prefix $WITLOOM_TOOLCHAINS/componentize-js-{COMPONENTIZE_JS} @bytecodealliance/componentize-js@{COMPONENTIZE_JS} @bytecodealliance/jco-transpile@{JCO_TRANSPILE}"
        ),
    }
}

/// A language's toolchain as found on this machine.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub language: Language,
    /// The compiler or build tool that drives the build.
    pub program: Option<PathBuf>,
    /// Its version, as it reports it.
    pub version: Option<String>,
    /// Where it looks for what else it needs (sysroot, target).
    pub detail: Option<String>,
    /// What is missing, with how to install it; empty when ready.
    pub missing: Vec<Missing>,
    /// Flags the build passes to `program` (the C target and sysroot).
    pub args: Vec<String>,
}

/// Something a toolchain lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub what: String,
    pub install: String,
}

impl Toolchain {
    fn new(language: Language) -> Self {
        Toolchain {
            language,
            program: None,
            version: None,
            detail: None,
            missing: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Whether everything needed is there.
    pub fn ready(&self) -> bool {
        self.missing.is_empty()
    }

    fn lacks(&mut self, what: impl Into<String>, install: impl Into<String>) {
        self.missing.push(Missing {
            what: what.into(),
            install: install.into(),
        });
    }

    /// A string that changes whenever the toolchain does, for build caches:
    /// its version and flags. Not its path: the rustup proxy and the
    /// toolchain's own cargo are the same compiler.
    pub fn fingerprint(&self) -> String {
        format!("{}|{:?}|{:?}", self.language, self.version, self.args)
    }
}

/// Finds `program` on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The first line of `program args…`'s output, if it runs and succeeds.
fn version_line(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&out.stderr).into_owned()
    } else {
        text.into_owned()
    };
    text.lines().next().map(|l| l.trim().to_string())
}

/// Finds `language`'s toolchain on this machine, and says what is missing.
pub fn detect(language: Language) -> Toolchain {
    match language {
        Language::C => c(),
        Language::Rust => rust(),
        Language::Go => go(),
        Language::Python => python(),
        Language::Js => js(),
    }
}

fn c() -> Toolchain {
    let mut tc = Toolchain::new(Language::C);
    if let Some(sdk) = std::env::var_os("WASI_SDK_PATH") {
        let sdk = PathBuf::from(sdk);
        let clang = sdk.join("bin/clang");
        let sysroot = sdk.join("share/wasi-sysroot");
        if !clang.is_file() {
            tc.lacks(
                format!(
                    "WASI_SDK_PATH is `{}`, which has no bin/clang",
                    sdk.display()
                ),
                "point WASI_SDK_PATH at a wasi-sdk, or unset it to use the system clang",
            );
            return tc;
        }
        tc.version = version_line(&clang, &["--version"]);
        tc.detail = Some(format!("wasi-sdk at {}", sdk.display()));
        tc.args = vec![
            "--target=wasm32-wasip1".into(),
            format!("--sysroot={}", sysroot.display()),
        ];
        tc.program = Some(clang);
        return tc;
    }
    let Some(clang) = which("clang") else {
        tc.lacks("clang is not installed", APT);
        return tc;
    };
    tc.version = version_line(&clang, &["--version"]);
    tc.args = vec!["--target=wasm32-wasi".into()];
    let sysroot = Path::new("/usr/lib/wasm32-wasi");
    if !sysroot.join("libc.a").is_file() {
        tc.lacks(
            "the wasi-libc sysroot (/usr/lib/wasm32-wasi) is missing",
            APT,
        );
    }
    if which("wasm-ld").is_none() {
        tc.lacks("wasm-ld (lld) is not installed", APT);
    }
    let builtins = Command::new(&clang)
        .args(["--target=wasm32-wasi", "-print-libgcc-file-name"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if !builtins.as_deref().is_some_and(Path::is_file) {
        tc.lacks("compiler-rt's wasm32 builtins are missing", APT);
    }
    tc.detail = Some(format!("sysroot {}", sysroot.display()));
    tc.program = Some(clang);
    tc
}

fn cargo_program() -> Option<PathBuf> {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| which("cargo"))
}

fn rust() -> Toolchain {
    let mut tc = Toolchain::new(Language::Rust);
    let Some(cargo) = cargo_program() else {
        tc.lacks(
            "cargo is not installed",
            "install Rust with rustup, then: rustup target add wasm32-wasip2",
        );
        return tc;
    };
    let rustc = which("rustc").unwrap_or_else(|| PathBuf::from("rustc"));
    tc.version = version_line(&rustc, &["--version"]);
    // The target's standard library lives in the sysroot, with or
    // without rustup.
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let has_target = sysroot
        .as_ref()
        .is_some_and(|s| s.join("lib/rustlib").join(RUST_TARGET).is_dir());
    if !has_target {
        tc.lacks(
            format!("the Rust target {RUST_TARGET} is not installed"),
            format!("rustup target add {RUST_TARGET}"),
        );
    }
    tc.detail = Some(format!("target {RUST_TARGET}"));
    tc.program = Some(cargo);
    tc
}

fn go() -> Toolchain {
    let mut tc = Toolchain::new(Language::Go);
    let install = format!(
        "install Go {}.{} or newer from go.dev/dl and put `go` on PATH",
        MIN_GO.0, MIN_GO.1
    );
    let Some(go) = which("go") else {
        tc.lacks("Go is not installed", install);
        return tc;
    };
    tc.version = version_line(&go, &["version"]);
    match tc.version.as_deref().and_then(parse_go_version) {
        Some(v) if v >= MIN_GO => {}
        Some((major, minor)) => tc.lacks(format!("Go {major}.{minor} is too old"), install),
        None => tc.lacks("`go version` did not say which Go this is", install),
    }
    tc.detail = Some("GOOS=wasip1 GOARCH=wasm".to_string());
    tc.program = Some(go);
    tc
}

/// componentize-py: witloom's own (see [`componentize_py_env`]) first,
/// else one on `PATH` of the same minor release (another may generate
/// other names for the same WIT).
fn python() -> Toolchain {
    let mut tc = Toolchain::new(Language::Python);
    let own = componentize_py_env()
        .map(|env| env.join("bin/componentize-py"))
        .filter(|p| p.is_file());
    let Some(program) = own.or_else(|| which("componentize-py")) else {
        tc.lacks(
            "componentize-py is not installed",
            componentize_py_install(),
        );
        return tc;
    };
    tc.version = version_line(&program, &["--version"]);
    let minor = COMPONENTIZE_PY
        .rsplit_once('.')
        .map_or(COMPONENTIZE_PY, |(m, _)| m);
    let found = tc
        .version
        .as_deref()
        .and_then(|v| v.split_whitespace().nth(1))
        .unwrap_or("");
    if found.rsplit_once('.').map(|(m, _)| m) != Some(minor) {
        tc.lacks(
            format!(
                "`{}` is componentize-py {}, not the {minor} line witloom builds with",
                program.display(),
                if found.is_empty() {
                    "of no known version"
                } else {
                    found
                }
            ),
            componentize_py_install(),
        );
    }
    tc.detail = Some("embeds CPython; module `app`".to_string());
    tc.program = Some(program);
    tc
}

/// Node.js, with componentize-js installed in witloom's own npm prefix
/// ([`componentize_js_dir`]; never the user's global npm). `program` is
/// `node`; `args` name componentize-js's command line.
fn js() -> Toolchain {
    let mut tc = Toolchain::new(Language::Js);
    let node_install = format!("install Node.js {MIN_NODE} or newer and put `node` on PATH");
    let Some(node) = which("node") else {
        tc.lacks("Node.js is not installed", node_install);
        return tc;
    };
    let node_version = version_line(&node, &["--version"]);
    let major = node_version.as_deref().and_then(|v| {
        v.trim_start_matches('v')
            .split('.')
            .next()?
            .parse::<u32>()
            .ok()
    });
    match major {
        Some(m) if m >= MIN_NODE => {}
        _ => tc.lacks(
            format!(
                "Node.js {} is too old",
                node_version.as_deref().unwrap_or("of no known version")
            ),
            node_install,
        ),
    }
    let package =
        componentize_js_dir().map(|d| d.join("node_modules/@bytecodealliance/componentize-js"));
    let version_of = |p: &Path| {
        let manifest = std::fs::read_to_string(p.join("package.json")).ok()?;
        let json: serde_json::Value = serde_json::from_str(&manifest).ok()?;
        Some(json.get("version")?.as_str()?.to_string())
    };
    let installed = package.as_deref().and_then(version_of);
    let typegen = componentize_js_dir()
        .map(|d| d.join("node_modules/@bytecodealliance/jco-transpile"))
        .as_deref()
        .and_then(version_of);
    tc.version = Some(format!(
        "componentize-js {} on node {}",
        installed.as_deref().unwrap_or("-"),
        node_version.as_deref().unwrap_or("-")
    ));
    match (&installed, &package) {
        (Some(v), Some(p)) if v == COMPONENTIZE_JS => {
            tc.args = vec![p.join("src/cli.js").display().to_string()];
            if typegen.as_deref() != Some(JCO_TRANSPILE) {
                tc.lacks(
                    format!(
                        "jco-transpile {JCO_TRANSPILE} (the generator of editor types) is not installed beside componentize-js{}",
                        typegen.map(|v| format!(" ({v} is)")).unwrap_or_default()
                    ),
                    componentize_js_install(),
                );
            }
        }
        (Some(v), _) => tc.lacks(
            format!("componentize-js {v} is installed, not {COMPONENTIZE_JS}"),
            componentize_js_install(),
        ),
        (None, _) => tc.lacks(
            "componentize-js is not installed",
            componentize_js_install(),
        ),
    }
    tc.detail = Some("StarlingMonkey; module `app.js`".to_string());
    tc.program = Some(node);
    tc
}

/// `go version go1.26.8 linux/amd64` → `(1, 26)`.
fn parse_go_version(output: &str) -> Option<(u32, u32)> {
    let v = output
        .split_whitespace()
        .find_map(|w| w.strip_prefix("go1."))?;
    let minor: String = v.chars().take_while(char::is_ascii_digit).collect();
    Some((1, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::parse_go_version;

    #[test]
    fn go_versions() {
        assert_eq!(
            parse_go_version("go version go1.26.8 linux/amd64"),
            Some((1, 26))
        );
        assert_eq!(
            parse_go_version("go version go1.25rc1 linux/amd64"),
            Some((1, 25))
        );
        assert_eq!(parse_go_version("go version devel"), None);
    }
}
