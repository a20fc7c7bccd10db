//! I/O failures in one wording: what was being done, to which path, and
//! why, in words (`cannot read `wit/app.wit`: no such file or directory`),
//! never the OS's `(os error 2)`. The helpers here are `std::fs`'s, with
//! the path attached to the error.

use crate::Diagnostic;
use std::path::{Path, PathBuf};

/// What was being done when the I/O failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
    Create,
    Remove,
    List,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Create => "create",
            Action::Remove => "remove",
            Action::List => "list",
        }
    }
}

/// An I/O failure on a path.
#[derive(Debug, thiserror::Error)]
#[error("cannot {} `{}`: {}", .action.verb(), .path.display(), reason(.source))]
pub struct IoError {
    pub action: Action,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    pub fn new(action: Action, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IoError {
            action,
            path: path.into(),
            source,
        }
    }
}

impl From<IoError> for Diagnostic {
    fn from(e: IoError) -> Self {
        Diagnostic::new(e.to_string())
    }
}

/// Why an I/O operation failed, in words: the OS's message without its
/// `(os error N)` suffix.
pub fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

/// The largest file [`read`] reads whole (components, manifests): what
/// one input may make witloom allocate for its bytes.
pub const MAX_FILE: u64 = 1 << 30;

/// Reads a whole input file, naming the path on failure. Only a regular
/// file, and at most [`MAX_FILE`] bytes: a FIFO would block forever,
/// `/dev/zero` never ends, and a directory is a mistake worth naming.
pub fn read(path: &Path) -> Result<Vec<u8>, IoError> {
    read_capped(path, MAX_FILE)
}

/// [`read`], refusing files larger than `max` bytes.
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, IoError> {
    Input::open(path, max)?.read()
}

/// An input file opened for [`read`], its checks passed: a regular file
/// of at most the size allowed. Callers that can decide from the file's
/// metadata alone (a cache keyed by the file's identity) look at
/// [`Input::metadata`] and read only when they must; what they read is
/// the file they looked at, even if the path is swapped meanwhile.
#[derive(Debug)]
pub struct Input {
    path: PathBuf,
    file: std::fs::File,
    meta: std::fs::Metadata,
    max: u64,
}

impl Input {
    /// Opens `path` for reading at most `max` bytes.
    pub fn open(path: &Path, max: u64) -> Result<Input, IoError> {
        use std::os::unix::fs::OpenOptionsExt;
        let fail = |e| IoError::new(Action::Read, path, e);
        // Non-blocking, so opening a FIFO returns instead of waiting for a
        // writer; reads of a regular file are not affected.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(fail)?;
        let meta = file.metadata().map_err(fail)?;
        if !meta.is_file() {
            return Err(fail(not_a_file(&meta)));
        }
        if meta.len() > max {
            return Err(fail(too_large(meta.len(), max)));
        }
        Ok(Input {
            path: path.to_path_buf(),
            file,
            meta,
            max,
        })
    }

    /// The open file's metadata.
    pub fn metadata(&self) -> &std::fs::Metadata {
        &self.meta
    }

    /// The whole file.
    pub fn read(self) -> Result<Vec<u8>, IoError> {
        use std::io::Read;
        let fail = |e| IoError::new(Action::Read, &self.path, e);
        let mut bytes = Vec::with_capacity(self.meta.len() as usize);
        // One byte more than allowed: a file that grows while read is
        // refused, not read without end.
        (&self.file)
            .take(self.max + 1)
            .read_to_end(&mut bytes)
            .map_err(fail)?;
        if bytes.len() as u64 > self.max {
            return Err(fail(too_large(bytes.len() as u64, self.max)));
        }
        Ok(bytes)
    }
}

/// [`read`], as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String, IoError> {
    String::from_utf8(read(path)?).map_err(|_| {
        IoError::new(
            Action::Read,
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"),
        )
    })
}

/// Why a path that is not a regular file cannot be read as one.
fn not_a_file(meta: &std::fs::Metadata) -> std::io::Error {
    use std::os::unix::fs::FileTypeExt;
    let ft = meta.file_type();
    let what = if ft.is_dir() {
        "it is a directory, not a file"
    } else if ft.is_fifo() {
        "it is a FIFO (named pipe), not a file"
    } else if ft.is_socket() {
        "it is a socket, not a file"
    } else if ft.is_char_device() || ft.is_block_device() {
        "it is a device, not a file"
    } else {
        "it is not a regular file"
    };
    std::io::Error::new(std::io::ErrorKind::InvalidInput, what)
}

fn too_large(len: u64, max: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!(
            "it is {} MiB, more than the {} MiB witloom reads",
            len.div_ceil(1 << 20),
            max >> 20
        ),
    )
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file
/// beside it, then renamed over it, so a reader (or a crash) never sees
/// half a file. Creates the parent directory.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), IoError> {
    let tmp = temporary_beside(path)?;
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            IoError::new(Action::Write, path, e)
        })
}

