//! The files of a component's sources, walked once and the same way for
//! every use (the build fingerprint, the C compiler's inputs, the copy a
//! Go build works in), the way cargo lists a package:
//!
//! - hidden entries and `target/` are skipped;
//! - a link to a file is followed (compilers follow it too); a link to a
//!   directory only when that directory was not walked yet, links after
//!   real directories, so a link to `.` or a cycle of links is walked once
//!   and files keep their real paths;
//! - a link to a directory out of a component's sources is an error
//!   ([`Links::Within`]); a WIT directory may link out ([`Links::Out`]),
//!   since `deps/` entries linked to a shared WIT set are common and
//!   wit-parser follows them;
//! - a dangling link, and anything that is not a file or directory (a
//!   FIFO, a device, a socket) is an error naming it, never something read
//!   (a FIFO blocks forever, `/dev/zero` never ends);
//! - the walk stops with an error past [`MAX_FILES`] files or
//!   [`MAX_BYTES`] bytes: `path = "/"` is a mistake, not a build.

use crate::GuestError;
use crate::error::Action;
use std::collections::HashSet;
use std::hash::Hasher;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

/// The most files one component's sources may hold.
pub const MAX_FILES: usize = 100_000;

/// The most bytes one component's sources may hold.
pub const MAX_BYTES: u64 = 1 << 30;

/// Where links to directories may lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// Only within the walked tree: a component's sources.
    Within,
    /// Anywhere: a WIT directory.
    Out,
}

/// The files under `root`, sorted, with their sizes.
pub(crate) fn source_files(
    component: &str,
    root: &Path,
) -> Result<Vec<(PathBuf, u64)>, GuestError> {
    walk(component, root, Links::Within)
}

/// Copies the files of `from` (walked as [`source_files`] walks) that
/// `keep` accepts, by their path relative to `from`, into `to`; returns
/// the relative paths copied. For the toolchains that write into the tree
/// they are given (Go's module, componentize-py's `__pycache__`), so that
/// they never write into the user's.
pub(crate) fn copy_sources(
    component: &str,
    from: &Path,
    to: &Path,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, GuestError> {
    let mut copied = Vec::new();
    for (path, _) in source_files(component, from)? {
        let rel = path.strip_prefix(from).expect("walked from `from`");
        if !keep(rel) {
            continue;
        }
        let bytes = crate::error::io(component, Action::Read, &path, std::fs::read(&path))?;
        crate::error::write(component, &to.join(rel), &bytes)?;
        copied.push(rel.to_path_buf());
    }
    Ok(copied)
}

/// [`source_files`], with `links` saying where links may lead.
pub(crate) fn walk(
    component: &str,
    root: &Path,
    links: Links,
) -> Result<Vec<(PathBuf, u64)>, GuestError> {
    let err = |message: String| GuestError::Input {
        component: component.to_string(),
        message,
    };
    let read = |path: &Path, e| crate::error::io_error(component, Action::Read, path, e);
    let top = root.canonicalize().map_err(|e| read(root, e))?;
    let root_meta = std::fs::metadata(root).map_err(|e| read(root, e))?;
    if !root_meta.is_dir() {
        // A manifest's `wit` may name one file.
        if root_meta.is_file() {
            return Ok(vec![(root.to_path_buf(), root_meta.len())]);
        }
        return Err(err(format!(
            "`{}` is {}, not a directory of sources",
            root.display(),
            special(&root_meta)
        )));
    }
    let mut seen = HashSet::from([top.clone()]);
    let mut files = Vec::new();
    let mut bytes = 0u64;
    let mut stack = vec![root.to_path_buf()];
    // Links to directories are taken after every real directory: a link
    // to a directory that is also there for real is then skipped, and the
    // files keep their real paths (a Go package is imported by its
    // directory's name).
    let mut linked: std::collections::VecDeque<PathBuf> = Default::default();
    loop {
        let Some(dir) = stack.pop() else {
            let Some(link) = linked.pop_front() else {
                break;
            };
            let real = link.canonicalize().map_err(|e| read(&link, e))?;
            if links == Links::Within && !real.starts_with(&top) {
                return Err(err(format!(
                    "`{}` is a link to `{}`, outside the component's sources `{}`; witloom does not follow links out of them: move or copy the files in, or point `path` at a directory that holds both",
                    link.display(),
                    real.display(),
                    root.display()
                )));
            }
            if seen.insert(real) {
                stack.push(link);
            }
            continue;
        };
        let entries = crate::error::io(
            component,
            Action::List,
            &dir,
            std::fs::read_dir(&dir).and_then(|d| d.collect::<std::io::Result<Vec<_>>>()),
        )?;
        let mut entries: Vec<_> = entries.into_iter().map(|e| e.path()).collect();
        entries.sort();
        // Popped from the end: push in reverse for a sorted walk.
        let mut subdirs = Vec::new();
        for path in entries {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            let link = std::fs::symlink_metadata(&path).map_err(|e| read(&path, e))?;
            let meta = if link.file_type().is_symlink() {
                std::fs::metadata(&path).map_err(|_| {
                    err(format!(
                        "`{}` is a link to `{}`, which does not exist; remove the link or restore its target",
                        path.display(),
                        std::fs::read_link(&path).unwrap_or_default().display()
                    ))
                })?
            } else {
                link.clone()
            };
            if meta.is_dir() {
                if link.file_type().is_symlink() {
                    linked.push_back(path);
                } else {
                    if let Ok(real) = path.canonicalize() {
                        seen.insert(real);
                    }
                    subdirs.push(path);
                }
            } else if meta.is_file() {
                files.push((path, meta.len()));
                bytes = bytes.saturating_add(meta.len());
                if files.len() > MAX_FILES || bytes > MAX_BYTES {
                    return Err(err(format!(
                        "the sources under `{}` hold more than {} files or 1 GiB; is `path` the component's own directory?",
                        root.display(),
                        MAX_FILES
                    )));
                }
            } else {
                return Err(err(format!(
                    "`{}` is {}, not a source file; remove it from the component's sources",
                    path.display(),
                    special(&meta)
                )));
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    files.sort();
    Ok(files)
}

/// What a path that is neither a file nor a directory is, in words.
fn special(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// Hashes the names and contents of `files` into `hasher`, streamed, with
/// read failures reported (a file that cannot be read would otherwise hash
/// like an empty one, and the build would think itself up to date).
pub(crate) fn hash_files(
    component: &str,
    files: &[(PathBuf, u64)],
    hasher: &mut impl Hasher,
) -> Result<(), GuestError> {
    let mut buf = vec![0u8; 64 * 1024];
    for (path, len) in files {
        std::hash::Hash::hash(path, hasher);
        let file = crate::error::io(component, Action::Read, path, std::fs::File::open(path))?;
        // Bounded by the size the walk saw, plus one byte to notice growth
        // without reading a file that never ends.
        let mut file = file.take(len.saturating_add(1));
        loop {
            let n = crate::error::io(component, Action::Read, path, file.read(&mut buf))?;
            if n == 0 {
                break;
            }
            hasher.write(&buf[..n]);
        }
    }
    Ok(())
}
