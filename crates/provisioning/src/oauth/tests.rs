//! The token source against a real (small) token endpoint on 127.0.0.1: caching and renewal
//! before expiry, one request in flight, refresh token rotation, revocation, and Zoho's
//! `200 OK` errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use scimitar_core::{ClientAuth, OAuthGrant, OAuthSettings};
use serde_json::{json, Value};

use super::*;
use crate::connector::{ConnectorError, Secret};

#[derive(Default)]
struct Endpoint {
    grants: HashMap<String, u32>,
    refresh_tokens: Vec<String>,
    rotate: bool,
    /// Answer errors as Zoho does: `200 OK` with an `error` member.
    zoho_errors: bool,
    issued: u32,
    delay_ms: u64,
}

type Shared = Arc<Mutex<Endpoint>>;

async fn token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let delay = shared.lock().unwrap().delay_ms;
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let mut e = shared.lock().unwrap();
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    let body_auth = form.get("client_secret").map(String::as_str) == Some("secret");
    if !basic && !body_auth {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        );
    }
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    *e.grants.entry(grant.clone()).or_default() += 1;
    e.issued += 1;
    let access = format!("at-{}", e.issued);
    match grant.as_str() {
        "client_credentials" => (
            StatusCode::OK,
            Json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 2})),
        ),
        "refresh_token" => {
            let given = form.get("refresh_token").cloned().unwrap_or_default();
            if !e.refresh_tokens.contains(&given) {
                let status = if e.zoho_errors {
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                };
                let error = if e.zoho_errors {
                    "invalid_code"
                } else {
                    "invalid_grant"
                };
                return (status, Json(json!({"error": error})));
            }
            let mut body = json!({"access_token": access, "token_type": "Bearer", "expires_in": 2});
            if e.rotate {
                let new = format!("rt-{}", e.issued);
                e.refresh_tokens.retain(|t| *t != given);
                e.refresh_tokens.push(new.clone());
                body["refresh_token"] = json!(new);
            }
            (StatusCode::OK, Json(body))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        ),
    }
}

async fn serve(endpoint: Endpoint) -> (String, Shared) {
    let shared = Arc::new(Mutex::new(endpoint));
    let app = Router::new()
        .route("/token", post(token))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/token"), shared)
}

#[derive(Default)]
struct MemoryStore {
    stored: Mutex<Option<String>>,
    rotations: Mutex<Vec<String>>,
    reauthorization: Mutex<Option<String>>,
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn rotated(&self, refresh_token: &Secret) -> Result<(), String> {
        let t = refresh_token.expose().to_string();
        *self.stored.lock().unwrap() = Some(t.clone());
        self.rotations.lock().unwrap().push(t);
        Ok(())
    }
    async fn needs_reauthorization(&self, reason: &str) -> Result<(), String> {
        *self.reauthorization.lock().unwrap() = Some(reason.to_string());
        Ok(())
    }
    async fn stored_refresh_token(&self) -> Result<Option<Secret>, String> {
        Ok(self.stored.lock().unwrap().clone().map(Secret::new))
    }
}

fn settings(grant: OAuthGrant, token_url: &str, refresh: Option<&str>) -> OAuthSettings {
    OAuthSettings {
        grant,
        token_url: token_url.into(),
        authorize_url: Some("https://accounts.zoho.eu/oauth/v2/auth".into()),
        client_id: "client".into(),
        client_secret: "secret".into(),
        client_auth: ClientAuth::Basic,
        scope: Some("scim".into()),
        redirect_uri: None,
        refresh_token: refresh.map(str::to_string),
    }
}

fn source(settings: OAuthSettings, store: Arc<MemoryStore>) -> TokenSource {
    let label = AppLabel {
        app: "zoho".into(),
        tenant: "acme".into(),
    };
    let client = endpoint::client().unwrap();
    TokenSource::new(settings, label, client, store)
}

