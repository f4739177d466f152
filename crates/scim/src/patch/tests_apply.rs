//! RFC 7644 §3.5.2.1–3 semantics for each path form: what `add`, `replace` and `remove` do to
//! the resource, compared as whole JSON values.

use serde_json::{json, Value};

use super::tests_clients::{alice, alice_with, patch, team, user_ok};
use crate::error::ScimType;
use crate::policy::CompatPolicy;
use crate::schema::{ResourceKind, ENTERPRISE_USER_SCHEMA as ENT, USER_SCHEMA};

fn user_err(ops: Value) -> (ScimType, String) {
    let e = patch(
        ResourceKind::User,
        &alice(),
        ops,
        &CompatPolicy::compatible(),
    )
    .expect_err("expected an error");
    assert_eq!(e.status, 400, "{e}");
    (e.scim_type.expect("scimType"), e.detail)
}

fn with_manager() -> Value {
    alice_with(|u| {
        u["schemas"] = json!([USER_SCHEMA, ENT]);
        u.insert(
            ENT.into(),
            json!({"department": "R&D", "manager": {"value": "m1", "displayName": "Old Boss"}}),
        );
    })
}

#[test]
fn pathless_add_merges_each_attribute() {
    let out = user_ok(json!([{"op": "add", "value": {
        "title": "Dr",
        "name": {"middleName": "M"},
        "emails": [{"value": "alice@home.com", "type": "home"}, {"value": "x@y.com"}],
        "schemas": ["ignored"],
        "groups": [{"value": "g"}],
        "meta": {"version": "x"},
        ENT: {"costCenter": "42"},
    }}]));
    assert_eq!(
        out,
        alice_with(|u| {
            u["schemas"] = json!([USER_SCHEMA, ENT]);
            u["name"] = json!({"familyName": "Liddell", "givenName": "Alice", "middleName": "M"});
            u["emails"] = json!([
                {"value": "alice@work.com", "type": "work", "primary": true},
                {"value": "alice@home.com", "type": "home"},
                {"value": "x@y.com"},
            ]);
            u.insert("title".into(), json!("Dr"));
            u.insert(ENT.into(), json!({"costCenter": "42"}));
        })
    );
}

#[test]
fn add_with_path() {
    // Single-valued simple: set. Complex: merge. Sub-attribute: set inside.
    assert_eq!(
        user_ok(json!([{"op": "add", "path": "title", "value": "Dr"}]))["title"],
        json!("Dr")
    );
    assert_eq!(
        user_ok(
            json!([{"op": "add", "path": "name", "value": {"givenName": "Al", "honorificPrefix": "Ms"}}])
        )["name"],
        json!({"familyName": "Liddell", "givenName": "Al", "honorificPrefix": "Ms"})
    );
    assert_eq!(
        user_ok(json!([{"op": "add", "path": "name.middleName", "value": "M"}]))["name"],
        json!({"familyName": "Liddell", "givenName": "Alice", "middleName": "M"})
    );
    // Multi-valued: one element or an array, appended, identical values not duplicated.
    let out = user_ok(json!([{"op": "add", "path": "emails", "value": {"value": "x@y.com"}}]));
    assert_eq!(out["emails"][2], json!({"value": "x@y.com"}));
    let out = user_ok(
        json!([{"op": "add", "path": "emails", "value": [{"value": "alice@home.com", "type": "home"}]}]),
    );
    assert_eq!(out, alice());
    // Filtered without a sub-attribute: merge into matching values.
    let out = user_ok(
        json!([{"op": "add", "path": "emails[type eq \"home\"]", "value": {"display": "Home"}}]),
    );
    assert_eq!(
        out["emails"][1],
        json!({"value": "alice@home.com", "display": "Home", "type": "home"})
    );
    // `add` of null changes nothing.
    assert_eq!(
        user_ok(json!([{"op": "add", "path": "title", "value": null}])),
        alice()
    );
    assert_eq!(
        user_ok(json!([{"op": "add", "path": "emails", "value": []}])),
        alice()
    );
}

