//! Tests of email delivery against a minimal SMTP receiver on 127.0.0.1 (220, EHLO, MAIL,
//! RCPT, DATA, QUIT): each recipient gets a message with the summary as subject and the body
//! that says what to do; a server that refuses is reported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use time::macros::datetime;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::{Notification, NotificationEvent, NotificationSettings, Notifier, SmtpConfig};

/// One message as the receiver got it.
#[derive(Debug, Clone, Default)]
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

/// An SMTP receiver that accepts every message, or refuses every recipient with `550`.
async fn smtp_receiver(refuse_rcpt: bool) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let got = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let got = got.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write
                    .write_all(b"220 localhost test SMTP\r\n")
                    .await
                    .unwrap();
                let mut mail = Mail::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-localhost\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        mail.from = line[10..].trim().to_string();
                        b"250 ok\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        if refuse_rcpt {
                            b"550 no such user here\r\n"
                        } else {
                            mail.to.push(line[8..].trim().to_string());
                            b"250 ok\r\n"
                        }
                    } else if upper == "DATA" {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            mail.data.push_str(&l);
                            mail.data.push('\n');
                        }
                        got.lock().unwrap().push(std::mem::take(&mut mail));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

/// Quoted-printable decoding, enough for ASCII text: soft line breaks and `=XX`.
fn unquote(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn threshold() -> Notification {
    Notification::new(
        "acme",
        "crm",
        datetime!(2025-03-01 10:00 UTC),
        NotificationEvent::ThresholdStop {
            run: "r-9".into(),
            held: 120,
            provisioned: 3,
            limit: "50".into(),
        },
    )
}

fn recipients(list: &[&str]) -> NotificationSettings {
    NotificationSettings {
        email: list.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn each_recipient_gets_the_summary_and_what_to_do() {
    let (port, mails) = smtp_receiver(false).await;
    let smtp = SmtpConfig::parse(
        &format!("smtp://127.0.0.1:{port}"),
        "Scimitar <scimitar@example.com>",
    )
    .unwrap();
    let notifier = Notifier::new(Some(smtp)).unwrap();
    let failures = notifier
        .send(
            &recipients(&["ops@example.com", "ana@example.com"]),
            &threshold(),
        )
        .await;
    assert!(failures.is_empty(), "{failures:?}");
    let mut mails = mails.lock().unwrap().clone();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails[0].to, vec!["<ana@example.com>"]);
    assert_eq!(mails[1].to, vec!["<ops@example.com>"]);
    for m in &mails {
        assert_eq!(m.from, "<scimitar@example.com>");
        let (headers, body) = m.data.split_once("\n\n").unwrap();
        // Headers may be folded onto continuation lines.
        let headers = headers.replace("\n ", " ").replace("\n\t", " ");
        let summary = threshold().summary();
        assert!(
            headers
                .lines()
                .any(|l| l == format!("Subject: [Scimitar] {summary}")),
            "{headers}"
        );
        assert!(headers.contains("To: ana@example.com") || headers.contains("To: ops@example.com"));
        let body = if headers.contains("quoted-printable") {
            unquote(body)
        } else {
            body.to_string()
        };
        assert!(body.starts_with(&summary), "{body}");
        assert!(
            body.contains("scimitar app plan crm --tenant acme"),
            "{body}"
        );
        assert!(
            body.contains("scimitar app approve-deletes crm --tenant acme"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_refused_recipient_is_reported() {
    let (port, mails) = smtp_receiver(true).await;
    let smtp =
        SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), "scimitar@example.com").unwrap();
    let failures = Notifier::new(Some(smtp))
        .unwrap()
        .send(&recipients(&["gone@example.com"]), &threshold())
        .await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].target, "email gone@example.com");
    assert!(failures[0].error.contains("550"), "{failures:?}");
    assert!(mails.lock().unwrap().is_empty());
}
