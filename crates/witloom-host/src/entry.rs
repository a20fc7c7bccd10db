//! What a component is to a host, decided here once from what it exports:
//! a command (`wasi:cli/run`) or an HTTP handler (WASI 0.2's
//! `wasi:http/incoming-handler`, WASI 0.3's `wasi:http/handler`), and for
//! which WASI. Composition (which host an app needs), skeletons (which
//! function to fill), `run` and `serve` (what they refuse, and how they say
//! it) all ask [`Entry::among`], so none of them matches names of its own.

use semver::Version;

/// A WASI release line an entry point belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wasi {
    /// WASI 0.2 (`@0.2.x`): what `run` and `serve` link.
    P2,
    /// WASI 0.3 (`@0.3.x`): async entry points, which `run` runs and
    /// `serve` serves too.
    P3,
}

impl Wasi {
    /// The line `version` is on (`0.3.0`: `P3`), if it is one of WASI's.
    pub fn of(version: &Version) -> Option<Wasi> {
        match (version.major, version.minor) {
            (0, 2) => Some(Wasi::P2),
            (0, 3) => Some(Wasi::P3),
            _ => None,
        }
    }

    /// `0.2`, `0.3`.
    pub fn line(self) -> &'static str {
        match self {
            Wasi::P2 => "0.2",
            Wasi::P3 => "0.3",
        }
    }
}

/// The entry point a component exports, which says what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entry {
    /// A command: `wasi:cli/run`, whose `run` a host calls once.
    Command(Wasi),
    /// An HTTP handler: `wasi:http/incoming-handler` (0.2) or
    /// `wasi:http/handler` (0.3), whose `handle` a server calls per request.
    Http(Wasi),
}

impl Entry {
    /// The entry point that the export `name` (`wasi:cli/run@0.2.12`) is,
    /// if any.
    pub fn of_export(name: &str) -> Option<Entry> {
        let (interface, version) = name.split_once('@')?;
        let wasi = Wasi::of(&Version::parse(version).ok()?)?;
        match (interface, wasi) {
            ("wasi:cli/run", wasi) => Some(Entry::Command(wasi)),
            ("wasi:http/incoming-handler", Wasi::P2) => Some(Entry::Http(Wasi::P2)),
            ("wasi:http/handler", Wasi::P3) => Some(Entry::Http(Wasi::P3)),
            _ => None,
        }
    }

    /// The entry point among a component's or a world's exports: a
    /// handler before a command (one that exports both is served), and of
    /// two handlers the newer WASI's (as `wasmtime serve` picks).
    pub fn among<'a>(exports: impl IntoIterator<Item = &'a str>) -> Option<Entry> {
        let rank = |e: &Entry| (!e.is_http(), e.wasi() != Wasi::P3);
        exports
            .into_iter()
            .filter_map(Entry::of_export)
            .min_by_key(rank)
    }

    /// `wasi:cli/run`, `wasi:http/incoming-handler`, `wasi:http/handler`.
    pub fn interface(self) -> &'static str {
        match self {
            Entry::Command(_) => "wasi:cli/run",
            Entry::Http(Wasi::P2) => "wasi:http/incoming-handler",
            Entry::Http(Wasi::P3) => "wasi:http/handler",
        }
    }

    /// The function of [`Entry::interface`] a host calls.
    pub fn function(self) -> &'static str {
        match self {
            Entry::Command(_) => "run",
            Entry::Http(_) => "handle",
        }
    }

    /// Its WASI.
    pub fn wasi(self) -> Wasi {
        match self {
            Entry::Command(w) | Entry::Http(w) => w,
        }
    }

    /// Whether an app with this entry point is served (`witloom serve`)
    /// rather than run.
    pub fn is_http(self) -> bool {
        matches!(self, Entry::Http(_))
    }

    /// `a WASI 0.3 command (wasi:cli/run@0.3.x)`, for messages.
    pub fn describe(self) -> String {
        let what = match self {
            Entry::Command(_) => "command",
            Entry::Http(_) => "HTTP handler",
        };
        let line = self.wasi().line();
        format!("a WASI {line} {what} (`{}@{line}.x`)", self.interface())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_points_by_export_name() {
        let e = Entry::of_export;
        assert_eq!(e("wasi:cli/run@0.2.6"), Some(Entry::Command(Wasi::P2)));
        assert_eq!(e("wasi:cli/run@0.3.0"), Some(Entry::Command(Wasi::P3)));
        assert_eq!(
            e("wasi:http/incoming-handler@0.2.12"),
            Some(Entry::Http(Wasi::P2))
        );
        assert_eq!(e("wasi:http/handler@0.3.0"), Some(Entry::Http(Wasi::P3)));
        // Not entry points: other interfaces, unversioned, other lines.
        assert_eq!(e("wasi:http/handler@0.2.0"), None);
        assert_eq!(e("wasi:cli/run"), None);
        assert_eq!(e("wasi:cli/run@1.0.0"), None);
        assert_eq!(e("wasi:cli/environment@0.2.12"), None);
        assert_eq!(e("my:app/run@0.2.0"), None);
    }

    #[test]
    fn a_handler_before_a_command_and_the_newer_wasi_first() {
        assert_eq!(
            Entry::among(["wasi:cli/run@0.2.12", "wasi:http/incoming-handler@0.2.12"]),
            Some(Entry::Http(Wasi::P2))
        );
        assert_eq!(
            Entry::among(["wasi:cli/run@0.3.0", "wasi:http/incoming-handler@0.2.12"]),
            Some(Entry::Http(Wasi::P2))
        );
        assert_eq!(
            Entry::among(["wasi:http/handler@0.3.0", "wasi:cli/run@0.2.12"]),
            Some(Entry::Http(Wasi::P3))
        );
        assert_eq!(
            Entry::among([
                "wasi:http/incoming-handler@0.2.12",
                "wasi:http/handler@0.3.0"
            ]),
            Some(Entry::Http(Wasi::P3))
        );
        assert_eq!(Entry::among(["my:app/api@1.0.0"]), None);
        assert_eq!(
            Entry::Command(Wasi::P3).describe(),
            "a WASI 0.3 command (`wasi:cli/run@0.3.x`)"
        );
    }
}
