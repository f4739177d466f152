//! Test support: spawn a real server, make SCIM requests, read responses.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

pub mod faults;
pub mod reference;
pub mod webhook;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scimitar")
}

/// Which database the test servers use: `SCIMITAR_TEST_BACKEND=postgres` runs the whole suite
/// on PostgreSQL (a fresh database per server on `SCIMITAR_TEST_POSTGRES`, default
/// `postgres://postgres@127.0.0.1:5432/postgres`); anything else, SQLite in the data directory.
fn postgres_database() -> Option<String> {
    if std::env::var("SCIMITAR_TEST_BACKEND").as_deref() != Ok("postgres") {
        return None;
    }
    let admin = std::env::var("SCIMITAR_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    Some(postgres_database_on(&admin))
}

/// Create a database on the admin URL's server; returns its URL.
fn postgres_database_on(admin: &str) -> String {
    let admin = admin.to_string();
    let name = format!("scimitar_it_{}_{}", std::process::id(), uuid_like());
    let out = std::process::Command::new("psql")
        .args([
            admin.as_str(),
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .unwrap_or_else(|e| panic!("psql is needed to create a PostgreSQL test database: {e}"));
    assert!(
        out.status.success(),
        "cannot create a PostgreSQL test database on {admin}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin.clone());
    format!("{base}/{name}")
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{t:x}{n}")
}

/// Start `scimitar serve` on `data_dir` (and `database_url`): the process, its origin, and the
/// bootstrap token when it printed one.
async fn spawn_serve(
    data_dir: &std::path::Path,
    database_url: Option<&str>,
    rust_log: &str,
    stderr: Stdio,
) -> (Child, String, String) {
    let mut command = Command::new(bin());
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir);
    if let Some(url) = database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command
        .env("RUST_LOG", rust_log)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn scimitar serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut token = String::new();
    let mut base = String::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if line.starts_with("scim_") {
                token = line.trim().to_string();
            } else if let Some(rest) = line.strip_prefix("Scimitar listening on ") {
                base = rest.trim().trim_end_matches("/scim/v2").to_string();
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("server did not start in 30 s");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base, token)
}

/// A running `scimitar serve` with its own data directory; killed on drop.
pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The bootstrap token of tenant `default`.
    pub token: String,
    pub data_dir: tempfile::TempDir,
    /// The PostgreSQL database of this server, when the suite runs on PostgreSQL.
    pub database_url: Option<String>,
    /// Whether dropping this server drops its PostgreSQL database (replicas share one).
    owns_database: bool,
    child: Child,
}

impl Server {
    pub async fn start() -> Server {
        let mut server = Self::start_on(postgres_database()).await;
        assert!(!server.token.is_empty(), "no bootstrap token printed");
        server.owns_database = true;
        server
    }

    /// A fresh PostgreSQL database on the test server, for tests that need PostgreSQL whatever
    /// the suite's backend (multi-replica tests). `None` when no server is reachable and CI is
    /// not set; under `CI=true` an unreachable server fails the test.
    pub fn new_postgres_database() -> Option<String> {
        let admin = std::env::var("SCIMITAR_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let reachable = std::process::Command::new("psql")
            .args([admin.as_str(), "-qAtc", "SELECT 1"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !reachable {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PostgreSQL is not reachable at {admin} (or psql is missing); CI=true requires it"
            );
            eprintln!(
                "SKIPPING: PostgreSQL is not reachable at {admin}; set SCIMITAR_TEST_POSTGRES"
            );
            return None;
        }
        Some(postgres_database_on(&admin))
    }

    /// Start a server on the given database (`None`: SQLite in its own data directory). The
    /// bootstrap token is printed only by the first server on an empty database.
    pub async fn start_on(database_url: Option<String>) -> Server {
        Self::spawn(database_url, "warn", Stdio::inherit()).await
    }

    /// A server (on the suite's database) whose log, at `rust_log`, goes to `log` instead of
    /// the test's standard error, for tests that check what the server logs.
    pub async fn start_logging(rust_log: &str, log: std::fs::File) -> Server {
        let mut server = Self::spawn(postgres_database(), rust_log, Stdio::from(log)).await;
        server.owns_database = true;
        server
    }

    async fn spawn(database_url: Option<String>, rust_log: &str, stderr: Stdio) -> Server {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (child, base, token) =
            spawn_serve(data_dir.path(), database_url.as_deref(), rust_log, stderr).await;
        Server {
            base,
            token,
            data_dir,
            database_url,
            owns_database: false,
            child,
        }
    }

    /// `kill -9` the process, then start it again on the same data directory and database
    /// (on a new port: `base` changes; the token stays).
    pub async fn kill_and_restart(&mut self) {
        self.child.kill().await.expect("kill -9");
        let (child, base, _) = spawn_serve(
            self.data_dir.path(),
            self.database_url.as_deref(),
            "warn",
            Stdio::inherit(),
        )
        .await;
        self.child = child;
        self.base = base;
    }

    pub fn scim_url(&self) -> String {
        format!("{}/scim/v2", self.base)
    }

    /// A client with the default tenant's token.
    pub fn client(&self) -> Scim {
        Scim::new(&self.scim_url(), &self.token)
    }

    pub fn client_with(&self, token: &str) -> Scim {
        Scim::new(&self.scim_url(), token)
    }

    /// Run the CLI against this server's data directory; returns (exit ok, stdout, stderr).
    pub async fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let mut command = Command::new(bin());
        command
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path());
        if let Some(url) = &self.database_url {
            command.args(["--database-url", url]);
        }
        let out = command.output().await.expect("run scimitar");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Run a CLI command that must succeed; its standard output.
    pub async fn cli_ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.cli(args).await;
        assert!(ok, "{args:?} failed: {err}\n{out}");
        out
    }

    /// Connect `target`'s SCIM endpoint as app `name` of the default tenant (bearer token).
    pub async fn connect_app(&self, name: &str, target: &Server) {
        self.connect_app_at(name, &target.scim_url(), &target.token)
            .await;
    }

    /// Connect the SCIM endpoint at `url` as app `name` of the default tenant.
    pub async fn connect_app_at(&self, name: &str, url: &str, token: &str) {
        self.cli_ok(&[
            "app",
            "create",
            name,
            "--tenant",
            "default",
            "--scim-url",
            url,
            "--bearer-token",
            token,
        ])
        .await;
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.base
    }

    /// Create a tenant and a token for it; returns the token.
    pub async fn new_tenant(&self, name: &str) -> String {
        let (ok, _, err) = self.cli(&["tenant", "create", name]).await;
        assert!(ok, "tenant create failed: {err}");
        let (ok, out, err) = self.cli(&["token", "create", "--tenant", name]).await;
        assert!(ok, "token create failed: {err}");
        out.lines().last().expect("token line").trim().to_string()
    }

    /// Make this server drop its database when it goes (the one that created it).
    pub fn own_database(&mut self) {
        self.owns_database = true;
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A response: status, headers, parsed JSON body (Null when empty).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.text))
            .to_string()
    }
    /// Assert this is a SCIM error with the given status (and scimType, if given).
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.body["schemas"],
            json!([ERROR_SCHEMA]),
            "not a SCIM error: {}",
            self.text
        );
        assert_eq!(
            self.body["status"],
            json!(status.to_string()),
            "status must be a string: {}",
            self.text
        );
        if let Some(t) = scim_type {
            assert_eq!(
                self.body["scimType"],
                json!(t),
                "wrong scimType: {}",
                self.text
            );
        }
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "no detail: {}",
            self.text
        );
    }
}

