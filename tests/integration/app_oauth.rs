//! OAuth 2.0 app connections (C4) end to end: a small authorization server in the test
//! process (`/authorize`, `/token` for the authorization code, refresh token and client
//! credentials grants, 2-second access tokens, rotating refresh tokens that can be revoked) in
//! front of a SCIM endpoint that accepts only its current access tokens; a real
//! `scimitar serve` whose `/oauth/callback` receives the code; the CLI and the admin API.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_api::Admin;
use crate::support::Server;

const CLIENT_ID: &str = "1000.TESTCLIENT";
const CLIENT_SECRET: &str = "cs-5f1d2c9e-very-secret";

#[derive(Default)]
struct Auth {
    codes: HashMap<String, String>,
    refresh_tokens: HashSet<String>,
    /// Every refresh token ever issued, to look for in what Scimitar shows and logs.
    issued_refresh: Vec<String>,
    access: HashMap<String, Instant>,
    grants: HashMap<String, u32>,
    counter: u32,
}

type Shared = Arc<Mutex<Auth>>;

impl Auth {
    fn next(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{}-{:08x}", self.counter, rand_u32())
    }
    fn access_token(&mut self) -> Value {
        let token = self.next("at");
        self.access
            .insert(token.clone(), Instant::now() + Duration::from_secs(2));
        json!({"access_token": token, "token_type": "Bearer", "expires_in": 2})
    }
    fn refresh_token(&mut self) -> String {
        let token = self.next("rt");
        self.refresh_tokens.insert(token.clone());
        self.issued_refresh.push(token.clone());
        token
    }
    fn grants(&self, grant: &str) -> u32 {
        self.grants.get(grant).copied().unwrap_or(0)
    }
}

fn rand_u32() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(7)
}

async fn authorize(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let ok = q.get("response_type").map(String::as_str) == Some("code")
        && q.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && q.get("access_type").map(String::as_str) == Some("offline")
        && q.get("scope").map(String::as_str) == Some("ZohoOne.SCIM.ALL");
    let (Some(redirect), Some(state), true) = (q.get("redirect_uri"), q.get("state"), ok) else {
        return (StatusCode::BAD_REQUEST, "bad authorization request").into_response();
    };
    let mut auth = shared.lock().unwrap();
    let code = auth.next("code");
    auth.codes.insert(code.clone(), redirect.clone());
    Redirect::to(&format!("{redirect}?code={code}&state={state}")).into_response()
}

async fn token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let by_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(basic.as_str());
    let by_body = form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !by_header && !by_body {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        );
    }
    let mut auth = shared.lock().unwrap();
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    *auth.grants.entry(grant.clone()).or_default() += 1;
    let invalid_grant = (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "invalid_grant", "error_description": "the grant is not valid"})),
    );
    match grant.as_str() {
        "client_credentials" => (StatusCode::OK, Json(auth.access_token())),
        "authorization_code" => {
            let code = form.get("code").cloned().unwrap_or_default();
            match auth.codes.remove(&code) {
                Some(redirect) if form.get("redirect_uri") == Some(&redirect) => {
                    let mut body = auth.access_token();
                    body["refresh_token"] = json!(auth.refresh_token());
                    (StatusCode::OK, Json(body))
                }
                _ => invalid_grant,
            }
        }
        "refresh_token" => {
            let given = form.get("refresh_token").cloned().unwrap_or_default();
            if !auth.refresh_tokens.remove(&given) {
                return invalid_grant;
            }
            // Rotation: the old refresh token is used up, a new one comes with the answer.
            let mut body = auth.access_token();
            body["refresh_token"] = json!(auth.refresh_token());
            (StatusCode::OK, Json(body))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        ),
    }
}

/// The protected SCIM endpoint: only a current access token gets an (empty) user list.
async fn users(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let valid = shared
        .lock()
        .unwrap()
        .access
        .get(token)
        .is_some_and(|until| Instant::now() < *until);
    if !valid {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                          "status": "401", "detail": "invalid or expired access token"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    Json(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []}),
    )
    .into_response()
}

