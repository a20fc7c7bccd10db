//! Compiled components, cached on disk by the component's content and the
//! engine's settings, under the user's cache directory
//! (`$XDG_CACHE_HOME/witloom/compiled`, else `~/.cache/witloom/compiled`;
//! `WITLOOM_CACHE_DIR` overrides it). A second run of the same file skips
//! Cranelift.
//!
//! A cached artifact is native code that wasmtime maps executable, so the
//! cache takes back only what it wrote, intact:
//! - the key is SHA-256 over the file format, witloom's version, wasmtime's
//!   engine-compatibility hash and the component's bytes;
//! - a file holds a header (magic, that key, and SHA-256 of the key and the
//!   payload) before wasmtime's serialized component; it is read into
//!   memory and checked before wasmtime sees a byte of it, so a file that
//!   changes afterwards changes nothing;
//! - the directory must be the user's own and writable by no one else,
//!   and must be named by an absolute path: a group- or world-writable
//!   directory, one owned by someone else, or an empty or relative
//!   `WITLOOM_CACHE_DIR` is skipped with a warning.
//!
//! On any doubt the component is compiled afresh (and a bad file replaced).
//! What the checks cannot stop is the user's own account writing a file
//! that passes them: the cache trusts exactly what the user can write to.

use crate::RunError;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The start of every cache file; the last byte is the format's version.
const MAGIC: &[u8; 16] = b"witloom-cwasm\0\0\x01";
/// Magic, key, digest.
const HEADER: usize = MAGIC.len() + 32 + 32;

/// A cache directory that passed the checks.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// Why a cache directory is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// `WITLOOM_CACHE_DIR` is set but empty (it would mean the current
    /// directory).
    EmptyVariable,
    /// The directory is named by a relative path (it would depend on the
    /// current directory).
    Relative(PathBuf),
    /// Someone other than the user may write to it.
    Writable { dir: PathBuf, mode: u32 },
    /// Another user owns it.
    NotOwned { dir: PathBuf, owner: u32 },
    /// It exists but is not a directory, or cannot be created or read.
    Unusable { dir: PathBuf, why: String },
    /// The platform cannot tell who may write to a directory.
    Unsupported,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::EmptyVariable => f.write_str(
                "WITLOOM_CACHE_DIR is empty; set it to an absolute path, or unset it for the default",
            ),
            Refused::Relative(dir) => write!(
                f,
                "the cache directory `{}` is a relative path; name it by an absolute one",
                dir.display()
            ),
            Refused::Writable { dir, mode } => write!(
                f,
                "the cache directory `{}` may be written by other users (mode {mode:o}); `chmod go-w` it, or choose another with WITLOOM_CACHE_DIR",
                dir.display()
            ),
            Refused::NotOwned { dir, owner } => write!(
                f,
                "the cache directory `{}` belongs to another user (uid {owner}); choose your own with WITLOOM_CACHE_DIR",
                dir.display()
            ),
            Refused::Unusable { dir, why } => {
                write!(f, "the cache directory `{}` {why}", dir.display())
            }
            Refused::Unsupported => {
                f.write_str("this platform cannot check who may write the cache directory")
            }
        }
    }
}

