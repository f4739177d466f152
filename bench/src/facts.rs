//! The facts a reader needs to trust or compare a run: the exact command, when, on what machine,
//! how busy it already was, and which commit of the server was measured.

use std::path::Path;

use serde_json::{json, Value};
use time::macros::format_description;
use time::OffsetDateTime;

pub struct Facts {
    /// The arguments as given, quoted for a shell.
    pub command: String,
    pub date: String,
    pub nproc: usize,
    pub cpu: String,
    pub memory_total: String,
    pub kernel: String,
    /// /proc/loadavg before the run: other work on a shared machine skews every figure.
    pub load_average: String,
    pub commit: String,
}

impl Facts {
    pub fn collect(root: &Path) -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let command = std::iter::once("cargo run --release -p scimitar-bench --".to_owned())
            .chain(args.iter().map(|a| shell_quote(&redact_password(a))))
            .collect::<Vec<_>>()
            .join(" ");
        let proc_field = |file: &str, key: &str| {
            std::fs::read_to_string(file)
                .ok()
                .and_then(|text| {
                    text.lines()
                        .find(|l| l.starts_with(key))
                        .and_then(|l| l.split_once(':'))
                        .map(|(_, v)| v.trim().to_owned())
                })
                .unwrap_or_else(|| "unknown".into())
        };
        let read = |file: &str| {
            std::fs::read_to_string(file)
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| "unknown".into())
        };
        Self {
            command,
            date: OffsetDateTime::now_utc()
                .format(format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
                ))
                .unwrap_or_else(|_| "unknown".into()),
            nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu: proc_field("/proc/cpuinfo", "model name"),
            memory_total: proc_field("/proc/meminfo", "MemTotal"),
            kernel: read("/proc/sys/kernel/osrelease"),
            load_average: read("/proc/loadavg"),
            commit: git_commit(root),
        }
    }

    /// The first lines of every report: the command, the machine, the date and the commit.
    pub fn header(&self) -> String {
        format!(
            "command:  {}\nmachine:  {} CPUs ({}), {} RAM, Linux {}, load average before: {}\ndate:     {}   commit: {}\n",
            self.command,
            self.nproc,
            self.cpu,
            self.memory_total,
            self.kernel,
            self.load_average,
            self.date,
            self.commit
        )
    }

    pub fn to_json(&self) -> Value {
        json!({
            "command": self.command,
            "date": self.date,
            "nproc": self.nproc,
            "cpu": self.cpu,
            "memory_total": self.memory_total,
            "kernel": self.kernel,
            "load_average_before": self.load_average,
            "commit": self.commit,
        })
    }
}

fn git_commit(root: &Path) -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match run(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{commit} (with uncommitted changes)")
            } else {
                commit
            }
        }
        None => "unknown".into(),
    }
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`: the command line is
/// printed and recorded, a password must not be.
pub fn redact_password(arg: &str) -> String {
    let Some((scheme, rest)) = arg.split_once("://") else {
        return arg.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return arg.to_owned();
    };
    match rest[..at].split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => arg.to_owned(),
    }
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(shell_quote("--users"), "--users");
        assert_eq!(
            shell_quote("postgres://u@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn redacts_database_passwords() {
        assert_eq!(
            redact_password("--database-url=postgres://bench:s3cr@t@127.0.0.1/db"),
            "--database-url=postgres://bench:***@127.0.0.1/db"
        );
        assert_eq!(
            redact_password("postgres://bench@localhost/db"),
            "postgres://bench@localhost/db"
        );
        assert_eq!(redact_password("--users"), "--users");
    }
}