#[test]
fn add_creates_entries_and_refuses_ones_it_cannot_build() {
    let out = user_ok(
        json!([{"op": "add", "path": "addresses[type eq \"work\" and country eq \"NL\"].locality", "value": "Delft"}]),
    );
    assert_eq!(
        out["addresses"],
        json!([{"locality": "Delft", "country": "NL", "type": "work"}])
    );
    let out = user_ok(
        json!([{"op": "add", "path": "ims[type eq \"xmpp\"]", "value": {"value": "a@jabber"}}]),
    );
    assert_eq!(out["ims"], json!([{"value": "a@jabber", "type": "xmpp"}]));
    let (t, _) = user_err(
        json!([{"op": "add", "path": "ims[type eq \"a\" or type eq \"b\"].value", "value": "x"}]),
    );
    assert_eq!(t, ScimType::NoTarget);
    let (t, _) = user_err(json!([{"op": "add", "path": "ims[type ne \"a\"].value", "value": "x"}]));
    assert_eq!(t, ScimType::NoTarget);
    let (t, _) = user_err(
        json!([{"op": "add", "path": "ims[type eq \"a\" and type eq \"b\"].value", "value": "x"}]),
    );
    assert_eq!(t, ScimType::NoTarget);
    // A filter literal of the wrong type is refused when it would be stored.
    let (t, d) =
        user_err(json!([{"op": "add", "path": "ims[primary eq \"x\"].value", "value": "v"}]));
    assert_eq!(t, ScimType::InvalidValue, "{d}");
}

#[test]
fn replace_with_path() {
    // Complex: the given sub-attributes replace theirs, the others stay; null clears one.
    assert_eq!(
        user_ok(
            json!([{"op": "replace", "path": "name", "value": {"givenName": "Al", "familyName": null}}])
        )["name"],
        json!({"givenName": "Al"})
    );
    // Multi-valued: wholesale.
    assert_eq!(
        user_ok(json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x.com"}]}]))
            ["emails"],
        json!([{"value": "only@x.com"}])
    );
    // Filtered without a sub-attribute: the matching values are replaced.
    let out = user_ok(
        json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "h@x.com", "type": "home"}}]),
    );
    assert_eq!(
        out["emails"][1],
        json!({"value": "h@x.com", "type": "home"})
    );
    // ... and replaced by null, removed.
    let out =
        user_ok(json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": null}]));
    assert_eq!(
        out["emails"],
        json!([{"value": "alice@work.com", "type": "work", "primary": true}])
    );
    // Simple attribute replaced by null: unassigned.
    assert_eq!(
        user_ok(json!([{"op": "replace", "path": "active", "value": null}])).get("active"),
        None
    );
    // Sub-attribute of every value of a multi-valued attribute.
    let out = user_ok(json!([{"op": "replace", "path": "emails.type", "value": "other"}]));
    assert_eq!(out["emails"][0]["type"], json!("other"));
    assert_eq!(out["emails"][1]["type"], json!("other"));
    // ... which creates a value when there is none (a missing target is an add).
    let out = user_ok(json!([{"op": "replace", "path": "phoneNumbers.value", "value": "123"}]));
    assert_eq!(out["phoneNumbers"], json!([{"value": "123"}]));
}

#[test]
fn pathless_replace() {
    let out = user_ok(json!([{"op": "replace", "value": {
        "emails": [{"value": "n@x.com", "primary": "true"}],
        "name": {"givenName": "Al"},
        "USERNAME": "al",
    }}]));
    assert_eq!(
        out["emails"],
        json!([{"value": "n@x.com", "primary": true}])
    );
    assert_eq!(
        out["name"],
        json!({"familyName": "Liddell", "givenName": "Al"})
    );
    assert_eq!(out["userName"], json!("al"));
    // An extension object merges attribute by attribute.
    let out = patch(
        ResourceKind::User,
        &with_manager(),
        json!([{"op": "replace", "value": {ENT: {"department": "Ops"}}}]),
        &CompatPolicy::compatible(),
    )
    .unwrap();
    assert_eq!(
        out[ENT],
        json!({"department": "Ops", "manager": {"value": "m1", "displayName": "Old Boss"}})
    );
}

