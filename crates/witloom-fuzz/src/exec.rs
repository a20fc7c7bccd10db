//! One case, one process: run `witloom` with a deadline, kill its process
//! group when the deadline passes, and read how it ended and how much
//! memory it peaked at (from the kernel's accounting, `wait4`).

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How one process ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The exit code, if it exited.
    pub code: Option<i32>,
    /// The signal that ended it, if one did (not counting our own kill at
    /// the deadline).
    pub signal: Option<i32>,
    /// Killed at the deadline.
    pub timed_out: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Peak resident set, KiB.
    pub peak_rss_kib: u64,
    pub elapsed: Duration,
}

impl Outcome {
    /// Rust's panic message, or the exit code a panic gives.
    pub fn panicked(&self) -> bool {
        self.code == Some(101) || String::from_utf8_lossy(&self.stderr).contains("panicked at")
    }

    /// How it ended, as a histogram key: `0`, `1`, `signal 6`, `timeout`.
    pub fn key(&self) -> String {
        match (self.timed_out, self.code, self.signal) {
            (true, _, _) => "timeout".to_string(),
            (_, Some(c), _) => c.to_string(),
            (_, _, Some(s)) => format!("signal {s}"),
            _ => "unknown".to_string(),
        }
    }
}

/// Runs `cmd` (stdin closed, output captured) until it ends or `timeout`
/// passes, when its whole process group is killed.
pub fn exec(mut cmd: Command, timeout: Duration) -> std::io::Result<Outcome> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    // Drain the pipes on threads: a child that fills one would block.
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || drain(out));
    let err = std::thread::spawn(move || drain(err));
    let mut timed_out = false;
    // Until the child ends (seen without reaping it, so its process group
    // id cannot be taken by another group yet) or the deadline passes.
    while !exited(pid)? {
        if start.elapsed() > timeout {
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // Whatever is left of the group goes: a stuck child at the deadline,
    // or grandchildren that would hold the pipes open.
    kill_group(pid);
    let (status, rss) = wait4(pid)?;
    // The child is reaped; `Child` must not wait on it again.
    drop(child);
    let status = std::process::ExitStatus::from_raw(status);
    Ok(Outcome {
        code: status.code(),
        signal: if timed_out { None } else { status.signal() },
        timed_out,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        peak_rss_kib: rss,
        elapsed: start.elapsed(),
    })
}

/// Reads a pipe to its end, keeping the first MiB.
fn drain(mut pipe: impl Read) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut buf) {
        if n == 0 {
            break;
        }
        let room = (1usize << 20).saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    kept
}

fn kill_group(pid: libc::pid_t) {
    // SAFETY: kill(2) takes plain integers; a group that is gone is ESRCH.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

/// Whether child `pid` has ended, asked with `waitid(2)` and `WNOWAIT`:
/// it stays a zombie until [`wait4`] reaps it.
fn exited(pid: libc::pid_t) -> std::io::Result<bool> {
    // SAFETY: an all-zero siginfo_t is a valid value of the plain C struct.
    #[allow(unsafe_code)]
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: `info` is a live local of the right type.
    #[allow(unsafe_code)]
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: after a successful waitid, si_pid is set (0: still running).
    #[allow(unsafe_code)]
    let who = unsafe { info.si_pid() };
    Ok(who != 0)
}

/// `wait4(2)` on one child, blocking: its raw status and peak RSS (KiB).
fn wait4(pid: libc::pid_t) -> std::io::Result<(i32, u64)> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of the plain C struct.
    #[allow(unsafe_code)]
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals of the right types.
    #[allow(unsafe_code)]
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r == pid {
        Ok((status, usage.ru_maxrss.max(0) as u64))
    } else {
        Err(std::io::Error::last_os_error())
    }
}
