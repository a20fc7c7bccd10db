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

/// `std::fs::read`, naming the path on failure.
pub fn read(path: &Path) -> Result<Vec<u8>, IoError> {
    std::fs::read(path).map_err(|e| IoError::new(Action::Read, path, e))
}

/// `std::fs::read_to_string`, naming the path on failure.
pub fn read_to_string(path: &Path) -> Result<String, IoError> {
    std::fs::read_to_string(path).map_err(|e| IoError::new(Action::Read, path, e))
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file
/// beside it, then renamed over it, so a reader (or a crash) never sees
/// half a file. Creates the parent directory.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), IoError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_all(dir)?;
    }
    // Unique per call: threads of one process may write the same file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}-{n}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            IoError::new(Action::Write, path, e)
        })
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
}
