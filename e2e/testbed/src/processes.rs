//! The servers a test cluster runs, as child processes: started with their output in a log
//! file, stopped by PID, and covered by a watchdog that kills them if the test process dies
//! without dropping them (a `static` cluster is never dropped).

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{anyhow, bail, Context};

/// The servers' processes, stopped by PID on drop; the watchdog covers every other way out.
pub(crate) struct Processes {
    children: Vec<(String, Child)>,
    watchdog: Option<Child>,
    pid_file: PathBuf,
}

impl Processes {
    /// Starts the watchdog: once this process is gone (or a zombie), it kills every PID listed
    /// in `pid_file` and removes `dir`. It ignores the terminal's signals so that a Ctrl-C
    /// still leaves it to clean up.
    pub(crate) fn start(dir: &Path) -> anyhow::Result<Self> {
        let pid_file = dir.join("pids");
        fs::write(&pid_file, "")?;
        let script = r#"
            trap '' INT HUP TERM
            parent=$1; pids=$2; dir=$3
            while s=$(sed 's/.*) //' "/proc/$parent/stat" 2>/dev/null) && [ "${s%% *}" != Z ]; do
                sleep 0.2
            done
            kill -9 $(cat "$pids") 2>/dev/null
            rm -rf "$dir"
        "#;
        let watchdog = Command::new("sh")
            .args(["-c", script, "testbed-watchdog"])
            .arg(std::process::id().to_string())
            .arg(&pid_file)
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the watchdog (sh)")?;
        Ok(Self {
            children: Vec::new(),
            watchdog: Some(watchdog),
            pid_file,
        })
    }

    /// Another set of processes the same watchdog covers (servers started and stopped while the
    /// others run: the nodes' kubelets).
    pub(crate) fn beside(&self) -> Self {
        Self {
            children: Vec::new(),
            watchdog: None,
            pid_file: self.pid_file.clone(),
        }
    }

    /// Starts a server with its output in `log`, and registers its PID with the watchdog.
    pub(crate) fn spawn(
        &mut self,
        name: impl Into<String>,
        command: &mut Command,
        log: &Path,
    ) -> anyhow::Result<()> {
        let name = name.into();
        // Appended: a server started again (the API server, by a fault test) keeps its history.
        let out = fs::OpenOptions::new().create(true).append(true).open(log)?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut pids = fs::OpenOptions::new().append(true).open(&self.pid_file)?;
        writeln!(pids, "{}", child.id())?;
        self.children.push((name, child));
        Ok(())
    }

    /// Kills the server `name` (SIGKILL, as a crash or a lost node would) and forgets it.
    pub(crate) fn kill(&mut self, name: &str) -> anyhow::Result<()> {
        let index = self
            .children
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| anyhow!("{name} is not running"))?;
        let (_, mut child) = self.children.remove(index);
        child.kill()?;
        child.wait()?;
        Ok(())
    }

    /// The PID of the server `name`, if it runs.
    pub(crate) fn pid_of(&self, name: &str) -> Option<u32> {
        self.children
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, child)| child.id())
    }

    /// How many servers run.
    pub(crate) fn len(&self) -> usize {
        self.children.len()
    }

    /// Fails if a server has exited.
    pub(crate) fn check_alive(&mut self, dir: &Path) -> anyhow::Result<()> {
        for (name, child) in &mut self.children {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "{name} exited ({status}); the end of its log:\n{}",
                    log_tail(&dir.join(format!("{name}.log")))
                );
            }
        }
        Ok(())
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (_, child) in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// The last few kilobytes of a log file, for error messages.
pub(crate) fn log_tail(path: &Path) -> String {
    const TAIL: u64 = 4096;
    let Ok(mut file) = fs::File::open(path) else {
        return format!("({} cannot be read)", path.display());
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(TAIL)));
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    text
}

/// A free TCP port on 127.0.0.1 (free when asked; the OS does not reuse it at once).
pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
