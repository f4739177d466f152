//! Configuration: defaults, then a TOML file, then `SCIMITAR_*` environment variables, then
//! command-line flags. Unknown keys in the file are an error. The database URL may hold a
//! password, so it is redacted wherever it is shown.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
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
#[derive(Deserialize, Debug, Default)]
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
}

pub struct Settings {
    pub file: FileConfig,
    pub database_url: String,
    pub json: bool,
}

impl Settings {
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
            json: args.json,
        })
    }

    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }

    pub async fn open_stores(&self) -> anyhow::Result<scimitar_store::Stores> {
        scimitar_store::open(&self.database_url)
            .await
            .with_context(|| format!("opening {}", self.redacted_database_url()))
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
