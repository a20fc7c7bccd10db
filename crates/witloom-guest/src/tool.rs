//! Running a toolchain's program: each line it writes on stderr is passed
//! on as it is written (`witloom build --verbose` shows them live), and
//! both its outputs are kept for the error, should it fail.

use crate::{Guest, GuestError, Progress};
use std::io::{BufRead, Read};
use std::process::{Command, ExitStatus, Stdio};

/// What a finished program left.
pub(crate) struct Ran {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The command as run, for messages.
    pub shown: String,
}

/// Runs `cmd` to its end; an error only if it cannot be started.
pub(crate) fn run(guest: &Guest<'_>, cmd: &mut Command) -> Result<Ran, GuestError> {
    let shown = format!("{cmd:?}");
    let cannot_start = |e: std::io::Error| GuestError::Compile {
        component: guest.name.to_string(),
        language: guest.language,
        command: shown.clone(),
        output: format!("cannot start it: {e}"),
    };
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(cannot_start)?;
    let mut out = child.stdout.take().expect("stdout is piped");
    let err = child.stderr.take().expect("stderr is piped");
    let (stdout, stderr) = std::thread::scope(|scope| {
        // Both pipes are drained at once: a program that fills one while
        // witloom waits on the other would never end.
        let stdout = scope.spawn(move || {
            let mut bytes = Vec::new();
            let _ = out.read_to_end(&mut bytes);
            bytes
        });
        let mut stderr = Vec::new();
        let mut reader = std::io::BufReader::new(err);
        loop {
            let start = stderr.len();
            match reader.read_until(b'\n', &mut stderr) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&stderr[start..]);
                    (guest.report)(Progress::Output(line.trim_end_matches(['\n', '\r'])));
                }
            }
        }
        (stdout.join().unwrap_or_default(), stderr)
    });
    let status = child.wait().map_err(cannot_start)?;
    Ok(Ran {
        status,
        stdout,
        stderr,
        shown,
    })
}

/// Runs a compiler to its end. Its failure is the guest's
/// [`GuestError::Compile`], with its output (stderr, then stdout) as
/// `tell` puts it in the user's terms (the identity for a compiler that
/// already does).
pub(crate) fn compile(
    guest: &Guest<'_>,
    cmd: &mut Command,
    tell: impl FnOnce(String) -> String,
) -> Result<(), GuestError> {
    let ran = run(guest, cmd)?;
    if ran.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&ran.stderr).into_owned();
    output.push_str(&String::from_utf8_lossy(&ran.stdout));
    Err(GuestError::Compile {
        component: guest.name.to_string(),
        language: guest.language,
        command: ran.shown,
        output: tell(output),
    })
}
