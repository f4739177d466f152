//! The test directory: the real migration in an in-memory SQLite, a few users, groups, emails and
//! memberships inserted with SQL (`data` as canonical JSON, `search` from `search_document`), and
//! helpers that run a translated filter and return the matching ids of one tenant. Tenant 2 holds
//! a look-alike of alice that a tenant-1 query must never return.

use super::super::search_doc::{canonical_datetime, fold_case, search_document};
use super::*;
use scimitar_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::{json, Value};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

const MIGRATION: &str = include_str!("../../../migrations/sqlite/0001_directory.sql");
pub(super) const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// ---- filter builders (the parser is tested on its own) ----

/// `[urn:]name[.sub]`, split as the parser does: the URN is everything before the last ':'.
pub(super) fn path(p: &str) -> AttrPath {
    let (urn, rest) = match p.rfind(':') {
        Some(i) if p.starts_with("urn:") => (Some(p[..i].to_string()), &p[i + 1..]),
        _ => (None, p),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n.to_string(), Some(s.to_string())),
        None => (rest.to_string(), None),
    };
    AttrPath {
        urn,
        name,
        sub_attr: sub,
    }
}
pub(super) fn cmp(p: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: path(p),
        op,
        value,
    }
}
pub(super) fn s(v: &str) -> CompValue {
    CompValue::Str(v.to_string())
}
pub(super) fn eq(p: &str, v: &str) -> Filter {
    cmp(p, CompareOp::Eq, s(v))
}
pub(super) fn pr(p: &str) -> Filter {
    Filter::Present(path(p))
}
pub(super) fn and(a: Filter, b: Filter) -> Filter {
    Filter::And(Box::new(a), Box::new(b))
}
pub(super) fn or(a: Filter, b: Filter) -> Filter {
    Filter::Or(Box::new(a), Box::new(b))
}
pub(super) fn not(a: Filter) -> Filter {
    Filter::Not(Box::new(a))
}
pub(super) fn vp(p: &str, inner: Filter) -> Filter {
    Filter::ValuePath {
        path: path(p),
        filter: Box::new(inner),
    }
}

// ---- the directory ----

/// A user row: `data` is the canonical JSON the store keeps (no id, meta or groups).
pub(super) struct Person {
    pub(super) seq: i64,
    pub(super) id: &'static str,
    pub(super) tenant: i64,
    pub(super) data: Value,
    pub(super) created: &'static str,
    pub(super) modified: &'static str,
    pub(super) version: i64,
}

impl Person {
    /// The resource a client would see, as the in-memory evaluator takes it.
    pub(super) fn resource(&self) -> Value {
        let mut r = self.data.clone();
        r["id"] = json!(self.id);
        r["meta"] = json!({
            "resourceType": "User", "created": self.created, "lastModified": self.modified,
            "version": format!("W/\"{}\"", self.version)
        });
        r
    }
}

pub(super) fn people() -> Vec<Person> {
    let alice = json!({
        "userName": "alice@x.com", "externalId": "EXT-Alice", "displayName": "Alice Anders",
        "name": {"givenName": "Alice", "familyName": "Anders"}, "title": "Engineer", "active": true,
        "emails": [{"value": "alice@x.com", "type": "work", "primary": true},
                   {"value": "alice.home@y.org", "type": "home"}],
        ENT: {"employeeNumber": "E100", "manager": {"value": "u3"}}
    });
    let bob = json!({
        "userName": "Bob@Y.org", "externalId": "ext-bob", "displayName": "Bob Brown",
        "name": {"givenName": "Bob", "familyName": "Brown"}, "active": false,
        "emails": [{"value": "bob@y.org", "type": "work"},
                   {"value": "bob@x.com", "type": "home", "primary": true}],
        ENT: {"employeeNumber": "E200", "manager": {"value": "u1"}}
    });
    let carol = json!({
        "userName": "carol_100%@z.net", "name": {"givenName": "Ángela", "familyName": "Zed"},
        "title": "Director", "emails": [{"value": "Carol@X.com", "type": "work"}],
        "phoneNumbers": [{"value": ""}, {}], "ims": [],
        ENT: {"employeeNumber": "", "manager": {"value": null}}
    });
    let dave = json!({
        "userName": "dave", "externalId": "ext-dave", "displayName": "Dave", "title": "engineer",
        "active": true, "name": {"familyName": "Adams"}, ENT: {"employeeNumber": "E300"}
    });
    let person = |seq, id, tenant, data: &Value, created, modified, version| Person {
        seq,
        id,
        tenant,
        data: data.clone(),
        created,
        modified,
        version,
    };
    let jan = "2024-01-01T00:00:00Z";
    vec![
        person(1, "u1", 1, &alice, jan, "2024-03-01T00:00:00Z", 1),
        person(
            2,
            "u2",
            1,
            &bob,
            "2024-02-01T00:00:00Z",
            "2024-06-01T00:00:00Z",
            3,
        ),
        person(
            3,
            "u3",
            1,
            &carol,
            "2024-03-01T00:00:00Z",
            "2024-09-01T10:00:00+02:00",
            2,
        ),
        person(
            4,
            "u4",
            1,
            &dave,
            "2024-04-01T00:00:00Z",
            "2024-04-02T00:00:00Z",
            10,
        ),
        person(9, "t2-alice", 2, &alice, jan, "2024-12-01T00:00:00Z", 1),
    ]
}

