//! Tests of what attribute changes and member changes become: the PATCH messages sent to apps
//! that have PATCH, and the edits made to a fetched object for apps that only have PUT. Both
//! must describe the same result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};

use super::changes::{
    add_members_request, apply_changes, edit_members, member_path, patch_request,
    remove_members_request,
};
use super::{AttributeChange, ConnectorError, ResourceKind};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn edited(doc: Value, changes: &[AttributeChange]) -> Value {
    let mut doc = doc;
    apply_changes(ResourceKind::User, &mut doc, changes).unwrap();
    doc
}

#[test]
fn set_is_replace_and_clear_is_remove_in_one_message() {
    let body = patch_request(&[
        AttributeChange::set("title", json!("Engineer")),
        AttributeChange::clear("nickName"),
        AttributeChange::set("displayName", Value::Null),
    ])
    .unwrap();
    assert_eq!(
        body,
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": "title", "value": "Engineer"},
                {"op": "remove", "path": "nickName"},
                {"op": "remove", "path": "displayName"},
            ]
        })
    );
}

#[test]
fn a_bad_path_is_refused_before_anything_is_sent() {
    for path in ["", "name..givenName", "emails[type eq \"work\"", "1abc"] {
        let err = patch_request(&[AttributeChange::set(path, json!("x"))]).unwrap_err();
        assert!(
            matches!(&err, ConnectorError::InvalidChange(d) if d.contains("path")),
            "{path:?}: {err:?}"
        );
        let mut doc = json!({"userName": "a"});
        let err = apply_changes(
            ResourceKind::User,
            &mut doc,
            &[AttributeChange::clear(path)],
        )
        .unwrap_err();
        assert!(matches!(err, ConnectorError::InvalidChange(_)), "{path:?}");
        assert_eq!(doc, json!({"userName": "a"}));
    }
}

