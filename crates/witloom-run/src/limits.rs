//! Limits as users write them (`64MiB`, `500ms`), the store limiter and
//! the timer that interrupts a guest through wasmtime's epochs, and the
//! one place that names the limit a failed guest ran into.

use crate::RunError;
use std::sync::mpsc;
use std::time::Duration;
use wasmtime::{Engine, Trap};

/// How much a guest may use: per run for `witloom run`, per request for
/// `witloom serve`. `None` is no limit.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// The most linear memory (bytes) the guest may have, per memory.
    pub max_memory: Option<usize>,
    /// Wall-clock time (epoch interruption).
    pub timeout: Option<Duration>,
    /// Fuel (roughly, wasm instructions).
    pub fuel: Option<u64>,
    /// The most stack wasm code may use (bytes).
    pub max_wasm_stack: Option<usize>,
}

impl Limits {
    /// Sets what `self` needs in an engine's configuration.
    pub fn configure(&self, config: &mut wasmtime::Config) {
        if self.timeout.is_some() {
            config.epoch_interruption(true);
        }
        if self.fuel.is_some() {
            config.consume_fuel(true);
        }
        if let Some(stack) = self.max_wasm_stack {
            config.max_wasm_stack(stack);
            // Async calls (serve) run on a fiber whose stack must hold the
            // wasm stack and the host's frames beside it.
            config.async_stack_size(DEFAULT_ASYNC_STACK.max(stack.saturating_add(1 << 20)));
        }
    }

    /// `--timeout` reached while the guest waited rather than ran (for a
    /// host future, a sleep, a read), so no epoch deadline could stop it.
    pub(crate) fn waited_too_long(&self) -> RunError {
        RunError::Limit {
            limit: "--timeout",
            detail: format!(
                "stopped after {}, while the guest was waiting (for the host, a timer or another task)",
                self.timeout.map_or("the time limit".into(), show_duration)
            ),
        }
    }

    /// What a guest's failure means under these limits: the limit it ran
    /// into (by its flag), or the trap, classified by the error's type.
    pub fn explain(&self, e: wasmtime::Error) -> RunError {
        if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            return RunError::Exited(exit.0);
        }
        if let Some(hit) = e.downcast_ref::<MemoryLimit>() {
            return RunError::Limit {
                limit: "--max-memory",
                detail: format!(
                    "the guest asked for more memory than it may have ({})",
                    show_size(hit.max)
                ),
            };
        }
        match e.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => RunError::Limit {
                limit: "--timeout",
                detail: format!(
                    "stopped after {}",
                    self.timeout.map_or("the time limit".into(), show_duration)
                ),
            },
            Some(Trap::OutOfFuel) => RunError::Limit {
                limit: "--fuel",
                detail: format!("ran out of fuel ({})", self.fuel.unwrap_or(0)),
            },
            Some(Trap::AsyncDeadlock) => RunError::Deadlock(crate::cause(e)),
            Some(Trap::StackOverflow) => RunError::Limit {
                limit: "--max-wasm-stack",
                detail: "the wasm stack overflowed (runaway recursion?)".to_string(),
            },
            _ => RunError::Trap(crate::cause(e)),
        }
    }
}

/// A limit as the user wrote it does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseLimitError {
    #[error("`{0}` is not a size; write e.g. 64MiB, 512KiB or 1048576")]
    NotASize(String),
    #[error("unknown size unit `{unit}` in `{input}`; use B, KiB, MiB or GiB")]
    SizeUnit { unit: String, input: String },
    #[error("`{0}` is too large")]
    TooLarge(String),
    #[error("`{input}` is outside the {} a wasm stack may have", stack_range())]
    StackRange { input: String },
    #[error("`{0}` is not a duration; write e.g. 500ms or 2s")]
    NotADuration(String),
    #[error("`{0}` needs a unit: ms, s or m")]
    NoDurationUnit(String),
    #[error("unknown duration unit `{unit}` in `{input}`; use ms, s or m")]
    DurationUnit { unit: String, input: String },
}

/// `64MiB`, `512KiB`, `1GiB`, `1000000` (bytes); also `KB`/`MB`/`GB`
/// (powers of 1000).
pub fn parse_size(s: &str) -> Result<usize, ParseLimitError> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits
        .parse()
        .map_err(|_| ParseLimitError::NotASize(s.to_string()))?;
    let mult: usize = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        other => {
            return Err(ParseLimitError::SizeUnit {
                unit: other.to_string(),
                input: s.to_string(),
            });
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| ParseLimitError::TooLarge(s.to_string()))
}