pub(super) async fn directory() -> SqlitePool {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::raw_sql(MIGRATION).execute(&pool).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO tenants (id, name, created) VALUES (1, 'one', 'x'), (2, 'two', 'x')",
    )
    .execute(&pool)
    .await
    .unwrap();
    for p in people() {
        user(&pool, &p).await;
    }
    let eng = [("u1", "User"), ("g-sub", "Group")];
    group(&pool, "g-eng", 1, "Engineering", &eng).await;
    group(&pool, "g-sub", 1, "Platform", &[("u3", "User")]).await;
    group(&pool, "g-cycle-a", 1, "Cycle A", &[("g-cycle-b", "Group")]).await;
    let cycle_b = [("g-cycle-a", "Group"), ("u4", "User")];
    group(&pool, "g-cycle-b", 1, "Cycle B", &cycle_b).await;
    group(&pool, "g-empty", 1, "Empty", &[]).await;
    group(&pool, "g-t2", 2, "Engineering", &[("t2-alice", "User")]).await;
    pool
}

/// Insert a user as the store would: columns derived from `data`, one `user_emails` row per
/// email, `search` from `search_document`.
async fn user(pool: &SqlitePool, p: &Person) {
    let rt = resource_type(ResourceKind::User);
    let data = &p.data;
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_string);
    let user_name = text("userName").unwrap();
    let display = text("displayName");
    sqlx::query(
        "INSERT INTO users (seq, id, tenant_id, user_name, user_name_ci, external_id, \
         display_name, display_name_ci, active, created, last_modified, version, data, search) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(p.seq)
    .bind(p.id)
    .bind(p.tenant)
    .bind(&user_name)
    .bind(fold_case(&user_name))
    .bind(text("externalId"))
    .bind(&display)
    .bind(display.as_deref().map(fold_case))
    .bind(data.get("active").and_then(Value::as_bool).map(i64::from))
    .bind(canonical_datetime(p.created).unwrap())
    .bind(canonical_datetime(p.modified).unwrap())
    .bind(p.version)
    .bind(data.to_string())
    .bind(search_document(rt, data).to_string())
    .execute(pool)
    .await
    .unwrap();
    for email in data
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        sqlx::query("INSERT INTO user_emails (user_seq, tenant_id, value_ci) VALUES (?, ?, ?)")
            .bind(p.seq)
            .bind(p.tenant)
            .bind(fold_case(email["value"].as_str().unwrap()))
            .execute(pool)
            .await
            .unwrap();
    }
}

async fn group(pool: &SqlitePool, id: &str, tenant: i64, name: &str, members: &[(&str, &str)]) {
    let data = json!({"displayName": name});
    let search = search_document(resource_type(ResourceKind::Group), &data);
    sqlx::query(
        "INSERT INTO groups (id, tenant_id, display_name, display_name_ci, created, last_modified, \
         version, data, search) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
    )
    .bind(id)
    .bind(tenant)
    .bind(name)
    .bind(fold_case(name))
    .bind(canonical_datetime("2024-01-01T00:00:00Z").unwrap())
    .bind(canonical_datetime("2024-01-01T00:00:00Z").unwrap())
    .bind(data.to_string())
    .bind(search.to_string())
    .execute(pool)
    .await
    .unwrap();
    for (member, kind) in members {
        sqlx::query(
            "INSERT INTO group_members (tenant_id, group_id, member_id, member_type) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(tenant)
        .bind(id)
        .bind(member)
        .bind(kind)
        .execute(pool)
        .await
        .unwrap();
    }
}

pub(super) fn bind_all<'q>(
    mut q: sqlx::query::QueryScalar<'q, sqlx::Sqlite, String, sqlx::sqlite::SqliteArguments<'q>>,
    binds: Vec<Bind>,
) -> sqlx::query::QueryScalar<'q, sqlx::Sqlite, String, sqlx::sqlite::SqliteArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
            Bind::Real(f) => q.bind(f),
            Bind::Null => q.bind(None::<String>),
        };
    }
    q
}

/// The ids of `kind` in `tenant` matching `f`, in id order.
pub(super) async fn ids_in(
    pool: &SqlitePool,
    kind: ResourceKind,
    tenant: i64,
    f: &Filter,
) -> Vec<String> {
    let frag = filter_to_sql(kind, f).unwrap_or_else(|e| panic!("{f}: {e}"));
    assert_eq!(
        frag.sql.matches('?').count(),
        frag.binds.len(),
        "{}",
        frag.sql
    );
    let table = match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    };
    let sql = format!(
        "SELECT r.id FROM {table} r WHERE r.tenant_id = ? AND ({}) ORDER BY r.id",
        frag.sql
    );
    let q = bind_all(sqlx::query_scalar(&sql).bind(tenant), frag.binds);
    q.fetch_all(pool)
        .await
        .unwrap_or_else(|e| panic!("{f}\n{sql}\n{e}"))
}

pub(super) async fn users(pool: &SqlitePool, f: Filter) -> Vec<String> {
    ids_in(pool, ResourceKind::User, 1, &f).await
}

pub(super) async fn groups(pool: &SqlitePool, f: Filter) -> Vec<String> {
    ids_in(pool, ResourceKind::Group, 1, &f).await
}
