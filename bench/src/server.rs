//! The server under test as a child process: build it, start it on a free loopback port in a
//! fresh data directory, wait until it is ready, mint a token through its CLI, read its memory,
//! and kill it.
//!
//! The one rule here: the server never outlives the harness. The child is spawned with
//! `kill_on_drop`, so an error, a panic or a Ctrl-C (which drops the run future) all kill it.

use std::ffi::OsString;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hyper::Method;
use tempfile::TempDir;
use tokio::process::{Child, Command};

use crate::http::{Conn, Target};

/// How to start the server: its database and how long it may take.
pub struct ServerOptions {
    pub database_url: Option<String>,
    pub startup_timeout: Duration,
}

pub struct Server {
    child: Child,
    pub bin: PathBuf,
    pub addr: SocketAddr,
    data_dir: TempDir,
    database_url: Option<String>,
    log_path: PathBuf,
}

/// The workspace root, known at compile time: the bench crate lives in `<root>/bench`.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Builds `scimitar` in release mode unless a binary was given, and returns its path.
pub fn locate_or_build(server_bin: Option<&Path>) -> Result<PathBuf> {
    if let Some(bin) = server_bin {
        if !bin.is_file() {
            bail!("--server-bin {} is not a file", bin.display());
        }
        return Ok(bin.to_path_buf());
    }
    let root = workspace_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building the server: cargo build --release -p scimitar");
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "-p", "scimitar"])
        .current_dir(&root)
        .status()
        .context("run cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p scimitar failed ({status})");
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target_dir.join("release").join("scimitar");
    if !bin.is_file() {
        bail!("built, but {} does not exist", bin.display());
    }
    Ok(bin)
}

fn free_loopback_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr()?)
}

impl Server {
    pub async fn start(bin: PathBuf, options: &ServerOptions) -> Result<Self> {
        let data_dir = tempfile::Builder::new()
            .prefix("scimitar-bench-")
            .tempdir()
            .context("create data dir")?;
        let addr = free_loopback_port()?;
        let log_path = data_dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).context("create server log")?;
        let mut command = Command::new(&bin);
        command
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(data_dir.path());
        if let Some(url) = &options.database_url {
            command.arg("--database-url").arg(url);
        }
        // Per-request logging would cost the server CPU the benchmark means to measure.
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        let child = command
            .spawn()
            .with_context(|| format!("start {}", bin.display()))?;
        let mut server = Self {
            child,
            bin,
            addr,
            data_dir,
            database_url: options.database_url.clone(),
            log_path,
        };
        server.wait_ready(options.startup_timeout).await?;
        Ok(server)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// What points a `scimitar` CLI command at this server's database: its data dir (which
    /// also holds secret.key) and, when given, its database URL.
    pub fn database_args(&self) -> Vec<OsString> {
        let mut args = vec!["--data-dir".into(), self.data_dir.path().into()];
        if let Some(url) = &self.database_url {
            args.extend(["--database-url".into(), url.into()]);
        }
        args
    }

    async fn wait_ready(&mut self, limit: Duration) -> Result<()> {
        let target = Target::new(self.addr)?;
        let deadline = Instant::now() + limit;
        loop {
            self.ensure_running()?;
            if let Ok(mut conn) = Conn::connect(&target).await {
                let reply = conn
                    .send_within(Duration::from_secs(2), Method::GET, "/healthz", None)
                    .await;
                if matches!(&reply, Ok(r) if r.is_success()) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "server not ready on {} after {} s\n{}",
                    self.addr,
                    limit.as_secs(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fails (with the end of the server's log) if the server has exited.
    pub fn ensure_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("the server exited ({status})\n{}", self.log_tail());
        }
        Ok(())
    }

    /// `scimitar token create`: the token is the last line of its standard output.
    pub async fn create_token(&self) -> Result<String> {
        let mut command = Command::new(&self.bin);
        command
            .args(["token", "create", "--tenant", "default", "--data-dir"])
            .arg(self.data_dir.path());
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        let output = command
            .stdin(Stdio::null())
            .output()
            .await
            .context("run scimitar token create")?;
        if !output.status.success() {
            bail!(
                "scimitar token create failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        last_nonempty_line(&stdout)
            .map(str::to_owned)
            .context("scimitar token create printed nothing")
    }

    /// Current and peak resident memory, from /proc/PID/status.
    pub fn memory(&self) -> Option<Memory> {
        let pid = self.pid()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        Memory::parse(&status)
    }

    /// The last lines of the server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(30);
        format!(
            "--- last lines of {} ---\n{}",
            self.log_path.display(),
            lines[start..].join("\n")
        )
    }

    pub async fn stop(mut self) -> Result<()> {
        if self.child.try_wait()?.is_none() {
            self.child.kill().await.context("kill the server")?;
        }
        Ok(())
    }
}

/// CPU seconds (user + system) a process has used, from /proc/PID/stat (`self` for this one).
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks = parse_cpu_ticks(&stat)?;
    Some(ticks as f64 / clock_ticks_per_second())
}

/// utime + stime, the 14th and 15th fields; the command name (field 2) may contain spaces, so
/// fields are counted after its closing parenthesis.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|t: &f64| *t > 0.0)
            .unwrap_or(100.0)
    })
}

fn last_nonempty_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).rev().find(|l| !l.is_empty())
}

/// Resident set sizes in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    /// VmRSS: resident now.
    pub rss: u64,
    /// VmHWM: the peak resident size since the process started.
    pub peak: u64,
}

impl Memory {
    fn parse(status: &str) -> Option<Self> {
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kib: u64 = line[name.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(kib * 1024)
        };
        Some(Self {
            rss: field("VmRSS:")?,
            peak: field("VmHWM:")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let status =
            "Name:\tscimitar\nVmPeak:\t  900000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\n";
        let memory = Memory::parse(status).unwrap();
        assert_eq!(memory.peak, 81_234 * 1024);
        assert_eq!(memory.rss, 70_000 * 1024);
        assert_eq!(Memory::parse("Name:\tx\n"), None);
    }

    #[test]
    fn token_is_the_last_line() {
        assert_eq!(
            last_nonempty_line("created token for tenant default\nscim_abc123\n\n"),
            Some("scim_abc123")
        );
        assert_eq!(last_nonempty_line("\n \n"), None);
    }

    #[test]
    fn parses_cpu_ticks_after_the_command_name() {
        let stat = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 1234 56 0 0 20 0 8 0";
        assert_eq!(parse_cpu_ticks(stat), Some(1234 + 56));
        assert_eq!(parse_cpu_ticks("4242 (x) S 1"), None);
    }

    #[test]
    fn reads_this_process_cpu() {
        assert!(cpu_seconds("self").is_some_and(|s| s >= 0.0));
    }

    #[test]
    fn reads_this_process_memory() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let memory = Memory::parse(&status).unwrap();
        assert!(memory.peak >= memory.rss && memory.rss > 0);
    }
}