#[test]
fn member_ids_are_escaped_in_remove_paths() {
    assert_eq!(member_path("abc"), r#"members[value eq "abc"]"#);
    assert_eq!(
        member_path(r#"a"b\c"#),
        r#"members[value eq "a\"b\\c"]"#,
        "quotes and backslashes are escaped as in a SCIM string"
    );
    let ids = vec!["1".to_string(), "x\"y".to_string()];
    let remove = remove_members_request(&ids);
    let ops = remove["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2, "one remove operation per member");
    assert_eq!(
        ops[1],
        json!({"op": "remove", "path": "members[value eq \"x\\\"y\"]"})
    );
    let add = add_members_request(&ids);
    assert_eq!(
        add["Operations"],
        json!([{"op": "add", "path": "members", "value": [{"value": "1"}, {"value": "x\"y"}]}])
    );
}

#[test]
fn put_edits_simple_and_sub_attributes_case_insensitively() {
    let doc = json!({
        "id": "1", "userName": "ann", "Title": "Clerk", "nickName": "A",
        "name": {"givenName": "Ann", "familyName": "Lee"}
    });
    let out = edited(
        doc,
        &[
            AttributeChange::set("title", json!("Engineer")),
            AttributeChange::clear("NICKNAME"),
            AttributeChange::set("name.givenName", json!("Anna")),
            AttributeChange::clear("name.familyName"),
            AttributeChange::set("displayName", json!("Anna Lee")),
        ],
    );
    assert_eq!(
        out,
        json!({
            "id": "1", "userName": "ann", "Title": "Engineer",
            "name": {"givenName": "Anna"}, "displayName": "Anna Lee"
        })
    );
    let cleared = edited(out, &[AttributeChange::clear("name.givenName")]);
    assert!(
        cleared.get("name").is_none(),
        "an emptied complex attribute is removed"
    );
}

#[test]
fn put_edits_extension_attributes_and_whole_extensions() {
    let doc = json!({"userName": "ann", ENT: {"department": "Sales"}});
    let out = edited(
        doc,
        &[
            AttributeChange::set(format!("{ENT}:employeeNumber"), json!("42")),
            AttributeChange::set(format!("{ENT}:manager.value"), json!("m-1")),
            AttributeChange::clear(format!("{ENT}:department")),
            AttributeChange::set(
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                json!("anna"),
            ),
        ],
    );
    assert_eq!(
        out,
        json!({"userName": "anna", ENT: {"employeeNumber": "42", "manager": {"value": "m-1"}}})
    );
    let gone = edited(out, &[AttributeChange::clear(ENT)]);
    assert_eq!(gone, json!({"userName": "anna"}));
}

#[test]
fn put_edits_filtered_paths_like_entra_sends_them() {
    let doc = json!({
        "userName": "ann",
        "emails": [
            {"type": "work", "value": "ann@old.example", "primary": true},
            {"type": "home", "value": "ann@home.example"}
        ]
    });
    let out = edited(
        doc,
        &[
            AttributeChange::set(r#"emails[type eq "work"].value"#, json!("ann@new.example")),
            AttributeChange::clear(r#"emails[type eq "home"]"#),
            AttributeChange::set(r#"phoneNumbers[type eq "mobile"].value"#, json!("+1 555")),
            AttributeChange::set(
                r#"addresses[type eq "work"]"#,
                json!({"locality": "Paris", "country": "FR"}),
            ),
        ],
    );
    assert_eq!(
        out["emails"],
        json!([{"type": "work", "value": "ann@new.example", "primary": true}])
    );
    assert_eq!(
        out["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555"}])
    );
    assert_eq!(
        out["addresses"],
        json!([{"type": "work", "locality": "Paris", "country": "FR"}])
    );
    // The type comparison follows the schema (caseExact=false): "WORK" matches "work".
    let cleared = edited(
        out,
        &[AttributeChange::clear(r#"emails[type eq "WORK"].value"#)],
    );
    assert_eq!(
        cleared["emails"],
        json!([{"type": "work", "primary": true}])
    );
    let emptied = edited(
        cleared,
        &[AttributeChange::clear(r#"emails[type eq "work"]"#)],
    );
    assert!(
        emptied.get("emails").is_none(),
        "no entries left, no attribute"
    );
}

#[test]
fn put_refuses_what_it_cannot_express_and_leaves_the_object_alone() {
    let original = json!({"userName": "ann", "emails": [{"type": "home", "value": "h@x"}]});
    let mut doc = original.clone();
    let err = apply_changes(
        ResourceKind::User,
        &mut doc,
        &[
            AttributeChange::set("title", json!("Engineer")),
            AttributeChange::set(r#"emails[value co "@work"].value"#, json!("a@work")),
        ],
    )
    .unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidChange(d) if d.contains("only `eq`")));
    assert_eq!(
        doc, original,
        "all or nothing: the first change was not kept"
    );

    let err = apply_changes(
        ResourceKind::User,
        &mut doc,
        &[AttributeChange::set(
            r#"urn:acme:2.0:User:badges[kind eq "x"].id"#,
            json!("1"),
        )],
    )
    .unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported(_)), "{err:?}");
    let mut not_object = json!([1, 2]);
    assert!(matches!(
        apply_changes(ResourceKind::User, &mut not_object, &[]),
        Err(ConnectorError::InvalidResponse(_))
    ));
}

#[test]
fn put_edits_members_without_duplicates_and_removes_only_the_listed() {
    let mut group = json!({
        "displayName": "Eng",
        "Members": [{"value": "a"}, {"value": "b", "display": "B"}, {"value": "c"}]
    });
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    edit_members(&mut group, &ids(&["b", "d"]), &ids(&["a"]));
    assert_eq!(
        group["members"],
        json!([{"value": "b", "display": "B"}, {"value": "c"}, {"value": "d"}])
    );
    assert!(
        group.get("Members").is_none(),
        "one members attribute, not two spellings"
    );
    let mut empty = json!({"displayName": "Empty"});
    edit_members(&mut empty, &[], &ids(&["x"]));
    assert_eq!(empty["members"], json!([]));
}