#[test]
fn manager_changes_drop_the_stale_display_name() {
    let out = patch(
        ResourceKind::User,
        &with_manager(),
        json!([{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "m2"}]),
        &CompatPolicy::compatible(),
    )
    .unwrap();
    assert_eq!(out[ENT]["manager"], json!({"value": "m2"}));
    // Untouched, a stored read-only sub-attribute is kept.
    let out = patch(
        ResourceKind::User,
        &with_manager(),
        json!([{"op": "replace", "path": "title", "value": "x"}]),
        &CompatPolicy::compatible(),
    )
    .unwrap();
    assert_eq!(
        out[ENT]["manager"],
        json!({"value": "m1", "displayName": "Old Boss"})
    );
}

#[test]
fn remove_forms() {
    assert_eq!(
        user_ok(json!([{"op": "remove", "path": "name.givenName"}]))["name"],
        json!({"familyName": "Liddell"})
    );
    assert_eq!(
        user_ok(json!([{"op": "remove", "path": "name"}])).get("name"),
        None
    );
    let out = user_ok(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]));
    assert_eq!(
        out["emails"],
        json!([{"value": "alice@home.com", "type": "home"}])
    );
    let out = user_ok(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]));
    assert_eq!(
        out["emails"][0],
        json!({"value": "alice@work.com", "type": "work"})
    );
    let out = user_ok(json!([{"op": "remove", "path": "emails.type"}]));
    assert_eq!(
        out["emails"],
        json!([{"value": "alice@work.com", "primary": true}, {"value": "alice@home.com"}])
    );
    // Removing the only sub-attribute left removes the value; removing the absent is a no-op.
    let out = user_ok(
        json!([{"op": "remove", "path": "emails[type eq \"home\"].value"}, {"op": "remove", "path": "emails[type eq \"home\"].type"}]),
    );
    assert_eq!(
        out["emails"],
        json!([{"value": "alice@work.com", "type": "work", "primary": true}])
    );
    assert_eq!(user_ok(json!([{"op": "remove", "path": "title"}])), alice());
    // A value list on a single-valued attribute is ignored: the attribute goes.
    assert_eq!(
        user_ok(json!([{"op": "remove", "path": "name", "value": [{"givenName": "Alice"}]}]))
            .get("name"),
        None
    );
    // Listed values match by every given sub-attribute when there is no `value`.
    let out = user_ok(json!([{"op": "remove", "path": "emails", "value": [{"type": "HOME"}]}]));
    assert_eq!(
        out["emails"],
        json!([{"value": "alice@work.com", "type": "work", "primary": true}])
    );
    // Without the policy, remove with a value removes the whole attribute.
    let plain = CompatPolicy {
        remove_with_value_removes_listed: false,
        ..CompatPolicy::compatible()
    };
    let out = patch(
        ResourceKind::Group,
        &team(),
        json!([{"op": "remove", "path": "members", "value": [{"value": "u1"}]}]),
        &plain,
    )
    .unwrap();
    assert_eq!(out.get("members"), None);
}

#[test]
fn extension_paths_and_schemas_follow_content() {
    let out = patch(
        ResourceKind::User,
        &with_manager(),
        json!([{"op": "remove", "path": ENT}]),
        &CompatPolicy::compatible(),
    )
    .unwrap();
    assert_eq!(out, alice());
    let out = patch(
        ResourceKind::User,
        &with_manager(),
        json!([
            {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
            {"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
        ]),
        &CompatPolicy::compatible(),
    )
    .unwrap();
    assert_eq!(out["schemas"], json!([USER_SCHEMA]));
    assert_eq!(out.get(ENT), None);
    let out =
        user_ok(json!([{"op": "add", "path": ENT, "value": {"division": "D", "manager": "m"}}]));
    assert_eq!(
        out[ENT],
        json!({"division": "D", "manager": {"value": "m"}})
    );
    assert_eq!(out["schemas"], json!([USER_SCHEMA, ENT]));
    let out = user_ok(
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "value": "m3"}]),
    );
    assert_eq!(out[ENT], json!({"manager": {"value": "m3"}}));
    // Core-URN-qualified paths work too.
    let out = user_ok(
        json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", "value": "Q"}]),
    );
    assert_eq!(out["name"]["givenName"], json!("Q"));
}