/// wasmtime's default fiber stack for async calls.
const DEFAULT_ASYNC_STACK: usize = 2 << 20;

/// The range `--max-wasm-stack` takes. A command runs on the process's
/// main thread, whose stack (8 MiB by default) also holds the host's
/// frames, so wasm gets at most half of it; below a few KiB no guest gets
/// past its first call.
pub const WASM_STACK_RANGE: std::ops::RangeInclusive<usize> = (4 << 10)..=(4 << 20);

/// [`WASM_STACK_RANGE`] as it is written: `4KiB..4MiB`.
fn stack_range() -> String {
    format!(
        "{}..{}",
        show_size(*WASM_STACK_RANGE.start()),
        show_size(*WASM_STACK_RANGE.end())
    )
}

/// A `--max-wasm-stack` size: [`parse_size`] within [`WASM_STACK_RANGE`].
pub fn parse_wasm_stack(s: &str) -> Result<usize, ParseLimitError> {
    let n = parse_size(s)?;
    if WASM_STACK_RANGE.contains(&n) {
        Ok(n)
    } else {
        Err(ParseLimitError::StackRange {
            input: s.to_string(),
        })
    }
}

/// `500ms`, `2s`, `1m`.
pub fn parse_duration(s: &str) -> Result<Duration, ParseLimitError> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| ParseLimitError::NotADuration(s.to_string()))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "" => Err(ParseLimitError::NoDurationUnit(s.to_string())),
        other => Err(ParseLimitError::DurationUnit {
            unit: other.to_string(),
            input: s.to_string(),
        }),
    }
}

pub(crate) fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

pub(crate) fn show_size(n: usize) -> String {
    for (unit, size) in [("GiB", 1usize << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{}{unit}", n / size);
        }
    }
    format!("{n} bytes")
}

/// A store's limiter: linear memory capped at `max` bytes per memory
/// (`--max-memory`). Growing past it traps with [`MemoryLimit`], a typed
/// error [`Limits::explain`] recognizes by type.
#[derive(Debug, Default)]
pub struct MemoryLimiter {
    pub max: Option<usize>,
}

/// A guest asked for more memory than `--max-memory` allows.
#[derive(Debug, thiserror::Error)]
#[error("the guest asked for {desired} bytes of memory; it may have {max}")]
pub struct MemoryLimit {
    pub desired: usize,
    pub max: usize,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        match self.max {
            Some(max) if desired > max => Err(wasmtime::Error::new(MemoryLimit { desired, max })),
            _ => Ok(true),
        }
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// Bumps the engine's epoch once `after` has passed, which interrupts the
/// guest (its store's deadline is one epoch). Dropping the timer cancels
/// it, so a finished run leaves no thread behind.
#[derive(Debug)]
pub struct Timer {
    cancel: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Timer {
    pub fn start(engine: Engine, after: Duration) -> Timer {
        Timer::spawn(engine, after, false)
    }

    /// Bumps the epoch every `interval` until dropped (`--profile`'s
    /// samples).
    pub fn every(engine: Engine, interval: Duration) -> Timer {
        Timer::spawn(engine, interval, true)
    }

    fn spawn(engine: Engine, after: Duration, repeat: bool) -> Timer {
        let (cancel, cancelled) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(after) {
                engine.increment_epoch();
                if !repeat {
                    break;
                }
            }
        });
        Timer {
            cancel: Some(cancel),
            thread: Some(thread),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        drop(self.cancel.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(
            parse_size("64 parsecs").unwrap_err().to_string(),
            "unknown size unit `parsecs` in `64 parsecs`; use B, KiB, MiB or GiB"
        );
        assert_eq!(
            parse_wasm_stack("1KiB").unwrap_err().to_string(),
            "`1KiB` is outside the 4KiB..4MiB a wasm stack may have"
        );
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(
            parse_duration("2"),
            Err(ParseLimitError::NoDurationUnit("2".to_string()))
        );
        assert_eq!(show_size(64 << 20), "64MiB");
        assert_eq!(show_duration(Duration::from_millis(500)), "500ms");
    }
}
