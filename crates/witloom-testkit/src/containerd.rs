//! A real containerd for tests: Debian's `containerd` as root, with its
//! socket, root and state in a directory of the test's own, and a `PATH`
//! that finds the shim under test first. Dropping it removes every
//! container, stops containerd and the shims it started, unmounts what
//! they mounted and deletes the directory. `cargo xtask setup` installs
//! the package; a test fails, saying why, when it is missing or when it
//! does not run as root (containerd needs root for namespaces and mounts).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one `ctr` call may take.
pub const CTR_TIMEOUT: Duration = Duration::from_secs(120);

/// A running containerd.
#[derive(Debug)]
pub struct LocalContainerd {
    child: Child,
    dir: PathBuf,
    /// The gRPC socket `ctr -a` talks to.
    pub socket: PathBuf,
    /// The containerd namespace the tests' containers live in (`ctr -n`):
    /// one of this server's own, because shims keep state in places
    /// every containerd on the machine shares (`/run/containerd/NAME/NS`).
    pub namespace: String,
}

impl LocalContainerd {
    /// Starts containerd with `shim_dir` first on its `PATH`; its files
    /// live in a fresh directory under `/tmp` (a socket's path must be
    /// short). Fails with the reason when containerd cannot run here.
    pub fn start(shim_dir: &Path) -> Result<LocalContainerd, String> {
        use std::os::unix::fs::MetadataExt;
        if !std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
            return Err("containerd needs root (namespaces, mounts, cgroups): run the containerd tests as root, as `.ci/run` does".into());
        }
        let containerd = ["/usr/bin/containerd", "/usr/local/bin/containerd"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .ok_or("no containerd in /usr/bin or /usr/local/bin: `cargo xtask setup` installs the Debian package containerd")?;
        let dir = tempdir()?;
        let socket = dir.join("c.sock");
        let config = format!(
            "version = 2\nroot = \"{root}\"\nstate = \"{state}\"\n\
             disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
             [grpc]\n  address = \"{socket}\"\n\
             [ttrpc]\n  address = \"{ttrpc}\"\n",
            root = dir.join("root").display(),
            state = dir.join("state").display(),
            socket = socket.display(),
            ttrpc = dir.join("t.sock").display(),
        );
        std::fs::write(dir.join("config.toml"), config).map_err(|e| e.to_string())?;
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![shim_dir.to_path_buf()];
        paths.extend(std::env::split_paths(&path));
        let log = std::fs::File::create(dir.join("containerd.log")).map_err(|e| e.to_string())?;
        let child = Command::new(containerd)
            .arg("--config")
            .arg(dir.join("config.toml"))
            .env(
                "PATH",
                std::env::join_paths(paths).map_err(|e| e.to_string())?,
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("containerd does not start: {e}"))?;
        let namespace = format!(
            "witloom-test-{}",
            dir.file_name()
                .unwrap()
                .to_string_lossy()
                .trim_start_matches("witloom-ctd-")
        );
        let mut server = LocalContainerd {
            child,
            dir,
            socket,
            namespace,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if server.socket.exists() && server.ctr(&["version"]).status.success() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "containerd exited with {status}:\n{}",
                    server.log()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "containerd was not ready within 30s:\n{}",
                    server.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// containerd's log (the shims' lines are in it too).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("containerd.log")).unwrap_or_default()
    }

    /// A directory of this containerd's for the test's files.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.dir.join("scratch").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// `ctr ARGS` against this containerd, within [`CTR_TIMEOUT`].
    pub fn ctr(&self, args: &[&str]) -> Output {
        bounded(self.ctr_command(args), CTR_TIMEOUT)
    }

    /// `ctr ARGS` against this containerd, for the caller to run.
    pub fn ctr_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("ctr");
        cmd.arg("-a")
            .arg(&self.socket)
            .args(["-n", &self.namespace])
            .args(args);
        cmd
    }

    /// What the shims and containerd keep for this namespace's tasks:
    /// each task's bundle, and the shims' container state
    /// (`/run/containerd/SHIM/NS/ID`). Empty when every task is deleted.
    pub fn task_state(&self) -> Vec<PathBuf> {
        let mut dirs = vec![
            self.dir
                .join("state/io.containerd.runtime.v2.task")
                .join(&self.namespace),
        ];
        if let Ok(shims) = std::fs::read_dir("/run/containerd") {
            dirs.extend(shims.flatten().map(|e| e.path().join(&self.namespace)));
        }
        dirs.iter()
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
            .map(|e| e.path())
            .collect()
    }

    /// The status `ctr task ls` shows for `task` (`RUNNING`, `STOPPED`),
    /// if it is there.
    pub fn task_status(&self, task: &str) -> Option<String> {
        let out = self.ctr(&["task", "ls"]);
        String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
            let mut cols = l.split_whitespace();
            (cols.next() == Some(task)).then(|| cols.nth(1).unwrap_or("").to_string())
        })
    }

    /// Waits (up to `limit`) until `task` has stopped.
    pub fn wait_stopped(&self, task: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            match self.task_status(task).as_deref() {
                Some("STOPPED") | None => return true,
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        false
    }

    /// Removes every task and container, as a test's end must.
    pub fn remove_all(&self) {
        let out = self.ctr(&["container", "ls", "-q"]);
        for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            let _ = self.ctr(&["task", "kill", "-s", "SIGKILL", id]);
            self.wait_stopped(id, Duration::from_secs(10));
            let _ = self.ctr(&["task", "delete", id]);
            let _ = self.ctr(&["container", "delete", id]);
        }
    }

    /// Processes whose command line names this containerd's directory:
    /// the shims it started, which outlive it unless stopped.
    pub fn leftover_processes(&self) -> Vec<u32> {
        let dir = self.dir.to_string_lossy().into_owned();
        let me = std::process::id();
        let mut pids = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == me || pid == self.child.id() {
                continue;
            }
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&dir) {
                pids.push(pid);
            }
        }
        pids
    }

    /// Mount points under this containerd's directory.
    pub fn leftover_mounts(&self) -> Vec<PathBuf> {
        let dir = self.dir.to_string_lossy().into_owned();
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split(' ').nth(4))
            .filter(|m| m.starts_with(&dir))
            .map(PathBuf::from)
            .collect()
    }
}

impl Drop for LocalContainerd {
    fn drop(&mut self) {
        self.remove_all();
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in self.leftover_processes() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        // Deepest first, detached: a busy mount must not keep the rest.
        let mut mounts = self.leftover_mounts();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.components().count()));
        for m in mounts {
            let _ = Command::new("umount").arg("-l").arg(&m).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Ok(shims) = std::fs::read_dir("/run/containerd") {
            for shim in shims.flatten() {
                let _ = std::fs::remove_dir_all(shim.path().join(&self.namespace));
            }
        }
    }
}

/// A fresh directory `/tmp/witloom-ctd-N`.
fn tempdir() -> Result<PathBuf, String> {
    for n in 0..1000u32 {
        let dir = std::env::temp_dir().join(format!("witloom-ctd-{}-{n}", std::process::id()));
        if std::fs::create_dir(&dir).is_ok() {
            return Ok(dir);
        }
    }
    Err("no fresh directory under the temp dir".into())
}

/// Runs `cmd` to its end or, past `limit`, kills it (its output so far is
/// returned with a failed status).
pub fn bounded(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}