async fn auth_server() -> (String, Shared) {
    let shared: Shared = Arc::default();
    let app = Router::new()
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/scim/v2/Users", get(users))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), shared)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Open `url` as the administrator's browser would: the authorization server redirects to
/// Scimitar's callback; (the callback's status, its page).
async fn approve(url: &str) -> (u16, String) {
    let http = no_redirects();
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        303,
        "{}",
        resp.text().await.unwrap()
    );
    let callback = resp.headers()["location"].to_str().unwrap().to_string();
    let page = http.get(&callback).send().await.unwrap();
    (page.status().as_u16(), page.text().await.unwrap())
}

fn server_log() -> (tempfile::NamedTempFile, std::fs::File) {
    let file = tempfile::NamedTempFile::new().unwrap();
    let handle = file.reopen().unwrap();
    (file, handle)
}

/// App `zoho` of tenant `default`: the authorization code grant at `auth_base`, coming back
/// to `server`'s callback.
async fn connect_zoho(server: &Server, auth_base: &str) {
    let callback = format!("{}/oauth/callback", server.base);
    let scim_url = format!("{auth_base}/scim/v2");
    let authorize_url = format!("{auth_base}/authorize");
    let token_url = format!("{auth_base}/token");
    server
        .cli_ok(&[
            "app",
            "create",
            "zoho",
            "--tenant",
            "default",
            "--scim-url",
            &scim_url,
            "--oauth-authorization-code",
            "--authorize-url",
            &authorize_url,
            "--token-url",
            &token_url,
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--client-auth",
            "body",
            "--scope",
            "ZohoOne.SCIM.ALL",
            "--redirect-uri",
            &callback,
        ])
        .await;
}

#[tokio::test]
async fn app_authorize_waits_until_the_callback_has_stored_the_refresh_token() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let (auth_base, shared) = auth_server().await;
    let server = Server::start().await;
    connect_zoho(&server, &auth_base).await;
    let mut command = tokio::process::Command::new(crate::support::bin());
    command
        .args([
            "app",
            "authorize",
            "zoho",
            "--tenant",
            "default",
            "--data-dir",
        ])
        .arg(server.data_dir.path());
    if let Some(url) = &server.database_url {
        command.args(["--database-url", url]);
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let authorize_url = format!("{auth_base}/authorize");
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("the URL line");
            if line.starts_with(&authorize_url) {
                return line;
            }
        }
    })
    .await
    .expect("no URL printed in 20 s");
    let (status, page) = approve(&url).await;
    assert_eq!(status, 200, "{page}");
    let rest = tokio::time::timeout(Duration::from_secs(20), async {
        let mut rest = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    })
    .await
    .expect("app authorize did not finish within 20 s of the callback");
    assert!(child.wait().await.unwrap().success(), "{rest}");
    assert!(rest.contains("'zoho' is authorized"), "{rest}");
    assert_eq!(shared.lock().unwrap().grants("authorization_code"), 1);
    server
        .cli_ok(&["app", "test", "zoho", "--tenant", "default"])
        .await;
    // The route is in the OpenAPI document.
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/apps/{name}/authorize"]["post"].is_object());
}

