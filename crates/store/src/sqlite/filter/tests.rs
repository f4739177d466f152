//! The test directory: the real migrations (schema, fixed planner statistics, tenant-order
//! indexes: what the production database has) in an in-memory SQLite opened with rusqlite, a
//! few users, groups, emails and memberships inserted with SQL (`data` as canonical JSON, `search`
//! from `search_document`), and helpers that run a translated filter and return the matching ids
//! of one tenant. Tenant 2 holds a look-alike of alice that a tenant-1 query must never return.

use super::super::search_doc::{canonical_datetime, fold_case, search_document};
use super::*;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection};
use scimitar_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use scimitar_scim::schema::{resource_type, ResourceKind};
use serde_json::{json, Value};

const MIGRATION: &str = include_str!("../../../migrations/sqlite/0001_directory.sql");
const PLANNER_STATS: &str = include_str!("../../../migrations/sqlite/0002_planner_stats.sql");
const TENANT_ORDER: &str = include_str!("../../../migrations/sqlite/0003_tenant_order.sql");
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

pub(super) fn directory() -> Connection {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(MIGRATION).unwrap();
    db.execute_batch(PLANNER_STATS).unwrap();
    db.execute_batch(TENANT_ORDER).unwrap();
    // A connection reads the statistics when it loads the schema, so the one that wrote them
    // plans without them until told to reload, as every later connection of the server does.
    db.execute_batch("ANALYZE sqlite_schema").unwrap();
    db.execute(
        "INSERT INTO tenants (id, name, created) VALUES (1, 'one', 'x'), (2, 'two', 'x')",
        [],
    )
    .unwrap();
    for p in people() {
        user(&db, &p);
    }
    let eng = [("u1", "User"), ("g-sub", "Group")];
    group(&db, "g-eng", 1, "Engineering", &eng);
    group(&db, "g-sub", 1, "Platform", &[("u3", "User")]);
    group(&db, "g-cycle-a", 1, "Cycle A", &[("g-cycle-b", "Group")]);
    let cycle_b = [("g-cycle-a", "Group"), ("u4", "User")];
    group(&db, "g-cycle-b", 1, "Cycle B", &cycle_b);
    group(&db, "g-empty", 1, "Empty", &[]);
    group(&db, "g-t2", 2, "Engineering", &[("t2-alice", "User")]);
    db
}

/// Insert a user as the store would: columns derived from `data`, one `user_emails` row per
/// email, `search` from `search_document`.
fn user(db: &Connection, p: &Person) {
    let rt = resource_type(ResourceKind::User);
    let data = &p.data;
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_string);
    let user_name = text("userName").unwrap();
    let display = text("displayName");
    db.execute(
        "INSERT INTO users (seq, id, tenant_id, user_name, user_name_ci, external_id, \
         display_name, display_name_ci, active, created, last_modified, version, data, search) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            p.seq,
            p.id,
            p.tenant,
            user_name,
            fold_case(&user_name),
            text("externalId"),
            display,
            display.as_deref().map(fold_case),
            data.get("active").and_then(Value::as_bool).map(i64::from),
            canonical_datetime(p.created).unwrap(),
            canonical_datetime(p.modified).unwrap(),
            p.version,
            data.to_string(),
            search_document(rt, data).to_string(),
        ],
    )
    .unwrap();
    for email in data
        .get("emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        db.execute(
            "INSERT INTO user_emails (user_seq, tenant_id, value_ci) VALUES (?, ?, ?)",
            params![p.seq, p.tenant, fold_case(email["value"].as_str().unwrap())],
        )
        .unwrap();
    }
}

fn group(db: &Connection, id: &str, tenant: i64, name: &str, members: &[(&str, &str)]) {
    let data = json!({"displayName": name});
    let search = search_document(resource_type(ResourceKind::Group), &data);
    db.execute(
        "INSERT INTO groups (id, tenant_id, display_name, display_name_ci, created, last_modified, \
         version, data, search) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        params![
            id,
            tenant,
            name,
            fold_case(name),
            canonical_datetime("2024-01-01T00:00:00Z").unwrap(),
            canonical_datetime("2024-01-01T00:00:00Z").unwrap(),
            data.to_string(),
            search.to_string(),
        ],
    )
    .unwrap();
    for (member, kind) in members {
        db.execute(
            "INSERT INTO group_members (tenant_id, group_id, member_id, member_type) \
             VALUES (?, ?, ?, ?)",
            params![tenant, id, member, kind],
        )
        .unwrap();
    }
}

/// The translator's binds as rusqlite values, in placeholder order.
pub(super) fn bind_all(binds: Vec<Bind>) -> Vec<SqlValue> {
    binds
        .into_iter()
        .map(|b| match b {
            Bind::Text(s) => SqlValue::Text(s),
            Bind::Int(i) => SqlValue::Integer(i),
            Bind::Real(f) => SqlValue::Real(f),
            Bind::Null => SqlValue::Null,
        })
        .collect()
}

/// Run `sql` with `values` bound to its `?`s, in order, and collect the first column (an id).
pub(super) fn query_ids(
    db: &Connection,
    sql: &str,
    values: Vec<SqlValue>,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = db.prepare(sql)?;
    let rows = stmt.query_map(params_from_iter(values), |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// The ids of `kind` in `tenant` matching `f`, in id order.
pub(super) fn ids_in(db: &Connection, kind: ResourceKind, tenant: i64, f: &Filter) -> Vec<String> {
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
    let mut values = vec![SqlValue::Integer(tenant)];
    values.extend(bind_all(frag.binds));
    query_ids(db, &sql, values).unwrap_or_else(|e| panic!("{f}\n{sql}\n{e}"))
}

pub(super) fn users(db: &Connection, f: Filter) -> Vec<String> {
    ids_in(db, ResourceKind::User, 1, &f)
}

pub(super) fn groups(db: &Connection, f: Filter) -> Vec<String> {
    ids_in(db, ResourceKind::Group, 1, &f)
}
