//! A create whose `SelectUniqueValue` value the app refuses as taken (`409 uniqueness`, e.g.
//! an account added between the check and the create) is sent again with the next candidate,
//! and only then; against a small real SCIM endpoint that records what it was sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value};

use super::execute::create_unique;
use crate::connector::{Auth, ConnectorError, ScimConnector, ScimConnectorConfig};

#[derive(Clone, Default)]
struct Target {
    taken: Arc<Mutex<BTreeSet<String>>>,
    posted: Arc<Mutex<Vec<String>>>,
}

async fn create(State(t): State<Target>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    let name = body["userName"].as_str().unwrap_or_default().to_string();
    t.posted.lock().unwrap().push(name.clone());
    if name == "broken" {
        let e = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "400", "scimType": "invalidValue", "detail": "no"});
        return (StatusCode::BAD_REQUEST, Json(e));
    }
    if !t.taken.lock().unwrap().insert(name.clone()) {
        let e = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "409", "scimType": "uniqueness", "detail": format!("{name} is taken")});
        return (StatusCode::CONFLICT, Json(e));
    }
    let mut created = body;
    created["id"] = json!(format!("id-{name}"));
    (StatusCode::CREATED, Json(created))
}

async fn target(taken: &[&str]) -> (Target, ScimConnector) {
    let t = Target::default();
    t.taken
        .lock()
        .unwrap()
        .extend(taken.iter().map(|s| s.to_string()));
    let app = Router::new()
        .route("/scim/v2/Users", post(create))
        .with_state(t.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/scim/v2", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let connector = ScimConnector::new(ScimConnectorConfig::new(url, Auth::bearer("t"))).unwrap();
    (t, connector)
}

fn bodies(names: &[&str]) -> Vec<Value> {
    names.iter().map(|n| json!({"userName": n})).collect()
}

#[tokio::test]
async fn a_uniqueness_conflict_moves_on_to_the_next_candidate() {
    let (t, connector) = target(&["ada@x.com", "lovelace@x.com"]).await;
    let retries = bodies(&["lovelace@x.com", "ada.lovelace@x.com", "never@x.com"]);
    let created = create_unique(
        &connector,
        ResourceKind::User,
        json!({"userName": "ada@x.com"}),
        &retries,
    )
    .await
    .unwrap();
    assert_eq!(created.id, "id-ada.lovelace@x.com");
    assert_eq!(
        *t.posted.lock().unwrap(),
        vec!["ada@x.com", "lovelace@x.com", "ada.lovelace@x.com"]
    );
}

#[tokio::test]
async fn when_every_candidate_is_taken_the_last_conflict_is_the_error() {
    let (t, connector) = target(&["a", "b"]).await;
    let err = create_unique(
        &connector,
        ResourceKind::User,
        json!({"userName": "a"}),
        &bodies(&["b"]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Conflict(d) if d.contains("b is taken")),
        "{err:?}"
    );
    assert_eq!(*t.posted.lock().unwrap(), vec!["a", "b"]);
}

#[tokio::test]
async fn other_errors_are_not_retried_with_another_candidate() {
    let (t, connector) = target(&[]).await;
    let err = create_unique(
        &connector,
        ResourceKind::User,
        json!({"userName": "broken"}),
        &bodies(&["fine"]),
    )
    .await
    .unwrap_err();
    assert!(!matches!(err, ConnectorError::Conflict(_)), "{err:?}");
    assert_eq!(*t.posted.lock().unwrap(), vec!["broken"]);
}
