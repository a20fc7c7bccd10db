//! The hostile client: a case's bytes written on a fresh connection (on a
//! thread, piece by piece), the answer read up to its first status line,
//! and slow clients watched on threads of their own. Every read and write
//! is under a deadline.

use super::cases::Case;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the health check's GET may take.
pub(super) const HEALTH_DEADLINE: Duration = Duration::from_secs(5);
/// A slow client's connection must be closed by then: witloom-serve's
/// header read timeout (30 s) plus slack for a loaded machine.
pub(super) const SLOW_CLIENT_BOUND: Duration = Duration::from_secs(40);
/// Responses are read only this far: the status lines are what counts.
const READ_CAP: usize = 256 << 10;

/// How a connection ended, as far as the reader saw.
#[derive(Debug, Clone)]
pub(super) enum End {
    /// The status of the first answer.
    Status(u16),
    /// Closed before any answer.
    Closed,
    Reset,
    /// Bytes that are not an HTTP/1 status line.
    Garbage,
    /// Neither an answer nor a close within the deadline.
    NoAnswer,
    /// The connection could not be made.
    Refused,
    /// Answered, but the connection was still open at the slow-client
    /// bound.
    HeldOpen(u16),
}

pub(super) struct Answer {
    pub end: End,
    /// What was read and how the writing went, for reproducers.
    pub note: String,
}

impl Answer {
    pub fn key(&self, deadline: Duration) -> String {
        End::key_of(&self.end, deadline)
    }
}

impl End {
    pub fn key_of(end: &End, deadline: Duration) -> String {
        match end {
            End::Status(s) => format!("http {s}"),
            End::Closed => "closed".to_string(),
            End::Reset => "reset".to_string(),
            End::Garbage => "garbage answer".to_string(),
            End::NoAnswer => format!("no answer within {}s", deadline.as_secs()),
            End::Refused => "connect refused".to_string(),
            End::HeldOpen(s) => format!("http {s}, then held open"),
        }
    }
}

/// Sends `case` on a fresh connection and reads until the first status
/// line, a close, or `deadline`.
pub(super) fn send(addr: SocketAddr, case: &Case, deadline: Duration) -> Answer {
    let stream = match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
        Ok(s) => s,
        Err(e) => {
            return Answer {
                end: End::Refused,
                note: format!("connect: {e}"),
            };
        }
    };
    let start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = spawn_writer(&stream, case, deadline, stop.clone());
    let (end, read) = read_status(&stream, start + deadline, &stop);
    stop.store(true, Ordering::Relaxed);
    // Unblocks a writer still pushing a large body.
    let _ = stream.shutdown(Shutdown::Both);
    let wrote = writer.map_or_else(
        |e| format!("writer not started: {e}"),
        |w| w.join().unwrap_or_else(|_| "writer panicked".to_string()),
    );
    Answer {
        end,
        note: format!(
            "{wrote}\nread {} bytes: {:?}",
            read.len(),
            String::from_utf8_lossy(&read[..read.len().min(600)])
        ),
    }
}

/// Writes the case's pieces on a clone of `stream`, on a thread; returns
/// what happened, in words.
fn spawn_writer(
    stream: &TcpStream,
    case: &Case,
    deadline: Duration,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<String>> {
    let mut out = stream.try_clone()?;
    out.set_write_timeout(Some(deadline))?;
    let pieces = case.pieces.clone();
    let half_close = case.half_close;
    Ok(std::thread::spawn(move || {
        let mut sent = 0usize;
        for piece in &pieces {
            if !sleep_unless(piece.delay, &stop) {
                return format!("stopped after {sent} bytes");
            }
            // In slices, so a stop (the answer came) ends a large body soon.
            for part in piece.bytes.chunks(64 << 10) {
                if stop.load(Ordering::Relaxed) {
                    return format!("stopped after {sent} bytes");
                }
                if let Err(e) = out.write_all(part) {
                    return format!("write failed after {sent} bytes: {e}");
                }
                sent += part.len();
            }
        }
        if half_close {
            let _ = out.shutdown(Shutdown::Write);
        }
        format!("wrote all {sent} bytes")
    }))
}

/// Sleeps `d` in short steps; false if `stop` was set meanwhile.
fn sleep_unless(d: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + d;
    // Bounded: each step sleeps at least a millisecond towards `until`.
    while Instant::now() < until {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep((until - Instant::now()).min(Duration::from_millis(20)));
    }
    !stop.load(Ordering::Relaxed)
}

/// Reads until a whole status line, EOF, an error, or `until`.
fn read_status(stream: &TcpStream, until: Instant, stop: &AtomicBool) -> (End, Vec<u8>) {
    let mut input = stream;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 << 10];
    loop {
        if let Some(end) = parse_status(&buf) {
            return (end, buf);
        }
        let now = Instant::now();
        if now >= until || stop.load(Ordering::Relaxed) || buf.len() >= READ_CAP {
            let end = if buf.is_empty() {
                End::NoAnswer
            } else {
                End::Garbage
            };
            return (end, buf);
        }
        let _ = input.set_read_timeout(Some(
            (until - now).clamp(Duration::from_millis(10), Duration::from_millis(200)),
        ));
        match input.read(&mut chunk) {
            Ok(0) => {
                let end = if buf.is_empty() {
                    End::Closed
                } else {
                    parse_status(&buf).unwrap_or(End::Garbage)
                };
                return (end, buf);
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                let end = parse_status(&buf).unwrap_or(if buf.is_empty() {
                    End::Reset
                } else {
                    End::Garbage
                });
                return (end, buf);
            }
            Err(_) => {
                let end = parse_status(&buf).unwrap_or(End::Garbage);
                return (end, buf);
            }
        }
    }
}

