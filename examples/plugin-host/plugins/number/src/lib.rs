//! The `number` plugin, in Rust: numbers the non-empty lines, from the
//! setting `number.start` (default 1); empty lines pass unnumbered.

wit_bindgen::generate!({ world: "plugin", path: "../../wit" });

use example::textfilter::host;
use exports::example::textfilter::filter::{Guest, GuestSession, Info};
use std::cell::Cell;

struct Number;

impl Guest for Number {
    type Session = Session;

    fn about() -> Info {
        Info {
            name: "number".to_string(),
            description: "numbers the non-empty lines (setting number.start, default 1)"
                .to_string(),
        }
    }
}

/// The next number to give.
struct Session {
    next: Cell<u64>,
}

impl GuestSession for Session {
    fn new() -> Session {
        let start = match host::setting("number.start") {
            None => 1,
            Some(text) => text.parse().unwrap_or_else(|_| {
                host::log(&format!("number.start `{text}` is not a number; starting at 1"));
                1
            }),
        };
        Session {
            next: Cell::new(start),
        }
    }

    fn push(&self, line: String) -> Vec<String> {
        if line.is_empty() {
            return vec![line];
        }
        let n = self.next.get();
        self.next.set(n + 1);
        vec![format!("{n:>4}  {line}")]
    }

    fn finish(&self) -> Vec<String> {
        Vec::new()
    }
}

export!(Number);
