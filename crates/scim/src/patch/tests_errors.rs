//! PATCH failures (each with the right `scimType` and a detail naming the attribute) and the
//! engine's invariants: `id`/`meta` untouched, output canonical, required attributes, no panic.

use serde_json::{json, Value};

use super::tests_clients::{alice, group_ok, patch, team, user_ok};
use super::{apply_patch, PatchOpKind, PatchOperation};
use crate::error::ScimType;
use crate::policy::CompatPolicy;
use crate::resource::normalize_resource;
use crate::schema::{resource_type, ResourceKind, ENTERPRISE_USER_SCHEMA as ENT};

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

#[test]
fn pathless_value_errors() {
    assert_eq!(
        user_err(json!([{"op": "add", "value": "x"}])).0,
        ScimType::InvalidValue
    );
    assert_eq!(
        user_err(json!([{"op": "replace", "value": [{"title": "x"}]}])).0,
        ScimType::InvalidValue
    );
    let (t, d) = user_err(json!([{"op": "add", "value": {"shoeSize": 9}}]));
    assert_eq!(t, ScimType::InvalidSyntax);
    assert_eq!(d, "unknown attribute 'shoeSize' for resource type User");
    assert_eq!(
        user_err(json!([{"op": "add", "value": {"emails[type eq": "x"}}])).0,
        ScimType::InvalidPath
    );
    assert_eq!(
        user_err(json!([{"op": "add", "value": {ENT: {"nope": 1}}}])).0,
        ScimType::InvalidSyntax
    );
    assert_eq!(
        user_err(json!([{"op": "add", "value": {ENT: "x"}}])).0,
        ScimType::InvalidValue
    );
    // Read-only keys are refused when the policy does not ignore them.
    let rejecting = CompatPolicy {
        ignore_read_only_in_bodies: false,
        ..CompatPolicy::compatible()
    };
    let e = patch(
        ResourceKind::Group,
        &team(),
        json!([{"op": "replace", "value": {"id": "g-1", "displayName": "N"}}]),
        &rejecting,
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    // ... and ignored (dotted ones too) when it does.
    assert_eq!(
        user_ok(json!([{"op": "replace", "value": {"meta.version": "x", "id": "other"}}])),
        alice()
    );
}

#[test]
fn path_errors() {
    for (path, want) in [
        ("id", ScimType::Mutability),
        ("meta", ScimType::Mutability),
        ("meta.version", ScimType::Mutability),
        ("groups", ScimType::Mutability),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
            ScimType::Mutability,
        ),
        ("shoeSize", ScimType::InvalidPath),
        ("name.nick", ScimType::InvalidPath),
        ("active.value", ScimType::InvalidPath),
        ("name[givenName eq \"A\"]", ScimType::InvalidPath),
        ("emails[shoe eq \"A\"].value", ScimType::InvalidPath),
        ("emails[value.x eq \"A\"]", ScimType::InvalidPath),
        ("urn:example:x:User:title", ScimType::InvalidPath),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nope",
            ScimType::InvalidPath,
        ),
    ] {
        for op in ["add", "replace", "remove"] {
            let (t, d) = user_err(json!([{"op": op, "path": path, "value": "x"}]));
            assert_eq!(t, want, "{op} {path}: {d}");
        }
    }
    let (t, d) = user_err(json!([{"op": "replace", "path": "groups", "value": []}]));
    assert_eq!(
        (t, d.as_str()),
        (
            ScimType::Mutability,
            "attribute 'groups' is read-only and cannot be set by a client"
        )
    );
    // Group members' identifiers are immutable: replace the member instead.
    let e = patch(
        ResourceKind::Group,
        &team(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u8"}]),
        &CompatPolicy::compatible(),
    )
    .unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::Mutability));
    let e = patch(
        ResourceKind::Group,
        &team(),
        json!([{"op": "add", "path": "userName", "value": "x"}]),
        &CompatPolicy::compatible(),
    )
    .unwrap_err();
    assert_eq!(
        (e.scim_type, e.detail.as_str()),
        (
            Some(ScimType::InvalidPath),
            "unknown attribute 'userName' for resource type Group"
        )
    );
}

