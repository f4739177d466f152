//! `/api/v1` (issue 4): the admin REST API over real HTTP: admin-scoped tokens only, problem
//! details for errors, apps created over HTTP visible to the CLI and the other way round,
//! tenants kept apart, and an OpenAPI document that lists the routes.

use serde_json::{json, Value};

use crate::support::Server;

/// A client of one tenant's admin API (shared by the `admin_*` tests).
pub(crate) struct Admin {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Admin {
    /// The admin API of `server` with a new admin token of `tenant`.
    pub async fn of(server: &Server, tenant: &str) -> Admin {
        Admin {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            token: admin_token(server, tenant).await,
        }
    }

    /// Send a request with a text body of the given content type; (status, content type,
    /// text).
    pub async fn send_text(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Option<String>,
    ) -> (u16, String, String) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.header("content-type", content_type).body(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, ctype, resp.text().await.unwrap())
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, String, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = resp.text().await.unwrap();
        (
            status,
            ctype,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }
}

pub(crate) async fn admin_token(server: &Server, tenant: &str) -> String {
    let (ok, out, err) = server
        .cli(&["token", "create", "--tenant", tenant, "--scope", "admin"])
        .await;
    assert!(ok, "{err}");
    out.lines().last().unwrap().trim().to_string()
}

#[tokio::test]
async fn the_admin_api_manages_apps_with_admin_tokens_only() {
    let server = Server::start().await;
    let http = reqwest::Client::new();
    let admin = Admin {
        http: http.clone(),
        base: server.base.clone(),
        token: admin_token(&server, "default").await,
    };
    let scim_token = Admin {
        token: server.token.clone(),
        http: http.clone(),
        base: server.base.clone(),
    };
    let get = reqwest::Method::GET;

    // The OpenAPI document needs no token and lists the routes.
    let doc: Value = http
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    assert!(doc["paths"]["/api/v1/apps"]["post"].is_object(), "{doc}");
    assert!(
        doc["paths"]["/api/v1/apps/{name}"]["delete"].is_object(),
        "{doc}"
    );

    // A SCIM token is refused; no token is 401; both as problem details.
    let (status, ctype, body) = scim_token.send(get.clone(), "/apps", None).await;
    assert_eq!((status, ctype.as_str()), (403, "application/problem+json"));
    assert!(
        body["detail"].as_str().unwrap().contains("--scope admin"),
        "{body}"
    );
    let resp = http
        .get(format!("{}/api/v1/apps", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    // Create, read back (never the token), list; the CLI sees the same app.
    let new = json!({"name": "zoho", "scimUrl": "https://zoho.example.com/scim/v2/",
                     "auth": {"type": "bearer", "token": "a-very-secret-token-1234"}});
    let (status, _, created) = admin
        .send(reqwest::Method::POST, "/apps", Some(new.clone()))
        .await;
    assert_eq!(status, 201, "{created}");
    assert!(
        !created.to_string().contains("a-very-secret-token"),
        "{created}"
    );
    let (status, _, shown) = admin.send(get.clone(), "/apps/ZOHO", None).await;
    assert_eq!(status, 200);
    assert_eq!(shown, created);
    assert_eq!(shown["scimUrl"], "https://zoho.example.com/scim/v2");
    assert_eq!(shown["auth"], "bearer token …1234");
    let (ok, out, _) = server
        .cli(&["app", "list", "--tenant", "default", "--json"])
        .await;
    assert!(ok);
    let listed: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(listed[0]["id"], created["id"]);

    // Conflicts and bad bodies are 4xx problems, and change nothing.
    let (status, _, body) = admin.send(reqwest::Method::POST, "/apps", Some(new)).await;
    assert_eq!(status, 409, "{body}");
    let bad = json!({"name": "x", "scimUrl": "https://x.example.com", "auth": {"type": "bearer", "token": "t"}, "extra": 1});
    let (status, _, body) = admin.send(reqwest::Method::POST, "/apps", Some(bad)).await;
    assert_eq!(status, 400, "{body}");
    let bad_url = json!({"name": "y", "scimUrl": "ftp://y.example.com", "auth": {"type": "bearer", "token": "t"}});
    let (status, _, body) = admin
        .send(reqwest::Method::POST, "/apps", Some(bad_url))
        .await;
    assert_eq!(status, 400, "{body}");
    let (_, _, list) = admin.send(get.clone(), "/apps", None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));

    // Another tenant's admin sees none of it.
    server.new_tenant("other").await;
    let other = Admin {
        token: admin_token(&server, "other").await,
        http: http.clone(),
        base: server.base.clone(),
    };
    let (_, _, list) = other.send(get.clone(), "/apps", None).await;
    assert_eq!(list, json!([]));
    let (status, _, _) = other.send(get.clone(), "/apps/zoho", None).await;
    assert_eq!(status, 404);

    let (status, _, _) = admin
        .send(reqwest::Method::DELETE, "/apps/zoho", None)
        .await;
    assert_eq!(status, 204);
    let (status, _, _) = admin.send(get, "/apps/zoho", None).await;
    assert_eq!(status, 404);
}
