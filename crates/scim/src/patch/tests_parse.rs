//! Tests for reading PatchOp messages: the envelope, op names, paths and values.

use serde_json::{json, Value};

use super::{parse_patch_request, PatchOpKind};
use crate::error::ScimType;
use crate::policy::CompatPolicy;
use crate::schema::PATCH_OP_SCHEMA;

fn parse(body: Value) -> Result<Vec<super::PatchOperation>, crate::ScimError> {
    parse_patch_request(&body, &CompatPolicy::compatible())
}

fn parse_err(body: Value, policy: &CompatPolicy) -> (ScimType, String) {
    let e = parse_patch_request(&body, policy).expect_err("expected an error");
    assert_eq!(e.status, 400);
    (e.scim_type.expect("scimType"), e.detail)
}

#[test]
fn entra_envelope_with_capitalised_ops() {
    let ops = parse(json!({
        "schemas": [PATCH_OP_SCHEMA],
        "Operations": [
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "a@x.com"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Remove", "path": "members[value eq \"u1\"]"},
        ]
    }))
    .unwrap();
    assert_eq!(
        ops.iter().map(|o| o.op).collect::<Vec<_>>(),
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
    );
    let p0 = ops[0].path.as_ref().unwrap();
    assert_eq!(
        (p0.name.as_str(), p0.sub_attr.as_deref()),
        ("emails", Some("value"))
    );
    assert!(p0.filter.is_some());
    assert_eq!(ops[1].value, Some(json!("False")));
    assert_eq!(ops[2].value, None);
}

#[test]
fn op_case_is_a_policy() {
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "Replace", "path": "active", "value": false}]});
    let (t, d) = parse_err(body, &CompatPolicy::strict());
    assert_eq!(t, ScimType::InvalidSyntax);
    assert!(d.contains("\"Replace\""), "{d}");
    let (t, d) = parse_err(
        json!({"Operations": [{"op": "merge", "value": {}}]}),
        &CompatPolicy::compatible(),
    );
    assert_eq!(t, ScimType::InvalidSyntax);
    assert!(d.contains("merge"), "{d}");
}

#[test]
fn envelope_keys_are_case_insensitive() {
    let ops = parse(json!({"SCHEMAS": [PATCH_OP_SCHEMA], "operations": [{"OP": "add", "PATH": "title", "Value": "x"}]})).unwrap();
    assert_eq!(ops[0].op, PatchOpKind::Add);
    assert_eq!(ops[0].path.as_ref().unwrap().name, "title");
    assert_eq!(ops[0].value, Some(json!("x")));
}

#[test]
fn schemas_rules() {
    // Missing: accepted under the compatible policy, refused under strict.
    assert!(parse(json!({"Operations": [{"op": "add", "value": {}}]})).is_ok());
    let (t, _) = parse_err(
        json!({"Operations": [{"op": "add", "value": {}}]}),
        &CompatPolicy::strict(),
    );
    assert_eq!(t, ScimType::InvalidValue);
    // A different schema.
    let (t, d) = parse_err(
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": [{"op": "add", "value": {}}]}),
        &CompatPolicy::compatible(),
    );
    assert_eq!(t, ScimType::InvalidValue);
    assert!(d.contains("core:2.0:User"), "{d}");
    let (t, _) = parse_err(
        json!({"schemas": PATCH_OP_SCHEMA, "Operations": []}),
        &CompatPolicy::compatible(),
    );
    assert_eq!(t, ScimType::InvalidValue);
}

#[test]
fn operations_must_be_a_non_empty_array() {
    for body in [
        json!({"schemas": [PATCH_OP_SCHEMA]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": []}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": {"op": "add"}}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [1]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"path": "x"}]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": 1}]}),
        json!([{"op": "add"}]),
        json!("PATCH"),
    ] {
        let (t, _) = parse_err(body, &CompatPolicy::compatible());
        assert_eq!(t, ScimType::InvalidSyntax);
    }
}

#[test]
fn remove_needs_a_path_and_add_needs_a_value() {
    let (t, d) = parse_err(
        json!({"Operations": [{"op": "remove"}]}),
        &CompatPolicy::compatible(),
    );
    assert_eq!(t, ScimType::NoTarget);
    assert!(d.starts_with("operation 1:"), "{d}");
    let (t, d) = parse_err(
        json!({"Operations": [{"op": "add", "path": "title", "value": "x"}, {"op": "replace", "path": "title"}]}),
        &CompatPolicy::compatible(),
    );
    assert_eq!(t, ScimType::InvalidValue);
    assert!(d.starts_with("operation 2:"), "{d}");
    // An explicit null is a value (it means "unassigned").
    let ops =
        parse(json!({"Operations": [{"op": "replace", "path": "title", "value": null}]})).unwrap();
    assert_eq!(ops[0].value, Some(Value::Null));
    // A path of null is no path.
    let ops =
        parse(json!({"Operations": [{"op": "replace", "path": null, "value": {"title": "x"}}]}))
            .unwrap();
    assert!(ops[0].path.is_none());
}

#[test]
fn bad_paths_are_invalid_path() {
    for path in [
        json!("emails[type eq"),
        json!(""),
        json!("a b"),
        json!(5),
        json!("emails[type eq \"work\"]]"),
    ] {
        let (t, _) = parse_err(
            json!({"Operations": [{"op": "remove", "path": path}]}),
            &CompatPolicy::compatible(),
        );
        assert_eq!(t, ScimType::InvalidPath, "{path}");
    }
}