impl Cache {
    /// The user's cache, from the environment: `Ok(None)` when there is no
    /// home to put it in.
    pub fn from_env() -> Result<Option<Cache>, Refused> {
        let dir = match std::env::var_os("WITLOOM_CACHE_DIR") {
            Some(d) if d.is_empty() => return Err(Refused::EmptyVariable),
            Some(d) => PathBuf::from(d),
            None => {
                // The XDG spec says to ignore a relative XDG_CACHE_HOME.
                let xdg = std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute());
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute());
                match xdg.or_else(|| home.map(|h| h.join(".cache"))) {
                    Some(base) => base.join("witloom/compiled"),
                    None => return Ok(None),
                }
            }
        };
        Cache::at(&dir).map(Some)
    }

    /// The cache in `dir`, created (readable by the user only) if missing.
    pub fn at(dir: &Path) -> Result<Cache, Refused> {
        if !dir.is_absolute() {
            return Err(Refused::Relative(dir.to_path_buf()));
        }
        if !dir.exists() {
            create_private_dir(dir).map_err(|e| Refused::Unusable {
                dir: dir.to_path_buf(),
                why: format!("cannot be created: {}", witloom_diag::io::reason(&e)),
            })?;
        }
        check_private_dir(dir)?;
        Ok(Cache {
            dir: dir.to_path_buf(),
        })
    }

    /// Where the files are.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the compiled form of `bytes` for `engine`.
    pub fn path(&self, engine: &Engine, bytes: &[u8]) -> PathBuf {
        self.dir.join(format!("{}.cwasm", hex(&key(engine, bytes))))
    }

    /// The compiled component for `bytes`: from the cache when a file
    /// written for exactly these bytes and this engine is there intact, or
    /// compiled by `compile` and stored. A cache that cannot be read or
    /// written is only skipped.
    pub fn get_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        compile: impl FnOnce() -> Result<Component, RunError>,
    ) -> Result<Component, RunError> {
        let key = key(engine, bytes);
        let path = self.dir.join(format!("{}.cwasm", hex(&key)));
        if let Some(payload) = read_checked(&path, &key) {
            // SAFETY: wasmtime requires that deserialized bytes come from
            // `Component::serialize` of a compatible engine. These bytes are
            // exactly what `serialize` gave for this component on an
            // engine with this compatibility hash: the header's key says
            // for what they were written, its digest that they are
            // unchanged since, and the directory is writable by the user
            // alone. wasmtime also checks its own header and the engine.
            #[allow(unsafe_code)]
            let cached = unsafe { Component::deserialize(engine, payload) };
            match cached {
                Ok(component) => return Ok(component),
                Err(e) => {
                    tracing::debug!("recompiling: wasmtime refused `{}`: {e}", path.display())
                }
            }
        }
        let component = compile()?;
        if let Ok(serialized) = component.serialize()
            && let Err(e) = self.write(&path, &key, &serialized)
        {
            tracing::debug!("not caching `{}`: {e}", path.display());
        }
        Ok(component)
    }

    /// Writes a file then renames it into place: a concurrent reader never
    /// sees half a file, and a planted file at the temporary name is never
    /// followed (`create_new`).
    fn write(&self, path: &Path, key: &[u8; 32], payload: &[u8]) -> std::io::Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let result = options.open(&tmp).and_then(|mut file| {
            file.write_all(MAGIC)?;
            file.write_all(key)?;
            file.write_all(&digest(key, payload))?;
            file.write_all(payload)?;
            file.sync_all()
        });
        match result.and_then(|()| std::fs::rename(&tmp, path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// The payload of the cache file at `path` when it is a regular file only
/// the user may write, written for `key`, and intact; `None` otherwise.
fn read_checked(path: &Path, key: &[u8; 32]) -> Option<Vec<u8>> {
    // Opened without following a link, then checked and read through the
    // same handle: what is checked is what is read, even if the path is
    // swapped meanwhile.
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let mut file = options.open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != current_uid() || meta.mode() & 0o022 != 0 {
            tracing::debug!("recompiling: `{}` is not the user's own", path.display());
            return None;
        }
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(&mut file, &mut data).ok()?;
    let intact = data.len() > HEADER
        && data[..MAGIC.len()] == MAGIC[..]
        && data[MAGIC.len()..MAGIC.len() + 32] == key[..]
        && data[MAGIC.len() + 32..HEADER] == digest(key, &data[HEADER..])[..];
    if !intact {
        tracing::debug!(
            "recompiling: `{}` was not written for this component, or has changed since",
            path.display()
        );
        return None;
    }
    data.drain(..HEADER);
    Some(data)
}

/// The cache key: the file format, witloom's version, everything about the
/// engine that makes compiled code (in)compatible (wasmtime's own hash of
/// it), and the component's bytes.
fn key(engine: &Engine, bytes: &[u8]) -> [u8; 32] {
    /// Feeds `Hash` into SHA-256, so wasmtime's hashable engine settings
    /// go into a cryptographic key.
    struct Feed(Sha256);
    impl std::hash::Hasher for Feed {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            unreachable!("only written to")
        }
    }
    let mut feed = Feed(Sha256::new());
    feed.0.update(MAGIC);
    feed.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    feed.0.update([0]);
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut feed);
    feed.0.update((bytes.len() as u64).to_le_bytes());
    feed.0.update(bytes);
    feed.0.finalize().into()
}

/// What a file's header says about its payload.
fn digest(key: &[u8; 32], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(payload);
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        // Another process made it first: it is checked like any other.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn check_private_dir(dir: &Path) -> Result<(), Refused> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).map_err(|e| Refused::Unusable {
        dir: dir.to_path_buf(),
        why: format!("cannot be read: {}", witloom_diag::io::reason(&e)),
    })?;
    if !meta.is_dir() {
        return Err(Refused::Unusable {
            dir: dir.to_path_buf(),
            why: "is not a directory".into(),
        });
    }
    if meta.uid() != current_uid() {
        return Err(Refused::NotOwned {
            dir: dir.to_path_buf(),
            owner: meta.uid(),
        });
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Refused::Writable {
            dir: dir.to_path_buf(),
            mode: meta.mode() & 0o7777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_dir(_: &Path) -> Result<(), Refused> {
    Err(Refused::Unsupported)
}

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid()
    }
}

#[cfg(test)]
mod tests {
    //! The cache gives back only what it wrote for these bytes on this
    //! engine, intact; everything else is recompiled, and the component
    //! still answers right.

    use super::*;
    use crate::{Outcome, RunOptions};
    use std::cell::Cell;