/// The status of `HTTP/1.x NNN ...\r\n` at the start of `buf`, once the
/// line is whole; `Garbage` when it cannot become one.
fn parse_status(buf: &[u8]) -> Option<End> {
    let prefix = b"HTTP/1.";
    let n = buf.len().min(prefix.len());
    if buf[..n] != prefix[..n] {
        return Some(End::Garbage);
    }
    let line_end = buf.iter().position(|&b| b == b'\n')?;
    let line = String::from_utf8_lossy(&buf[..line_end]);
    let code = line
        .split(' ')
        .nth(1)
        .and_then(|c| c.trim().parse::<u16>().ok());
    Some(code.map_or(End::Garbage, End::Status))
}

/// A plain GET on a fresh connection: its status, if answered within
/// `HEALTH_DEADLINE`.
pub(super) fn health(addr: SocketAddr) -> Option<u16> {
    let case = Case::new(
        "health",
        "GET /",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".to_vec(),
    );
    match send(addr, &case, HEALTH_DEADLINE).end {
        End::Status(s) => Some(s),
        _ => None,
    }
}

/// A slow client on its own thread: it sends its bytes slowly, stops, and
/// waits (at most `SLOW_CLIENT_BOUND`) for an answer or a close.
pub(super) struct SlowWatch {
    case: Case,
    index: u64,
    handle: JoinHandle<End>,
}

impl SlowWatch {
    pub fn start(addr: SocketAddr, case: &Case, index: u64) -> SlowWatch {
        let sending: Duration = case.pieces.iter().map(|p| p.delay).sum();
        let client = case.clone();
        let handle = std::thread::spawn(move || {
            let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
                return End::Refused;
            };
            let start = Instant::now();
            let stop = Arc::new(AtomicBool::new(false));
            let writer = spawn_writer(&stream, &client, SLOW_CLIENT_BOUND, stop.clone());
            let (end, _) = read_status(&stream, start + SLOW_CLIENT_BOUND, &stop);
            let end = match end {
                // An answer is not the end of it: the connection must still
                // be closed (a stalled body would hold it otherwise).
                End::Status(s) if !wait_close(&stream, start + SLOW_CLIENT_BOUND) => {
                    End::HeldOpen(s)
                }
                other => other,
            };
            stop.store(true, Ordering::Relaxed);
            let _ = stream.shutdown(Shutdown::Both);
            if let Ok(w) = writer {
                let _ = w.join();
            }
            end
        });
        // Let the client send its bytes before the caller checks that
        // others are still served.
        std::thread::sleep(sending + Duration::from_millis(100));
        SlowWatch {
            case: case.clone(),
            index,
            handle,
        }
    }

    pub fn finish(self) -> (Case, u64, End) {
        let end = self.handle.join().unwrap_or(End::Garbage);
        (self.case, self.index, end)
    }
}

/// Reads (and drops) until EOF; false if the connection is still open at
/// `until`.
fn wait_close(stream: &TcpStream, until: Instant) -> bool {
    let mut input = stream;
    let mut chunk = [0u8; 16 << 10];
    loop {
        let now = Instant::now();
        if now >= until {
            return false;
        }
        let _ = input.set_read_timeout(Some(
            (until - now).clamp(Duration::from_millis(10), Duration::from_millis(500)),
        ));
        match input.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return true,
        }
    }
}