#[tokio::test]
async fn client_credentials_tokens_are_fetched_cached_and_renewed() {
    let (auth_base, shared) = auth_server().await;
    let server = Server::start().await;
    let admin = Admin::of(&server, "default").await;
    let (status, _, app) = admin
        .send(
            Method::POST,
            "/apps",
            Some(
                json!({"name": "cc", "scimUrl": format!("{auth_base}/scim/v2"),
                "auth": {"type": "oauth", "grant": "client_credentials",
                         "tokenUrl": format!("{auth_base}/token"), "clientId": CLIENT_ID,
                         "clientSecret": CLIENT_SECRET, "scope": "scim"}}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{app}");
    assert_eq!(
        app["auth"],
        format!("oauth client credentials, client '{CLIENT_ID}', token endpoint {auth_base}/token")
    );
    assert!(!app.to_string().contains(CLIENT_SECRET));
    for _ in 0..3 {
        let (status, _, report) = admin.send(Method::POST, "/apps/cc/test", None).await;
        assert_eq!(status, 200, "{report}");
    }
    assert_eq!(
        shared.lock().unwrap().grants("client_credentials"),
        1,
        "one token for three requests"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, _, report) = admin.send(Method::POST, "/apps/cc/test", None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(shared.lock().unwrap().grants("client_credentials"), 2);
    // A PATCH of part of the OAuth settings keeps the rest (the secret included).
    let (status, _, app) = admin
        .send(
            Method::PATCH,
            "/apps/cc",
            Some(json!({"auth": {"type": "oauth", "scope": "scim other"}})),
        )
        .await;
    assert_eq!(status, 200, "{app}");
    let (status, _, report) = admin.send(Method::POST, "/apps/cc/test", None).await;
    assert_eq!(status, 200, "{report}");
    // The CLI gets its own token the same way.
    let out = server
        .cli_ok(&["app", "test", "cc", "--tenant", "default"])
        .await;
    assert!(out.contains("works"), "{out}");
    // A wrong secret is the token endpoint's refusal, with no secret in the message.
    server
        .cli_ok(&[
            "app",
            "set",
            "cc",
            "--tenant",
            "default",
            "--client-secret",
            "wrong-secret-xyz",
        ])
        .await;
    let (ok, out, err) = server
        .cli(&["app", "test", "cc", "--tenant", "default"])
        .await;
    assert!(!ok, "{out}");
    assert!(err.contains("invalid_client"), "{err}");
    assert!(!err.contains("wrong-secret-xyz") && !out.contains("wrong-secret-xyz"));
}

#[tokio::test]
async fn authorization_code_end_to_end_with_rotation_revocation_and_reauthorization() {
    let (auth_base, shared) = auth_server().await;
    let (log_file, log) = server_log();
    let server = Server::start_logging("debug", log).await;
    let callback = format!("{}/oauth/callback", server.base);
    let authorize_url = format!("{auth_base}/authorize");
    connect_zoho(&server, &auth_base).await;
    let test = ["app", "test", "zoho", "--tenant", "default"];
    let (ok, _, err) = server.cli(&test).await;
    assert!(!ok);
    assert!(
        err.contains("not been authorized yet")
            && err.contains("scimitar app authorize zoho --tenant default"),
        "{err}"
    );

    // An administrator who denies access: the state is used up, the page says so.
    let out = server
        .cli_ok(&[
            "app",
            "authorize",
            "zoho",
            "--tenant",
            "default",
            "--no-wait",
        ])
        .await;
    let state = out
        .split("state=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_string();
    let denied = format!("{callback}?error=access_denied&state={state}");
    let page = reqwest::get(&denied).await.unwrap();
    assert_eq!(page.status().as_u16(), 400);
    let text = page.text().await.unwrap();
    assert!(text.contains("not granted (access_denied)"), "{text}");
    let page = reqwest::get(&denied).await.unwrap();
    assert_eq!(page.status().as_u16(), 400, "a used state");

    // The CLI prints the URL; the browser goes to the authorization server and back.
    let out = server
        .cli_ok(&[
            "app",
            "authorize",
            "zoho",
            "--tenant",
            "default",
            "--no-wait",
        ])
        .await;
    let url = out
        .lines()
        .find(|l| l.starts_with(&authorize_url))
        .unwrap_or_else(|| panic!("no URL in {out}"))
        .to_string();
    assert!(
        url.contains("response_type=code") && url.contains("prompt=consent"),
        "{url}"
    );
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    let (status, page) = approve(&url).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("'zoho' is authorized"), "{page}");
    // The state is single-use.
    let (status, page) = approve(&url).await;
    assert_eq!(status, 400, "{page}");

    let out = server.cli_ok(&test).await;
    assert!(out.contains("works"), "{out}");
    // After the access token expires, a refresh with the rotated refresh token (stored by the
    // previous process) still works, in the CLI and in the server.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    server.cli_ok(&test).await;
    let admin = Admin::of(&server, "default").await;
    let (status, _, report) = admin.send(Method::POST, "/apps/zoho/test", None).await;
    assert_eq!(status, 200, "{report}");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, _, report) = admin.send(Method::POST, "/apps/zoho/test", None).await;
    assert_eq!(status, 200, "{report}");
    server.cli_ok(&test).await;
    assert_eq!(shared.lock().unwrap().grants("refresh_token"), 5);
    let shown = server
        .cli_ok(&["app", "show", "zoho", "--tenant", "default", "--json"])
        .await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert!(shown["oauth"]["authorized"].is_string(), "{shown}");
    assert!(shown["oauth"]["needsReauthorization"].is_null(), "{shown}");

    // Revoked at the authorization server: the app needs an administrator again.
    shared.lock().unwrap().refresh_tokens.clear();
    let (ok, _, err) = server.cli(&test).await;
    assert!(!ok);
    assert!(
        err.contains("needs to be authorized again")
            && err.contains("scimitar app authorize zoho --tenant default"),
        "{err}"
    );
    let shown = server
        .cli_ok(&["app", "show", "zoho", "--tenant", "default", "--json"])
        .await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["oauth"]["needsReauthorization"], true, "{shown}");
    assert!(
        shown["oauth"]["reason"]
            .as_str()
            .unwrap()
            .contains("invalid_grant"),
        "{shown}"
    );
    let human = server
        .cli_ok(&["app", "show", "zoho", "--tenant", "default"])
        .await;
    assert!(human.contains("NEEDS RE-AUTHORIZATION"), "{human}");
    let (_, _, api_view) = admin.send(Method::GET, "/apps/zoho", None).await;
    assert_eq!(
        api_view["oauth"]["needsReauthorization"], true,
        "{api_view}"
    );
    // The server's own token source finds out too (its access token expired by now).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, _, problem) = admin.send(Method::POST, "/apps/zoho/test", None).await;
    assert_eq!(status, 502, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("app authorize zoho"),
        "{problem}"
    );

    // Re-authorizing through the admin API clears it.
    let (status, _, started) = admin.send(Method::POST, "/apps/zoho/authorize", None).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["redirectUri"], callback.as_str());
    let (status, page) = approve(started["url"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{page}");
    server.cli_ok(&test).await;
    let (status, _, report) = admin.send(Method::POST, "/apps/zoho/test", None).await;
    assert_eq!(status, 200, "{report}");
    let (_, _, api_view) = admin.send(Method::GET, "/apps/zoho", None).await;
    assert!(
        api_view["oauth"]["needsReauthorization"].is_null(),
        "{api_view}"
    );

    // No secret in anything shown or logged.
    let human = server
        .cli_ok(&["app", "show", "zoho", "--tenant", "default"])
        .await;
    let json_view = server
        .cli_ok(&["app", "show", "zoho", "--tenant", "default", "--json"])
        .await;
    let listed = server
        .cli_ok(&["app", "list", "--tenant", "default", "--json"])
        .await;
    let log = std::fs::read_to_string(log_file.path()).unwrap();
    assert!(
        log.contains("OAuth"),
        "the server logged nothing about OAuth: {log}"
    );
    let issued = shared.lock().unwrap().issued_refresh.clone();
    assert!(issued.len() >= 6, "{issued:?}");
    for (what, text) in [
        ("app show", human),
        ("app show --json", json_view),
        ("app list --json", listed),
        ("the API view", api_view.to_string()),
        ("the server log", log),
    ] {
        assert!(
            !text.contains(CLIENT_SECRET),
            "{what} shows the client secret"
        );
        for token in &issued {
            assert!(
                !text.contains(token.as_str()),
                "{what} shows a refresh token"
            );
        }
    }
}

#[tokio::test]
async fn the_zoho_shorthand_fills_the_region_endpoints() {
    let server = Server::start().await;
    server
        .cli_ok(&[
            "app",
            "create",
            "zoho-in",
            "--tenant",
            "default",
            "--scim-url",
            "https://directory.zoho.in/api/v1/scim/123",
            "--zoho-region",
            "in",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ])
        .await;
    let shown = server
        .cli_ok(&["app", "show", "zoho-in", "--tenant", "default", "--json"])
        .await;
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        shown["auth"],
        format!(
            "oauth authorization code, client '{CLIENT_ID}', token endpoint https://accounts.zoho.in/oauth/v2/token"
        )
    );
    // Without a redirect URI or public_url there is nowhere to come back to.
    let (ok, _, err) = server
        .cli(&[
            "app",
            "authorize",
            "zoho-in",
            "--tenant",
            "default",
            "--no-wait",
        ])
        .await;
    assert!(!ok && err.contains("redirect URI"), "{err}");
    let (ok, _, err) = server
        .cli(&[
            "app",
            "create",
            "bad",
            "--tenant",
            "default",
            "--scim-url",
            "https://x.example/scim",
            "--zoho-region",
            "mars",
            "--client-id",
            "a",
            "--client-secret",
            "b",
        ])
        .await;
    assert!(!ok && err.contains("unknown Zoho region 'mars'"), "{err}");
}
