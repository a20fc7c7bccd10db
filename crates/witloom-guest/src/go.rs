//! Go guests: bindings from the `wit-bindgen-go` crate, built by Go's
//! wasip1 port as a reactor (`-buildmode=c-shared`), then componentized.

use crate::toolchain::{Toolchain, version_line, which};
use crate::{Backend, Compiled, Guest, GuestError, Language};
use std::path::Path;

pub(crate) struct Go;

/// Go's `//go:wasmexport` and wasip1 `-buildmode=c-shared` need 1.25.
pub(crate) const MIN_GO: (u32, u32) = (1, 25);

impl Backend for Go {
    fn toolchain(&self) -> Toolchain {
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
        tc.program = Some(go);
        tc
    }

    fn bindings(&self, guest: &Guest<'_>, _dir: &Path) -> Result<(), GuestError> {
        Err(GuestError::Input {
            component: guest.name.to_string(),
            message: "Go guests are not built yet".to_string(),
        })
    }

    fn compile(
        &self,
        guest: &Guest<'_>,
        _bindings: &Path,
        _tc: &Toolchain,
    ) -> Result<Compiled, GuestError> {
        Err(GuestError::Input {
            component: guest.name.to_string(),
            message: "Go guests are not built yet".to_string(),
        })
    }
}

/// `go version go1.26.8 linux/amd64` → `(1, 26)`.
pub(crate) fn parse_go_version(output: &str) -> Option<(u32, u32)> {
    let v = output
        .split_whitespace()
        .find_map(|w| w.strip_prefix("go1."))?;
    let minor: String = v.chars().take_while(char::is_ascii_digit).collect();
    Some((1, minor.parse().ok()?))
}
