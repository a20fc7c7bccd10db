//! What `witloom dev` watches, and which changes count: every
//! component's sources and every WIT directory (recursively), and the
//! manifest. Editors' swap, backup and lock files, hidden entries and
//! `target/` directories (build output) are not changes; neither is a
//! file read.

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use witloom_app::App;
use witloom_diag::Diagnostic;

/// The paths of one app that are watched, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Roots {
    /// Watched with everything under them.
    pub trees: Vec<PathBuf>,
    /// The manifest: its directory is watched on its own (an editor that
    /// saves by renaming a new file over the old replaces the inode a
    /// watch on the file itself would hold), and only the file counts.
    pub manifest: Option<PathBuf>,
}

impl Roots {
    pub fn of(app: &App) -> Roots {
        let mut trees: Vec<PathBuf> = app
            .components()
            .iter()
            .filter_map(|c| c.sources.clone())
            .chain(app.wits().iter().map(|w| w.path.clone()))
            .map(|p| std::path::absolute(&p).unwrap_or(p))
            .collect();
        trees.sort();
        trees.dedup();
        // A tree inside another is watched with it.
        let nested: Vec<PathBuf> = trees
            .iter()
            .filter(|t| trees.iter().any(|o| o != *t && t.starts_with(o)))
            .cloned()
            .collect();
        trees.retain(|t| !nested.contains(t));
        Roots {
            trees,
            manifest: app
                .manifest
                .as_ref()
                .map(|m| std::path::absolute(&m.path).unwrap_or_else(|_| m.path.clone())),
        }
    }

    /// Starts watching every root with `watcher` (a root that does not
    /// exist, a WIT file rather than a directory included, is watched as
    /// far as it goes: its parent's events name it).
    pub fn watch(&self, watcher: &mut RecommendedWatcher) -> Result<(), Diagnostic> {
        for tree in &self.trees {
            let (path, mode) = if tree.is_dir() {
                (tree.as_path(), RecursiveMode::Recursive)
            } else {
                (
                    tree.parent().unwrap_or(Path::new(".")),
                    RecursiveMode::NonRecursive,
                )
            };
            watcher
                .watch(path, mode)
                .map_err(|e| cannot_watch(path, &e))?;
        }
        if let Some(dir) = self.manifest.as_deref().and_then(Path::parent) {
            watcher
                .watch(dir, RecursiveMode::NonRecursive)
                .map_err(|e| cannot_watch(dir, &e))?;
        }
        Ok(())
    }

    /// Stops watching what [`Roots::watch`] watched (what is gone already
    /// is no error).
    pub fn unwatch(&self, watcher: &mut RecommendedWatcher) {
        for tree in &self.trees {
            let path = if tree.is_dir() {
                tree.as_path()
            } else {
                tree.parent().unwrap_or(Path::new("."))
            };
            let _ = watcher.unwatch(path);
        }
        if let Some(dir) = self.manifest.as_deref().and_then(Path::parent) {
            let _ = watcher.unwatch(dir);
        }
    }

    /// Whether a change to `path` is a change to the app.
    pub fn counts(&self, path: &Path) -> bool {
        if self.manifest.as_deref() == Some(path) {
            return true;
        }
        let Some(tree) = self.trees.iter().find(|t| path.starts_with(t)) else {
            return false;
        };
        let inside = path.strip_prefix(tree).unwrap_or(path);
        let hidden_or_built = inside.components().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            name.starts_with('.') || name == "target"
        });
        !hidden_or_built && !editor_scratch(path)
    }
}

fn cannot_watch(path: &Path, e: &notify::Error) -> Diagnostic {
    let d = Diagnostic::new(format!("cannot watch `{}`: {e}", path.display()));
    match e.kind {
        notify::ErrorKind::MaxFilesWatch => d.with_help(
            "the system's limit of watches is reached: raise fs.inotify.max_user_watches",
        ),
        _ => d,
    }
}

/// Files editors write beside the one being edited: vim's swap files and
/// the `4913` it creates to test a directory, emacs' `#auto-saves#`, and
/// `~` backups. (Hidden ones, like `.#locks`, are hidden entries.)
fn editor_scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    name == "4913"
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || [".swp", ".swx", ".swo", ".tmp"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Whether `event` is a change (not a read or an open).
pub(crate) fn is_change(event: &notify::Event) -> bool {
    !matches!(
        event.kind,
        notify::EventKind::Access(_) | notify::EventKind::Other
    )
}
