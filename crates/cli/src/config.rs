//! Configuration: defaults, then a TOML file, then `SCIMITAR_*` environment variables, then
//! command-line flags. Unknown keys in the file are an error. The database URL may hold a
//! password, so it is redacted wherever it is shown.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use scimitar_core::SecretKey;
use serde::Deserialize;

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// Directory for the embedded database and other state.
    #[arg(long, global = true, env = "SCIMITAR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://PATH); defaults to DATA_DIR/scimitar.db.
    #[arg(long, global = true, env = "SCIMITAR_DATABASE_URL")]
    pub database_url: Option<String>,
    /// TOML configuration file.
    #[arg(long, global = true, env = "SCIMITAR_CONFIG")]
    pub config: Option<PathBuf>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The TOML file's shape.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub log_format: Option<String>,
    pub max_payload_size: Option<usize>,
    pub bulk_max_operations: Option<usize>,
    pub max_page_size: Option<u64>,
    /// File holding the key that seals app credentials (base64 of 32 bytes).
    pub secret_key_file: Option<PathBuf>,
    /// Days provisioning run logs are kept (default 30; 0 keeps everything).
    pub run_log_retention_days: Option<u64>,
}

#[derive(Clone)]
pub struct Settings {
    pub file: FileConfig,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub json: bool,
}

impl Settings {
    /// The SCIM base URL resources are rendered with outside a request (runs, `expr test`):
    /// the configured public URL with `/scim/v2`, as the SCIM API renders them.
    pub fn scim_base_url(&self) -> String {
        match &self.file.public_url {
            Some(url) => format!("{}/scim/v2", url.trim_end_matches('/')),
            None => "http://localhost/scim/v2".into(),
        }
    }

    pub fn load(args: &GlobalArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = args
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = match args
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
        {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(&data_dir).with_context(|| {
                    format!("cannot create the data directory {}", data_dir.display())
                })?;
                format!("sqlite://{}", data_dir.join("scimitar.db").display())
            }
        };
        Ok(Settings {
            file,
            database_url,
            data_dir,
            json: args.json,
        })
    }

    /// Days run logs are kept: `SCIMITAR_RUN_LOG_RETENTION_DAYS`, else the file's
    /// `run_log_retention_days`, else 30.
    pub fn run_log_retention_days(&self) -> anyhow::Result<u64> {
        match std::env::var("SCIMITAR_RUN_LOG_RETENTION_DAYS") {
            Ok(v) => v.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "SCIMITAR_RUN_LOG_RETENTION_DAYS must be a whole number of days (0 keeps everything), not '{v}'"
                )
            }),
            Err(_) => Ok(self
                .file
                .run_log_retention_days
                .unwrap_or(crate::retention::DEFAULT_DAYS)),
        }
    }

    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }

    /// The key that seals app credentials: `SCIMITAR_SECRET_KEY` (base64), else the file named
    /// by `secret_key_file`, else `DATA_DIR/secret.key`, created (mode 0600) on first use. Every
    /// replica on one PostgreSQL database needs the same key.
    pub fn secret_key(&self) -> anyhow::Result<SecretKey> {
        if let Ok(text) = std::env::var("SCIMITAR_SECRET_KEY") {
            return SecretKey::from_base64(&text).context("SCIMITAR_SECRET_KEY");
        }
        let (path, configured) = match &self.file.secret_key_file {
            Some(p) => (p.clone(), true),
            None => (self.data_dir.join("secret.key"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => SecretKey::from_base64(&text)
                .with_context(|| format!("the key file {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !configured => {
                let key = SecretKey::generate();
                let created = write_private(&path, &key.to_base64()).with_context(|| {
                    format!("cannot create the secret key file {}", path.display())
                })?;
                if created {
                    return Ok(key);
                }
                // Another process created it a moment ago: use theirs.
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the key file {}", path.display()))?;
                SecretKey::from_base64(&text)
                    .with_context(|| format!("the key file {}", path.display()))
            }
            Err(e) => {
                Err(e).with_context(|| format!("cannot read the key file {}", path.display()))
            }
        }
    }

    pub async fn open_stores(&self) -> anyhow::Result<scimitar_store::Stores> {
        scimitar_store::open(&self.database_url)
            .await
            .with_context(|| format!("opening {}", self.redacted_database_url()))
    }
}

/// Create `path` with `text`, readable by its owner only, atomically: written to a temporary
/// file, then linked into place, so a process starting at the same moment either sees the whole
/// key or creates nothing. Returns false when another process created the file first.
fn write_private(path: &Path, text: &str) -> std::io::Result<bool> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration in {}", path.display()))
}

/// `scheme://user:secret@host` → `scheme://user:***@host`.
pub fn redact(url: &str) -> String {
    if let (Some(scheme_end), Some(at)) = (url.find("://"), url.rfind('@')) {
        let creds = &url[scheme_end + 3..at];
        if let Some(colon) = creds.find(':') {
            return format!(
                "{}{}:***{}",
                &url[..scheme_end + 3],
                &creds[..colon],
                &url[at..]
            );
        }
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact("postgres://bob:hunter2@db/x"),
            "postgres://bob:***@db/x"
        );
        assert_eq!(
            redact("sqlite://data/scimitar.db"),
            "sqlite://data/scimitar.db"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error() {
        assert!(toml::from_str::<FileConfig>("listen = \"127.0.0.1:1\"\nbogus = 1").is_err());
        assert!(toml::from_str::<FileConfig>("listen = \"127.0.0.1:1\"").is_ok());
    }
}
