//! How the server sends email: one SMTP server for every app, from the environment.
//!
//! `SCIMITAR_SMTP_URL` is `smtp://[USER[:PASSWORD]@]HOST[:PORT][?tls=none|starttls|tls]` or
//! `smtps://...` (TLS from the first byte, port 465 by default); `SCIMITAR_SMTP_FROM` is the
//! sender address. The password is never shown: `Debug` redacts it.

use std::fmt;
use std::str::FromStr;

use percent_encoding::percent_decode_str;
use url::Url;

use super::NotifyError;

pub const SMTP_URL_VAR: &str = "SCIMITAR_SMTP_URL";
pub const SMTP_FROM_VAR: &str = "SCIMITAR_SMTP_FROM";

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on the same host or network).
    None,
    /// Plain connection upgraded with STARTTLS, which is required.
    StartTls,
    /// TLS from the first byte (`smtps://`, usually port 465).
    Tls,
}

impl SmtpTls {
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::None => "none",
            SmtpTls::StartTls => "starttls",
            SmtpTls::Tls => "tls",
        }
    }
}

/// The SMTP server notifications are sent through.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The sender address (`SCIMITAR_SMTP_FROM`), possibly with a name: `Scimitar
    /// <scimitar@example.com>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub tls: SmtpTls,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("tls", &self.tls)
            .finish()
    }
}

impl SmtpConfig {
    /// From `SCIMITAR_SMTP_URL` and `SCIMITAR_SMTP_FROM`; `None` when the URL is unset or empty.
    pub fn from_env() -> Result<Option<SmtpConfig>, NotifyError> {
        let url = std::env::var(SMTP_URL_VAR).unwrap_or_default();
        if url.trim().is_empty() {
            return Ok(None);
        }
        let from = std::env::var(SMTP_FROM_VAR).unwrap_or_default();
        SmtpConfig::parse(&url, &from).map(Some)
    }

    /// From an `smtp://` or `smtps://` URL and a sender address.
    pub fn parse(url: &str, from: &str) -> Result<SmtpConfig, NotifyError> {
        let bad = |m: String| NotifyError::new(SMTP_URL_VAR, m);
        let parsed = Url::parse(url.trim()).map_err(|e| {
            bad(format!(
                "not a URL ({e}); give smtp://[USER:PASSWORD@]HOST[:PORT][?tls=starttls] or smtps://..."
            ))
        })?;
        let (mut tls, default_port) = match parsed.scheme() {
            "smtp" => (SmtpTls::None, 25),
            "smtps" => (SmtpTls::Tls, 465),
            other => {
                return Err(bad(format!(
                    "the scheme must be smtp or smtps, not '{other}'"
                )))
            }
        };
        let host = parsed.host_str().unwrap_or_default().to_string();
        if host.is_empty() {
            return Err(bad("the URL has no host".into()));
        }
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "tls" => {
                    tls = match value.to_ascii_lowercase().as_str() {
                        "none" => SmtpTls::None,
                        "starttls" => SmtpTls::StartTls,
                        "tls" => SmtpTls::Tls,
                        v => {
                            return Err(bad(format!(
                                "tls must be none, starttls or tls, not '{v}'"
                            )))
                        }
                    }
                }
                k => return Err(bad(format!("unknown parameter '{k}' (only tls is known)"))),
            }
        }
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let username = Some(decode(parsed.username())).filter(|u| !u.is_empty());
        let password = parsed.password().map(decode);
        if password.is_some() && username.is_none() {
            return Err(bad("a password without a user name".into()));
        }
        let from = from.trim();
        if from.is_empty() {
            return Err(NotifyError::new(
                SMTP_FROM_VAR,
                format!("must be set with {SMTP_URL_VAR}: the sender address, e.g. scimitar@example.com"),
            ));
        }
        lettre::message::Mailbox::from_str(from).map_err(|e| {
            NotifyError::new(
                SMTP_FROM_VAR,
                format!("'{from}' is not an email address ({e})"),
            )
        })?;
        Ok(SmtpConfig {
            host,
            port: parsed.port().unwrap_or(default_port),
            from: from.to_string(),
            username,
            password,
            tls,
        })
    }

    /// For logs and `--help`-style output: never the password.
    pub fn describe(&self) -> String {
        let user = self
            .username
            .as_ref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        format!(
            "smtp {user}{}:{} (tls {}) from {}",
            self.host,
            self.port,
            self.tls.as_str(),
            self.from
        )
    }
}
