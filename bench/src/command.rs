//! The `scimitar` CLI run against a server's database, as an operator runs it next to the
//! running server: short admin commands (`app create`, `app assign`, `app start`) whose standard
//! output is read, and the one being measured, `app sync`, whose wall time and CPU time are
//! taken.
//!
//! CPU time: the child is waited for with `waitid(WEXITED | WNOWAIT)`, which returns when it has
//! exited but leaves it unreaped; its /proc/PID/stat then still holds the user + system time of
//! all its threads, and nothing else can have reused the PID. Only then is it reaped. Like the
//! server, a child never outlives the harness: dropping the handle kills it.

use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rustix::process::{Pid, WaitId, WaitIdOptions};

use crate::server::{cpu_seconds, Server};

/// Per-object logging would cost the CPU being measured, as for the server.
fn quiet(command: &mut std::process::Command) {
    if std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "warn");
    }
}

/// Runs `scimitar ARGS --data-dir ...` to completion and returns its standard output; a
/// non-zero exit is an error carrying its standard error.
pub async fn run(server: &Server, args: &[&str]) -> Result<String> {
    let mut command = std::process::Command::new(&server.bin);
    command.args(args).args(server.database_args());
    quiet(&mut command);
    let mut command = tokio::process::Command::from(command);
    let output = command
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("run scimitar {}", args.join(" ")))?;
    if !output.status.success() {
        bail!(
            "scimitar {} failed ({}): {}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A measured command: how it ended, how long it took, what it cost.
pub struct Timed {
    pub status: ExitStatus,
    pub wall: Duration,
    /// User + system CPU seconds of the child and all its threads (None without /proc).
    pub cpu_seconds: Option<f64>,
    /// Its standard output, kept in a file: a run over 100,000 objects prints a lot.
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

/// Runs `scimitar ARGS --data-dir ...` with its output in files under `dir` (named after
/// `label`), and measures it.
pub async fn run_timed(server: &Server, args: &[&str], dir: &Path, label: &str) -> Result<Timed> {
    let stdout = dir.join(format!("{label}.out"));
    let stderr = dir.join(format!("{label}.err"));
    let mut command = std::process::Command::new(&server.bin);
    command
        .args(args)
        .args(server.database_args())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).context("create the output file")?)
        .stderr(std::fs::File::create(&stderr).context("create the error file")?);
    quiet(&mut command);
    let started = Instant::now();
    let child = command
        .spawn()
        .with_context(|| format!("start scimitar {}", args.join(" ")))?;
    let mut reaper = Reaper(Some(child));
    let pid = reaper.pid()?;
    tokio::task::spawn_blocking(move || wait_exited(pid))
        .await
        .context("the waiting thread")??;
    let wall = started.elapsed();
    let cpu_seconds = cpu_seconds(&pid.as_raw_nonzero().to_string());
    let status = reaper.reap()?;
    Ok(Timed {
        status,
        wall,
        cpu_seconds,
        stdout,
        stderr,
    })
}

/// Blocks until the child has exited, leaving it a zombie whose /proc entry can still be read.
fn wait_exited(pid: Pid) -> Result<()> {
    loop {
        match rustix::process::waitid(
            WaitId::Pid(pid),
            WaitIdOptions::EXITED | WaitIdOptions::NOWAIT,
        ) {
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e).context("waitid"),
        }
    }
}

/// Owns the child until it is reaped; dropped before that (an error, Ctrl-C), it kills it.
struct Reaper(Option<Child>);

impl Reaper {
    fn pid(&self) -> Result<Pid> {
        self.0
            .as_ref()
            .map(Pid::from_child)
            .context("the child is gone")
    }

    fn reap(&mut self) -> Result<ExitStatus> {
        let mut child = self.0.take().context("the child is gone")?;
        child.wait().context("reap the child")
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

/// The end of a text file, for error messages.
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_of_an_exited_child_is_read_before_it_is_reaped() {
        // A shell that burns about 0.2 s of CPU, then exits.
        let child = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
            .spawn()
            .unwrap();
        let mut reaper = Reaper(Some(child));
        let pid = reaper.pid().unwrap();
        wait_exited(pid).unwrap();
        let cpu = cpu_seconds(&pid.as_raw_nonzero().to_string()).unwrap();
        assert!(reaper.reap().unwrap().success());
        assert!(cpu > 0.0, "{cpu}");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, "a\nb\nc\n").unwrap();
        assert_eq!(tail(&path, 2), "b\nc");
        assert_eq!(tail(&dir.path().join("missing"), 2), "");
    }
}
