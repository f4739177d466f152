//! PostgreSQL only: the statistics upkeep that stands in for autovacuum. After a load the
//! tables must get statistics (the planner's index choices depend on them), and a table that did
//! not change must be left alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use scimitar_core::{DirectoryStore, NewResource, TenantStore};
use scimitar_scim::schema::ResourceKind;
use scimitar_store::PgStore;
use serde_json::json;

#[path = "directory/backends.rs"]
#[allow(dead_code, unused_imports, unused_macros)]
mod backends;

const NOW: &str = "2026-01-01T00:00:00.000000Z";

#[tokio::test]
async fn a_loaded_table_gets_statistics_and_an_unchanged_one_is_left_alone() {
    let Some((url, name)) = backends::postgres_database().await else {
        return;
    };
    let store = PgStore::open(&url).await.unwrap();
    let tenant = store.create_tenant("t", NOW).await.unwrap().id;
    for i in 0..200 {
        let new = NewResource {
            kind: ResourceKind::User,
            id: format!("u{i}"),
            data: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                         "userName": format!("user{i}"),
                         "emails": [{"value": format!("user{i}@example.com")}]}),
            password_hash: None,
            members: vec![],
            now: NOW.into(),
        };
        store.create(tenant, new).await.unwrap();
    }
    // Backends publish their table counters at most once a second: look until they arrive.
    let deadline = Instant::now() + Duration::from_secs(20);
    let done = loop {
        let done = store.maintain_statistics().await.unwrap();
        if done.iter().any(|(t, _)| t == "users") || Instant::now() > deadline {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let tables: Vec<&str> = done.iter().map(|(t, _)| t.as_str()).collect();
    assert!(tables.contains(&"users"), "upkeep did {done:?}");
    assert!(
        !tables.contains(&"groups"),
        "no group was written: {done:?}"
    );

    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (analyzed, stats): (bool, i64) = sqlx::query_as(
        "SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL, \
                (SELECT COUNT(*) FROM pg_stats WHERE tablename = 'users') \
         FROM pg_stat_user_tables WHERE relname = 'users'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        analyzed && stats > 0,
        "users has no statistics after upkeep"
    );

    // Nothing changed since: the next pass leaves users alone.
    let again = store.maintain_statistics().await.unwrap();
    assert!(
        !again.iter().any(|(t, _)| t == "users"),
        "unchanged table maintained again: {again:?}"
    );
    pool.close().await;
    drop(store);
    backends::drop_database(&name).await;
}
