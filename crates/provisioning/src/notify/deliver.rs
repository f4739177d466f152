//! Delivery: a JSON POST to the app's webhook (10 s timeout, one retry on a 5xx answer or a
//! connection failure) and one email per recipient through the SMTP server. Failures are
//! returned and logged, never raised: a notification must not make a run fail.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use futures::future::join_all;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use super::event::Notification;
use super::settings::{describe_webhook, NotificationSettings};
use super::smtp::{SmtpConfig, SmtpTls, SMTP_FROM_VAR, SMTP_URL_VAR};
use super::NotifyError;

/// How long one webhook call or one SMTP conversation may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The pause before the one retry of a webhook call.
const RETRY_DELAY: Duration = Duration::from_millis(500);

/// A target that did not receive a notification, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailure {
    /// As [`NotificationSettings::targets`] describes it: `webhook https://host`,
    /// `email it-ops@example.com`, or `email` when no SMTP server is configured.
    pub target: String,
    pub error: String,
}

impl fmt::Display for DeliveryFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.target, self.error)
    }
}

/// Sends notifications; one per server, shared by every app.
#[derive(Debug, Clone)]
pub struct Notifier {
    http: reqwest::Client,
    smtp: Option<SmtpConfig>,
}

impl Notifier {
    /// A notifier sending email through `smtp` (`None`: email recipients are reported as
    /// failures, with what to set).
    pub fn new(smtp: Option<SmtpConfig>) -> Result<Notifier, NotifyError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("scimitar/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::new("webhook", format!("no HTTP client: {e}")))?;
        Ok(Notifier { http, smtp })
    }

    /// A notifier with the SMTP server of `SCIMITAR_SMTP_URL` and `SCIMITAR_SMTP_FROM`.
    pub fn from_env() -> Result<Notifier, NotifyError> {
        Notifier::new(SmtpConfig::from_env()?)
    }

    pub fn smtp(&self) -> Option<&SmtpConfig> {
        self.smtp.as_ref()
    }

    /// Deliver `n` to every target in `settings` that wants its kind of event, at once; what
    /// failed (empty when every target received it, or when none wants it). Takes at most
    /// about 21 s (a webhook timing out twice); callers that must not wait spawn it.
    pub async fn send(
        &self,
        settings: &NotificationSettings,
        n: &Notification,
    ) -> Vec<DeliveryFailure> {
        if !settings.wants(n.event.kind()) {
            return Vec::new();
        }
        let mut failures = Vec::new();
        let webhook = async {
            match &settings.webhook {
                Some(url) => self.webhook(url, n).await.err(),
                None => None,
            }
        };
        let emails = async {
            if settings.email.is_empty() {
                return Vec::new();
            }
            match &self.smtp {
                None => vec![DeliveryFailure {
                    target: "email".into(),
                    error: format!(
                        "no SMTP server is configured: set {SMTP_URL_VAR} and {SMTP_FROM_VAR} \
                         where Scimitar runs"
                    ),
                }],
                Some(smtp) => join_all(settings.email.iter().map(|to| email(smtp, to, n)))
                    .await
                    .into_iter()
                    .filter_map(Result::err)
                    .collect(),
            }
        };
        let (w, e) = futures::join!(webhook, emails);
        failures.extend(w);
        failures.extend(e);
        for f in &failures {
            tracing::warn!(tenant = %n.tenant, app = %n.app, event = n.event.kind().as_str(),
                target = %f.target, error = %f.error, "notification not delivered");
        }
        failures
    }

    async fn webhook(&self, url: &Url, n: &Notification) -> Result<(), DeliveryFailure> {
        let fail = |error: String| DeliveryFailure {
            target: describe_webhook(url),
            error,
        };
        let body = payload(n);
        let mut retried = false;
        loop {
            let result = self.http.post(url.clone()).json(&body).send().await;
            let retry = match &result {
                Ok(r) => r.status().is_server_error(),
                Err(e) => e.is_connect(),
            };
            if retry && !retried {
                retried = true;
                tokio::time::sleep(RETRY_DELAY).await;
                continue;
            }
            let again = if retried { " (after one retry)" } else { "" };
            return match result {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(fail(format!("the webhook answered {}{again}", r.status()))),
                // Without the URL: a webhook's path or query is often its secret.
                Err(e) => Err(fail(format!("{}{again}", chain(&e.without_url())))),
            };
        }
    }
}

/// The webhook body: the notification, plus its summary as `text` (which chat webhooks such
/// as Slack's and Mattermost's show as the message).
pub(crate) fn payload(n: &Notification) -> serde_json::Value {
    let mut v = serde_json::to_value(n).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("text".into(), serde_json::Value::String(n.summary()));
    }
    v
}

async fn email(smtp: &SmtpConfig, to: &str, n: &Notification) -> Result<(), DeliveryFailure> {
    let fail = |error: String| DeliveryFailure {
        target: format!("email {to}"),
        error,
    };
    let from = Mailbox::from_str(&smtp.from)
        .map_err(|e| fail(format!("{SMTP_FROM_VAR} is not an address: {e}")))?;
    let rcpt = Mailbox::from_str(to).map_err(|e| fail(format!("not an address: {e}")))?;
    let message = Message::builder()
        .from(from)
        .to(rcpt)
        .subject(format!("[Scimitar] {}", n.summary()))
        .header(ContentType::TEXT_PLAIN)
        .body(n.body())
        .map_err(|e| fail(format!("the message cannot be built: {e}")))?;
    let builder = match smtp.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| fail(chain(&e)))?,
        SmtpTls::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host).map_err(|e| fail(chain(&e)))?
        }
    };
    let mut builder = builder.port(smtp.port).timeout(Some(TIMEOUT));
    if let Some(user) = &smtp.username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            smtp.password.clone().unwrap_or_default(),
        ));
    }
    let transport = builder.build();
    // The whole conversation is bounded, not only each read.
    match tokio::time::timeout(TIMEOUT * 2, transport.send(message)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(fail(format!(
            "the SMTP server {}:{} refused or failed: {}",
            smtp.host,
            smtp.port,
            chain(&e)
        ))),
        Err(_) => Err(fail(format!(
            "the SMTP server {}:{} did not finish in {} s",
            smtp.host,
            smtp.port,
            (TIMEOUT * 2).as_secs()
        ))),
    }
}

/// An error with its causes, for an operator: `error sending request: connection refused`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