/// [`write`], with `check` (of the same bytes) run on a second thread
/// while they are written (from 1 MiB: below, waking a second core costs
/// more than it saves): the file takes its place only once `check` has
/// passed. If it fails, the temporary file is removed, `path` is left as
/// it was, and `check`'s error is returned.
pub fn write_checked<E: From<IoError> + Send>(
    path: &Path,
    bytes: &[u8],
    check: impl FnOnce() -> Result<(), E> + Send,
) -> Result<(), E> {
    if bytes.len() < 1 << 20 {
        check()?;
        return Ok(write(path, bytes)?);
    }
    /// Removes the temporary file unless it took its place, even when the
    /// check panics.
    struct Scratch(PathBuf, bool);
    impl Drop for Scratch {
        fn drop(&mut self) {
            if !self.1 {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }
    let mut tmp = Scratch(temporary_beside(path)?, false);
    let (checked, written) = std::thread::scope(|s| {
        let checked = s.spawn(check);
        let written = std::fs::write(&tmp.0, bytes);
        let checked = checked
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, written)
    });
    checked?;
    written
        .and_then(|()| std::fs::rename(&tmp.0, path))
        .map_err(|e| IoError::new(Action::Write, path, e))?;
    tmp.1 = true;
    Ok(())
}

/// A fresh temporary name beside `path` (its parent created).
fn temporary_beside(path: &Path) -> Result<PathBuf, IoError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_all(dir)?;
    }
    // Unique per call: threads of one process may write the same file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}-{n}", std::process::id()));
    Ok(PathBuf::from(tmp))
}

/// `std::fs::create_dir_all`, naming the path on failure.
pub fn create_dir_all(path: &Path) -> Result<(), IoError> {
    std::fs::create_dir_all(path).map_err(|e| IoError::new(Action::Create, path, e))
}

/// `std::fs::metadata`, naming the path on failure.
pub fn metadata(path: &Path) -> Result<std::fs::Metadata, IoError> {
    std::fs::metadata(path).map_err(|e| IoError::new(Action::Read, path, e))
}

/// `std::fs::read_dir`, naming the path on failure.
pub fn read_dir(path: &Path) -> Result<std::fs::ReadDir, IoError> {
    std::fs::read_dir(path).map_err(|e| IoError::new(Action::List, path, e))
}

/// `std::fs::remove_file`, naming the path on failure.
pub fn remove_file(path: &Path) -> Result<(), IoError> {
    std::fs::remove_file(path).map_err(|e| IoError::new(Action::Remove, path, e))
}

/// `std::fs::remove_dir_all`, naming the path on failure.
pub fn remove_dir_all(path: &Path) -> Result<(), IoError> {
    std::fs::remove_dir_all(path).map_err(|e| IoError::new(Action::Remove, path, e))
}

/// `std::fs::copy`, naming the destination on failure (or the source, when
/// it cannot be read).
pub fn copy(from: &Path, to: &Path) -> Result<u64, IoError> {
    std::fs::copy(from, to).map_err(|e| {
        if from.exists() {
            IoError::new(Action::Write, to, e)
        } else {
            IoError::new(Action::Read, from, e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_and_the_reason_in_words() {
        let e = read(Path::new("/nonexistent/witloom/x.wit")).unwrap_err();
        assert_eq!(e.source.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(
            e.to_string(),
            "cannot read `/nonexistent/witloom/x.wit`: no such file or directory"
        );
        let e = IoError::new(
            Action::Write,
            "out.wasm",
            std::io::Error::from_raw_os_error(28),
        );
        assert_eq!(
            e.to_string(),
            "cannot write `out.wasm`: No space left on device"
        );
    }

    #[test]
    fn only_regular_files_within_the_cap() {
        let e = read(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot read `/dev/zero`: it is a device, not a file"
        );
        let e = read(Path::new("/")).unwrap_err();
        assert!(
            e.to_string().ends_with("it is a directory, not a file"),
            "{e}"
        );
        let dir = std::env::temp_dir().join(format!("witloom-diag-cap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = read(&fifo).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("it is a FIFO (named pipe), not a file"),
            "{e}"
        );
        let big = dir.join("big");
        std::fs::write(&big, vec![0u8; (2 << 20) + 1]).unwrap();
        let e = read_capped(&big, 2 << 20).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("it is 3 MiB, more than the 2 MiB witloom reads"),
            "{e}"
        );
        assert_eq!(read_capped(&big, 3 << 20).unwrap().len(), (2 << 20) + 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn write_is_whole_or_nothing() {
        let dir = std::env::temp_dir().join(format!("witloom-diag-{}", std::process::id()));
        let path = dir.join("a/b.txt");
        write(&path, "one").unwrap();
        write(&path, "two").unwrap();
        assert_eq!(read_to_string(&path).unwrap(), "two");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Below and above the size from which the check runs beside the write.
    #[test]
    fn a_checked_write_lands_only_when_the_check_passes() {
        let dir = std::env::temp_dir().join(format!("witloom-diag-checked-{}", std::process::id()));
        let path = dir.join("out.wasm");
        for size in [10, (1 << 20) + 10] {
            write(&path, "before").unwrap();
            let bytes = vec![7u8; size];
            let refused = write_checked(&path, &bytes, || {
                Err(IoError::new(
                    Action::Write,
                    "check",
                    std::io::Error::other("invalid"),
                ))
            });
            assert!(refused.unwrap_err().to_string().contains("invalid"));
            assert_eq!(read_to_string(&path).unwrap(), "before", "size {size}");
            write_checked::<IoError>(&path, &bytes, || Ok(())).unwrap();
            assert_eq!(read(&path).unwrap(), bytes, "size {size}");
            // No temporary file is left behind either way.
            assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "size {size}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
