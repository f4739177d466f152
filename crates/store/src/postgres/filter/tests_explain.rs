//! The plans PostgreSQL picks for the routes written for its indexes: on a tenant of 20,000
//! users (statistics gathered with ANALYZE), `co`/`ew` on userName and displayName must be a
//! Bitmap Index Scan on their trigram index, `co` on emails.value must be able to use its
//! trigram index, and `eq` on userName and emails.value must seek their B-tree indexes.
//! A regression here is a full scan per search on a large directory.

use super::tests::{cmp, empty_db, eq, numbered, s, TestDb};
use super::*;
use scimitar_scim::filter::CompareOp;

const USERS: i64 = 20_000;

/// 20,000 users in tenant 1, each with one email, generated on the server.
async fn big_directory() -> Option<TestDb> {
    let mut db = empty_db().await?;
    let sql = format!(
        "INSERT INTO tenants (id, name, created) VALUES (1, 'one', 'x'), (2, 'two', 'x'); \
         INSERT INTO users (seq, id, tenant_id, user_name, user_name_ci, display_name, \
         display_name_ci, active, created, last_modified, version, data, search) \
         SELECT i, 'u' || i, 1, 'User' || i || '@Example.com', 'user' || i || '@example.com', \
         'Person ' || i, 'person ' || i, i % 2 = 0, '2024-01-01T00:00:00.000000Z', \
         '2024-01-01T00:00:00.000000Z', 1, \
         jsonb_build_object('userName', 'User' || i || '@Example.com'), \
         jsonb_build_object('userName', 'user' || i || '@example.com', 'emails', \
         jsonb_build_array(jsonb_build_object('value', 'mail' || i || '@corp.example'))) \
         FROM generate_series(1, {USERS}) i; \
         INSERT INTO user_emails (user_seq, tenant_id, value_ci) \
         SELECT i, 1, 'mail' || i || '@corp.example' FROM generate_series(1, {USERS}) i; \
         ANALYZE users; ANALYZE user_emails; ANALYZE tenants;"
    );
    sqlx::raw_sql(&sql).execute(&mut db.conn).await.unwrap();
    Some(db)
}

/// The plan of the list query for `f`, as the store would run it (binds, not literals).
async fn plan(db: &mut TestDb, f: &Filter) -> String {
    let frag = filter_to_sql(ResourceKind::User, f).unwrap();
    let sql = numbered(&format!(
        "EXPLAIN SELECT r.id FROM users r WHERE r.tenant_id = ?::bigint AND ({})",
        frag.sql
    ));
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(1_i64);
    for b in frag.binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
            Bind::Real(f) => q.bind(f),
            Bind::Null => q.bind(None::<String>),
        };
    }
    q.fetch_all(&mut db.conn).await.unwrap().join("\n")
}

async fn count(db: &mut TestDb, f: &Filter) -> i64 {
    let frag = filter_to_sql(ResourceKind::User, f).unwrap();
    let sql = numbered(&format!(
        "SELECT count(*) FROM users r WHERE r.tenant_id = ?::bigint AND ({})",
        frag.sql
    ));
    let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(1_i64);
    for b in frag.binds {
        if let Bind::Text(s) = b {
            q = q.bind(s);
        }
    }
    q.fetch_one(&mut db.conn).await.unwrap()
}

#[tokio::test]
async fn contains_uses_the_trigram_indexes() {
    let Some(mut db) = big_directory().await else {
        return;
    };
    let db = &mut db;
    let f = cmp("userName", CompareOp::Co, s("R1234"));
    let p = plan(db, &f).await;
    assert!(
        p.contains("Bitmap Index Scan on users_user_name_trgm"),
        "{p}"
    );
    // user1234@, user12340@ .. user12349@
    assert_eq!(count(db, &f).await, 11);

    let f = cmp("displayName", CompareOp::Co, s("son 1999"));
    let p = plan(db, &f).await;
    assert!(
        p.contains("Bitmap Index Scan on users_display_name_trgm"),
        "{p}"
    );
    assert_eq!(count(db, &f).await, 11);

    // 20,000 narrow user_emails rows are cheaper to scan than to look up, so the planner is
    // right to scan them here; what matters is that the condition can use the index at all.
    let f = cmp("emails.value", CompareOp::Co, s("MAIL777@"));
    sqlx::raw_sql("SET enable_seqscan = off")
        .execute(&mut db.conn)
        .await
        .unwrap();
    let p = plan(db, &f).await;
    sqlx::raw_sql("RESET enable_seqscan")
        .execute(&mut db.conn)
        .await
        .unwrap();
    assert!(
        p.contains("Bitmap Index Scan on user_emails_value_trgm"),
        "{p}"
    );
    assert_eq!(count(db, &f).await, 1);

    let f = cmp("userName", CompareOp::Ew, s("9999@example.com"));
    let p = plan(db, &f).await;
    assert!(
        p.contains("Bitmap Index Scan on users_user_name_trgm"),
        "{p}"
    );
    assert_eq!(count(db, &f).await, 2);
}

#[tokio::test]
async fn equality_seeks_the_btree_indexes() {
    let Some(mut db) = big_directory().await else {
        return;
    };
    let db = &mut db;
    let f = eq("userName", "USER42@example.com");
    let p = plan(db, &f).await;
    assert!(p.contains("users_user_name"), "{p}");
    assert!(!p.contains("Seq Scan"), "{p}");
    assert_eq!(count(db, &f).await, 1);

    let f = eq("emails.value", "Mail42@corp.example");
    let p = plan(db, &f).await;
    assert!(p.contains("user_emails_value_ci"), "{p}");
    assert!(!p.contains("Seq Scan on users"), "{p}");
    assert_eq!(count(db, &f).await, 1);
}