#[test]
fn value_errors_name_the_attribute() {
    let (t, d) =
        user_err(json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": 5}]));
    assert_eq!(
        (t, d.as_str()),
        (
            ScimType::InvalidValue,
            "attribute 'emails.value' must be a string, got a number 5"
        )
    );
    let (t, d) = user_err(json!([{"op": "replace", "path": "name", "value": "Alice"}]));
    assert_eq!(
        (t, d.as_str()),
        (
            ScimType::InvalidValue,
            "attribute 'name' must be an object, got a string \"Alice\""
        )
    );
    let (t, _) = user_err(json!([{"op": "replace", "path": "emails", "value": [{"bogus": 1}]}]));
    assert_eq!(t, ScimType::InvalidSyntax);
}

#[test]
fn read_only_top_level_attributes_are_left_alone() {
    let mut stored = alice();
    stored["groups"] = json!([{"value": "g-1", "display": "Team"}]);
    let out = patch(
        ResourceKind::User,
        &stored,
        json!([{"op": "replace", "value": {"groups": [], "title": "x"}}]),
        &CompatPolicy::compatible(),
    )
    .unwrap();
    assert_eq!(out["groups"], stored["groups"]);
    assert_eq!(out["id"], json!("u-1"));
    assert_eq!(out["meta"], stored["meta"]);
    assert_eq!(out["title"], json!("x"));
}

#[test]
fn result_is_what_a_put_would_store() {
    let out = user_ok(json!([
        {"op": "add", "path": "emails", "value": [{"Value": "z@x.com", "Primary": "TRUE"}]},
        {"op": "replace", "value": {"name.familyName": "L", ENT: {"manager": "m"}}},
    ]));
    let mut body = out.clone();
    if let Some(obj) = body.as_object_mut() {
        obj.remove("id");
        obj.remove("meta");
    }
    let rt = resource_type(ResourceKind::User);
    assert_eq!(
        normalize_resource(rt, &body, &CompatPolicy::strict()).unwrap(),
        body
    );
}

#[test]
fn hand_built_operations_and_edge_inputs() {
    let rt = resource_type(ResourceKind::User);
    let policy = CompatPolicy::compatible();
    // No operations: the resource is re-normalised and otherwise unchanged.
    let mut r = alice();
    apply_patch(rt, &mut r, &[], &policy).unwrap();
    assert_eq!(r, alice());
    // Operations built by hand may lack what the parser guarantees.
    for op in [
        PatchOperation {
            op: PatchOpKind::Remove,
            path: None,
            value: None,
        },
        PatchOperation {
            op: PatchOpKind::Add,
            path: None,
            value: None,
        },
    ] {
        let mut r = alice();
        assert_eq!(
            apply_patch(rt, &mut r, &[op], &policy).unwrap_err().status,
            400
        );
        assert_eq!(r, alice());
    }
    // A stored resource that is not an object is a server bug, not a client error.
    let mut r = json!([1]);
    assert_eq!(
        apply_patch(rt, &mut r, &[], &policy).unwrap_err().status,
        500
    );
}

#[test]
fn group_display_name_is_required_after_patch() {
    let e = patch(
        ResourceKind::Group,
        &team(),
        json!([{"op": "replace", "path": "displayName", "value": "  "}]),
        &CompatPolicy::compatible(),
    )
    .unwrap_err();
    assert_eq!(e.detail, "attribute 'displayName' is required");
    let out = group_ok(json!([{"op": "add", "path": "externalId", "value": "x"}]));
    assert_eq!(out["externalId"], json!("x"));
}

#[test]
fn no_input_panics() {
    let paths = [
        None,
        Some("emails"),
        Some("emails[type eq \"work\"]"),
        Some("emails[type eq \"work\"].value"),
        Some("emails.primary"),
        Some("name"),
        Some("name.givenName"),
        Some("active"),
        Some(ENT),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
        Some("x509Certificates[value pr]"),
        Some("addresses[not (type eq \"x\")].region"),
        Some("members"),
    ];
    let values = [
        json!(null),
        json!(true),
        json!("False"),
        json!(1),
        json!(1.5),
        json!("s"),
        json!([]),
        json!({}),
        json!([null, 1, "a", {}, []]),
        json!({"value": "v", "type": "work", "primary": true}),
        json!([{"value": "v", "primary": "true"}, {"value": "w", "primary": true}]),
        json!({"name.givenName": [1], "emails[type eq \"x\"].value": {}, "urn:a:b": 1}),
    ];
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let resource = if kind == ResourceKind::User {
            alice()
        } else {
            team()
        };
        for path in paths {
            for value in &values {
                for op in ["add", "replace", "remove"] {
                    let mut o = json!({"op": op, "value": value});
                    if let Some(p) = path {
                        o["path"] = json!(p);
                    }
                    for policy in [CompatPolicy::compatible(), CompatPolicy::strict()] {
                        let _ = patch(kind, &resource, json!([o.clone()]), &policy);
                    }
                }
            }
        }
    }
}
