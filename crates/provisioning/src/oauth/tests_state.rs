//! The stored side of an authorization, on SQLite with a clock the test moves: the `state` is
//! single-use, expires after ten minutes, is replaced by a newer one, and cannot be bent to
//! another app; OAuth secrets are sealed and never shown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use scimitar_core::service::{AppAdmin, TenantAdmin};
use scimitar_core::{AppAuth, Clock, OAuthGrant, OAuthSettings, SecretKey, TenantId};
use time::OffsetDateTime;

use super::*;

struct TestClock(Mutex<OffsetDateTime>);

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, seconds: i64) {
        *self.0.lock().unwrap() += time::Duration::seconds(seconds);
    }
}

fn settings(grant: OAuthGrant) -> OAuthSettings {
    OAuthSettings {
        grant,
        token_url: "https://accounts.zoho.eu/oauth/v2/token".into(),
        authorize_url: Some("https://accounts.zoho.eu/oauth/v2/auth".into()),
        client_id: "1000.CLIENT".into(),
        client_secret: "client-secret-value-42".into(),
        client_auth: scimitar_core::ClientAuth::Body,
        scope: Some("ZohoOne.SCIM.ALL".into()),
        redirect_uri: None,
        refresh_token: None,
    }
}

async fn setup() -> (tempfile::TempDir, AppAdmin, Arc<TestClock>, TenantId) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let stores = scimitar_store::open(&url).await.unwrap();
    let clock = Arc::new(TestClock(Mutex::new(OffsetDateTime::now_utc())));
    let tenants = TenantAdmin::new(stores.tenants.clone(), clock.clone());
    let tenant = tenants.create_tenant("acme").await.unwrap().id;
    let admin = AppAdmin::new(
        stores.apps.clone(),
        stores.directory.clone(),
        clock.clone(),
        SecretKey::generate(),
    );
    for (name, grant) in [
        ("zoho", OAuthGrant::AuthorizationCode),
        ("other", OAuthGrant::AuthorizationCode),
        ("cc", OAuthGrant::ClientCredentials),
    ] {
        let auth = AppAuth::OAuth(settings(grant));
        admin
            .create(tenant, name, "https://directory.zoho.eu/scim", auth)
            .await
            .unwrap();
    }
    (dir, admin, clock, tenant)
}

const CALLBACK: &str = "https://scim.example.com/oauth/callback";

#[tokio::test]
async fn states_are_single_use_expire_and_are_replaced() {
    let (_dir, admin, clock, tenant) = setup().await;
    let err = authorize::begin(&admin, tenant, "zoho", None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("redirect URI"), "{err}");

    let first = admin
        .begin_authorization(tenant, "zoho", Some(CALLBACK))
        .await
        .unwrap();
    assert_eq!(first.redirect_uri, CALLBACK);
    let taken = admin.take_authorization(&first.state).await.unwrap();
    assert_eq!(taken.app.name, "zoho");
    assert_eq!(taken.redirect_uri, CALLBACK);
    assert!(
        admin.take_authorization(&first.state).await.is_err(),
        "used twice"
    );

    let late = admin
        .begin_authorization(tenant, "zoho", Some(CALLBACK))
        .await
        .unwrap();
    clock.advance(601);
    assert!(
        admin.take_authorization(&late.state).await.is_err(),
        "expired"
    );

    let old = admin
        .begin_authorization(tenant, "zoho", Some(CALLBACK))
        .await
        .unwrap();
    let new = admin
        .begin_authorization(tenant, "zoho", Some(CALLBACK))
        .await
        .unwrap();
    assert!(
        admin.take_authorization(&old.state).await.is_err(),
        "replaced"
    );
    // The random part of one app's state does not open another app's authorization.
    let other = admin
        .begin_authorization(tenant, "other", Some(CALLBACK))
        .await
        .unwrap();
    let random = new.state.rsplit('.').next().unwrap();
    let bent = format!("{}.{}.{random}", tenant.0, other.app.id);
    assert!(admin.take_authorization(&bent).await.is_err(), "bent");
    assert!(admin.take_authorization(&new.state).await.is_ok());
    assert!(admin.take_authorization("garbage").await.is_err());

    let err = admin
        .begin_authorization(tenant, "cc", Some(CALLBACK))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("client credentials"), "{err}");
}

#[tokio::test]
async fn tokens_are_sealed_and_the_status_is_shown() {
    let (_dir, admin, _clock, tenant) = setup().await;
    let app = admin.get(tenant, "zoho").await.unwrap();
    admin
        .complete_authorization(tenant, &app.id, "refresh-token-secret-1")
        .await
        .unwrap();
    admin
        .store_refresh_token(tenant, &app.id, "refresh-token-secret-2")
        .await
        .unwrap();
    assert_eq!(
        admin
            .stored_refresh_token(tenant, &app.id)
            .await
            .unwrap()
            .as_deref(),
        Some("refresh-token-secret-2")
    );
    admin
        .mark_needs_reauthorization(tenant, &app.id, "refused (invalid_grant)")
        .await
        .unwrap();
    let view = admin.show(tenant, "zoho").await.unwrap();
    let status = &view.record.settings["oauth"];
    assert_eq!(status["needsReauthorization"], true);
    assert!(status["authorized"].is_string());
    let everything = format!("{view:?} {}", view.record.auth_sealed);
    for secret in ["client-secret-value-42", "refresh-token-secret"] {
        assert!(!everything.contains(secret), "{secret} shown: {everything}");
    }
    // Authorizing again clears the flag.
    admin
        .complete_authorization(tenant, &app.id, "refresh-token-secret-3")
        .await
        .unwrap();
    let view = admin.show(tenant, "zoho").await.unwrap();
    assert!(view.record.settings["oauth"]["needsReauthorization"].is_null());
}