    /// A component whose `answer` returns `n`.
    fn answering(n: u32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component
                 (core module $m (func (export "answer") (result i32) (i32.const {n})))
                 (core instance $i (instantiate $m))
                 (func (export "answer") (result u32) (canon lift (core func $i "answer"))))"#
        ))
        .unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir()
            .join(format!("witloom-cache-{}", std::process::id()))
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        create_private_dir(&dir).unwrap();
        dir
    }

    /// Loads `bytes` through `cache`, then calls `answer`: what it
    /// returned, and whether it had to be compiled.
    fn answer(cache: &Cache, engine: &Engine, bytes: &[u8]) -> (String, bool) {
        answer_with(cache, engine, bytes, RunOptions::default())
    }

    /// [`answer`] with `opts`, whose settings made `engine`.
    fn answer_with(
        cache: &Cache,
        engine: &Engine,
        bytes: &[u8],
        opts: RunOptions,
    ) -> (String, bool) {
        let compiled = Cell::new(false);
        let component = cache
            .get_or_compile(engine, bytes, || {
                compiled.set(true);
                Ok(Component::new(engine, bytes).unwrap())
            })
            .unwrap();
        let opts = RunOptions {
            invoke: Some("answer()".into()),
            ..opts
        };
        match crate::run_component(engine, &component, &opts).unwrap() {
            Outcome::Returned(v) => (v, compiled.get()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_it_did_not_write_intact_never_runs() {
        let engine = crate::engine(&RunOptions::default()).unwrap();
        let cache = Cache::at(&scratch("tamper")).unwrap();
        let (a, b) = (answering(42), answering(666));
        let path = cache.path(&engine, &a);
        assert_eq!(answer(&cache, &engine, &a), ("42".into(), true));
        assert_eq!(answer(&cache, &engine, &a), ("42".into(), false));
        let good = std::fs::read(&path).unwrap();

        let mut flipped = good.clone();
        let mid = HEADER + (good.len() - HEADER) / 2;
        for byte in &mut flipped[mid..mid + 64] {
            *byte = !*byte;
        }
        let truncated = good[..good.len() / 2].to_vec();
        // What the cache wrote for another component, under this one's name.
        answer(&cache, &engine, &b);
        let foreign = std::fs::read(cache.path(&engine, &b)).unwrap();
        // wasmtime's own artifact, without witloom's header.
        let bare = Component::new(&engine, &a).unwrap().serialize().unwrap();
        for (what, bytes) in [
            ("tampered", flipped),
            ("truncated", truncated),
            ("foreign", foreign),
            ("bare", bare),
            ("empty", Vec::new()),
        ] {
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(answer(&cache, &engine, &a), ("42".into(), true), "{what}");
            // The bad file was replaced by a good one.
            assert_eq!(std::fs::read(&path).unwrap(), good, "{what}");
        }
    }

    #[test]
    fn a_link_or_another_users_file_is_not_read() {
        use std::os::unix::fs::PermissionsExt;
        let engine = crate::engine(&RunOptions::default()).unwrap();
        let cache = Cache::at(&scratch("links")).unwrap();
        let a = answering(5);
        let path = cache.path(&engine, &a);
        answer(&cache, &engine, &a);
        // A good file, reached through a link: not followed.
        let elsewhere = scratch("links-target").join("good.cwasm");
        std::fs::rename(&path, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert_eq!(answer(&cache, &engine, &a), ("5".into(), true));
        // A good file that others may write: not read.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(answer(&cache, &engine, &a), ("5".into(), true));
    }

    #[test]
    fn the_key_covers_the_engine_settings() {
        let a = answering(7);
        let plain = crate::engine(&RunOptions::default()).unwrap();
        // Epoch interruption changes the code Cranelift emits.
        let timed = RunOptions {
            limits: crate::Limits {
                timeout: Some(std::time::Duration::from_secs(60)),
                ..Default::default()
            },
            ..RunOptions::default()
        };
        let interruptible = crate::engine(&timed).unwrap();
        let cache = Cache::at(&scratch("engines")).unwrap();
        assert_ne!(cache.path(&plain, &a), cache.path(&interruptible, &a));
        assert_eq!(answer(&cache, &plain, &a), ("7".into(), true));
        assert_eq!(
            answer_with(&cache, &interruptible, &a, timed),
            ("7".into(), true)
        );
    }

    #[test]
    fn only_a_private_absolute_directory_is_used() {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            Cache::at(Path::new("relative/cache")).unwrap_err(),
            Refused::Relative("relative/cache".into())
        );
        let open = scratch("world-writable");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(
            Cache::at(&open).unwrap_err(),
            Refused::Writable {
                dir: open.clone(),
                mode: 0o777
            }
        );
        let group = scratch("group-writable");
        std::fs::set_permissions(&group, std::fs::Permissions::from_mode(0o770)).unwrap();
        assert!(matches!(Cache::at(&group), Err(Refused::Writable { .. })));
        // Someone else's: as root, a directory given away; otherwise `/`.
        let theirs = if current_uid() == 0 {
            let dir = scratch("theirs");
            std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
            dir
        } else {
            PathBuf::from("/")
        };
        assert!(
            matches!(Cache::at(&theirs), Err(Refused::NotOwned { .. })),
            "{}",
            theirs.display()
        );
        // A new directory is created for the user alone.
        let fresh = scratch("fresh").join("a/b");
        let cache = Cache::at(&fresh).unwrap();
        let mode = std::fs::metadata(cache.dir()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