fn grants(shared: &Shared, grant: &str) -> u32 {
    shared
        .lock()
        .unwrap()
        .grants
        .get(grant)
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn client_credentials_tokens_are_cached_and_renewed_before_expiry() {
    let (url, shared) = serve(Endpoint::default()).await;
    let s = source(
        settings(OAuthGrant::ClientCredentials, &url, None),
        Arc::default(),
    );
    let first = s.access_token().await.unwrap();
    assert_eq!(s.access_token().await.unwrap(), first);
    assert_eq!(grants(&shared, "client_credentials"), 1);
    // A 2 s token is renewed half a second early.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let second = s.access_token().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(grants(&shared, "client_credentials"), 2);
}

#[tokio::test]
async fn concurrent_requests_share_one_token_request() {
    let (url, shared) = serve(Endpoint {
        delay_ms: 200,
        ..Endpoint::default()
    })
    .await;
    let s = Arc::new(source(
        settings(OAuthGrant::ClientCredentials, &url, None),
        Arc::default(),
    ));
    let calls = (0..20).map(|_| {
        let s = s.clone();
        tokio::spawn(async move { s.access_token().await.unwrap() })
    });
    let tokens: Vec<Secret> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(grants(&shared, "client_credentials"), 1);
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_and_used_next() {
    let (url, shared) = serve(Endpoint {
        refresh_tokens: vec!["rt-0".into()],
        rotate: true,
        ..Endpoint::default()
    })
    .await;
    let store = Arc::new(MemoryStore::default());
    *store.stored.lock().unwrap() = Some("rt-0".into());
    let s = source(
        settings(OAuthGrant::AuthorizationCode, &url, Some("rt-0")),
        store.clone(),
    );
    s.access_token().await.unwrap();
    assert_eq!(*store.rotations.lock().unwrap(), vec!["rt-1".to_string()]);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    s.access_token().await.unwrap();
    assert_eq!(grants(&shared, "refresh_token"), 2);
    assert_eq!(store.rotations.lock().unwrap().len(), 2);
    assert!(store.reauthorization.lock().unwrap().is_none());
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_reauthorization() {
    for zoho_errors in [false, true] {
        let (url, shared) = serve(Endpoint {
            zoho_errors,
            ..Endpoint::default()
        })
        .await;
        let store = Arc::new(MemoryStore::default());
        *store.stored.lock().unwrap() = Some("revoked".into());
        let s = source(
            settings(OAuthGrant::AuthorizationCode, &url, Some("revoked")),
            store.clone(),
        );
        let err = s.access_token().await.unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, ConnectorError::NeedsAuthorization(_)),
            "{err:?}"
        );
        assert!(
            text.contains("scimitar app authorize zoho --tenant acme"),
            "{text}"
        );
        assert!(!text.contains("revoked") || text.contains("revoked, expired"));
        let reason = store.reauthorization.lock().unwrap().clone().unwrap();
        assert!(reason.contains("invalid_"), "{reason}");
        // Not asked again with the same refused token, but a newly stored one is used.
        let asked = shared.lock().unwrap().grants.get("refresh_token").copied();
        let again = s.access_token().await.unwrap_err();
        assert!(matches!(again, ConnectorError::NeedsAuthorization(_)));
        assert_eq!(
            shared.lock().unwrap().grants.get("refresh_token").copied(),
            asked
        );
        shared
            .lock()
            .unwrap()
            .refresh_tokens
            .push("reauthorized".into());
        *store.stored.lock().unwrap() = Some("reauthorized".into());
        s.access_token().await.unwrap();
    }
}

#[tokio::test]
async fn a_refresh_token_replaced_elsewhere_is_picked_up_from_the_store() {
    let (url, _) = serve(Endpoint {
        refresh_tokens: vec!["rt-new".into()],
        ..Endpoint::default()
    })
    .await;
    let store = Arc::new(MemoryStore::default());
    // Re-authorized (or rotated by another process) since this source was made.
    *store.stored.lock().unwrap() = Some("rt-new".into());
    let s = source(
        settings(OAuthGrant::AuthorizationCode, &url, Some("rt-old")),
        store.clone(),
    );
    s.access_token().await.unwrap();
    assert!(store.reauthorization.lock().unwrap().is_none());
}

#[tokio::test]
async fn an_unauthorized_app_needs_authorization_first() {
    let (url, shared) = serve(Endpoint::default()).await;
    let s = source(
        settings(OAuthGrant::AuthorizationCode, &url, None),
        Arc::default(),
    );
    let err = s.access_token().await.unwrap_err();
    assert!(
        err.to_string().contains("has not been authorized yet"),
        "{err}"
    );
    assert_eq!(grants(&shared, "refresh_token"), 0);
}

#[tokio::test]
async fn a_refused_token_is_replaced_once_then_reported() {
    let (url, shared) = serve(Endpoint::default()).await;
    let s = source(
        settings(OAuthGrant::ClientCredentials, &url, None),
        Arc::default(),
    );
    let first = s.access_token().await.unwrap();
    assert!(
        s.refused(&first).await,
        "the first refusal is worth a retry"
    );
    let second = s.access_token().await.unwrap();
    assert_ne!(first, second);
    assert!(
        !s.refused(&second).await,
        "a fresh token refused too is a credentials problem"
    );
    assert_eq!(grants(&shared, "client_credentials"), 2);
}

#[tokio::test]
async fn bad_client_credentials_are_unauthorized_and_secrets_stay_out_of_errors() {
    let (url, _) = serve(Endpoint::default()).await;
    let mut wrong = settings(OAuthGrant::ClientCredentials, &url, None);
    wrong.client_auth = ClientAuth::Body;
    wrong.client_secret = "wrong-secret-value".into();
    let s = source(wrong, Arc::default());
    let err = s.access_token().await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Unauthorized { detail, .. } if detail.contains("invalid_client")),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?} {s:?}").contains("wrong-secret-value"));
}

#[test]
fn the_authorization_url_asks_for_a_code_and_offline_access() {
    let s = settings(OAuthGrant::AuthorizationCode, "https://x/token", None);
    let url = authorization_url(&s, "st.1", "https://scim.example.com/oauth/callback").unwrap();
    assert!(url.starts_with("https://accounts.zoho.eu/oauth/v2/auth?response_type=code&client_id=client&redirect_uri=https%3A%2F%2Fscim.example.com%2Foauth%2Fcallback&scope=scim&state=st.1&access_type=offline&prompt=consent"), "{url}");
    assert!(!url.contains("secret"));
}