#[derive(Clone)]
pub struct Scim {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Scim {
    pub fn new(base: &str, token: &str) -> Scim {
        Scim {
            http: reqwest::Client::new(),
            base: base.to_string(),
            token: token.to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {}", self.token));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    /// Send raw bytes with a given content type.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let resp = self
            .http
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.send(reqwest::Method::POST, path, Some(body), &[])
            .await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        self.send(reqwest::Method::PUT, path, Some(body), &[]).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.send(reqwest::Method::PATCH, path, Some(body), &[])
            .await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(reqwest::Method::DELETE, path, None, &[]).await
    }

    /// GET with a URL-encoded filter.
    pub async fn filter(&self, endpoint: &str, filter: &str) -> Resp {
        let q: String = url_encode(filter);
        self.get(&format!("{endpoint}?filter={q}")).await
    }

    /// POST a minimal user; returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let r = self
            .post(
                "/Users",
                &json!({"schemas": [USER_SCHEMA], "userName": user_name}),
            )
            .await;
        assert_eq!(r.status, 201, "create user {user_name}: {}", r.text);
        r.id()
    }

    /// POST a group with the given member ids; returns its id.
    /// Create users `0..n` by Bulk, 500 per request; `user(i)` is the i-th user's resource.
    pub async fn bulk_users(&self, n: usize, user: impl Fn(usize) -> Value) {
        for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
            let ops: Vec<Value> = chunk
                .iter()
                .map(|&i| json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"), "data": user(i)}))
                .collect();
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                              "Operations": ops});
            let r = self.post("/Bulk", &body).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    }

    pub async fn create_group(&self, name: &str, members: &[String]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let r = self
            .post(
                "/Groups",
                &json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members}),
            )
            .await;
        assert_eq!(r.status, 201, "create group {name}: {}", r.text);
        r.id()
    }

    /// The member ids of a group, sorted.
    pub async fn member_ids(&self, group_id: &str) -> Vec<String> {
        let r = self.get(&format!("/Groups/{group_id}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mut ids: Vec<String> = r.body["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }
}

pub fn patch_body(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Drop for Server {
    /// A PostgreSQL test database is dropped with its server (`WITH (FORCE)` ends the server's
    /// connections first).
    fn drop(&mut self) {
        let Some(url) = &self.database_url else {
            return;
        };
        let Some((base, name)) = url.rsplit_once('/') else {
            return;
        };
        let admin = format!("{base}/postgres");
        let _ = std::process::Command::new("psql")
            .args([
                admin.as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .output();
    }
}
