//! One HTTP/1.1 keep-alive connection to the server under test, and nothing more.
//!
//! Each load worker owns exactly one `Conn`, so "C connections" means C sockets: there is no pool
//! that could open more, and no client-side queueing that could hide server latency. The address
//! is always a loopback one (`Target::new` refuses anything else): this harness must never send
//! load anywhere but the machine it runs on.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// Where the server listens and how to authenticate; cheap to clone into every worker.
#[derive(Clone, Debug)]
pub struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    auth: Option<HeaderValue>,
}

impl Target {
    pub fn new(addr: SocketAddr) -> Result<Self> {
        if !addr.ip().is_loopback() {
            bail!("refusing to benchmark {addr}: only loopback addresses are allowed");
        }
        let host = HeaderValue::from_str(&addr.to_string()).context("host header")?;
        Ok(Self {
            addr,
            host,
            auth: None,
        })
    }

    pub fn with_token(mut self, token: &str) -> Result<Self> {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).context("token header")?;
        self.auth = Some(value);
        Ok(self)
    }
}

/// A response with its body fully read (reading it is what lets the connection be reused).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("response {} is not JSON: {}", self.status, self.snippet()))
    }

    /// The start of the body, for error messages.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(300).collect()
    }
}

pub struct Conn {
    target: Target,
    sender: SendRequest<Full<Bytes>>,
    driver: JoinHandle<()>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl Conn {
    pub async fn connect(target: &Target) -> Result<Self> {
        let stream = TcpStream::connect(target.addr)
            .await
            .with_context(|| format!("connect to {}", target.addr))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP/1.1 handshake")?;
        // The connection future does the socket I/O; it ends when the socket closes.
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self {
            target: target.clone(),
            sender,
            driver,
        })
    }

    /// Sends one request and reads the whole response. `path` includes the query string.
    pub async fn send(&mut self, method: Method, path: &str, body: Option<Bytes>) -> Result<Reply> {
        let has_body = body.is_some();
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .body(Full::new(body.unwrap_or_default()))
            .context("build request")?;
        let headers = request.headers_mut();
        headers.insert(HOST, self.target.host.clone());
        if let Some(auth) = &self.target.auth {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        if has_body {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/scim+json"),
            );
        }
        self.sender.ready().await.context("connection closed")?;
        let response = self.sender.send_request(request).await.context("send")?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .context("read body")?
            .to_bytes();
        Ok(Reply { status, body })
    }

    /// `send` with a deadline; a timed-out connection is in an unknown state and must be dropped.
    pub async fn send_within(
        &mut self,
        limit: Duration,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Reply> {
        match tokio::time::timeout(limit, self.send(method, path, body)).await {
            Ok(result) => result,
            Err(_) => bail!("no response within {} s", limit.as_secs_f64()),
        }
    }
}

/// Percent-encodes a query-string value: everything but RFC 3986 unreserved characters.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_scim_filter() {
        assert_eq!(
            encode_query_value(r#"userName eq "user000001@bench.example""#),
            "userName%20eq%20%22user000001%40bench.example%22"
        );
    }

    #[test]
    fn refuses_non_loopback_targets() {
        let public: SocketAddr = "192.0.2.1:80".parse().unwrap();
        assert!(Target::new(public).is_err());
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert!(Target::new(local).is_ok());
    }
}
