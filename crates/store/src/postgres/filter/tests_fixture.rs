//! The test data of the SQLite translator's tests, the same here so both backends are held to
//! the same expected ids: filter builders (the parser is tested on its own) and the users, one of
//! them in tenant 2. Kept as a copy because the SQLite test module is private to its translator.

use scimitar_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use serde_json::{json, Value};

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
