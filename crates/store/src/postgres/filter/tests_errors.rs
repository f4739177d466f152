//! Every filter the translator refuses, with the `400 invalidFilter` (or, for `sortBy`,
//! `invalidValue`) detail a client sees; and the shape of the SQL for the indexed routes.

use super::tests::{and, cmp, eq, not, path, pr, s, vp, ENT};
use super::*;
use scimitar_scim::filter::{CompValue, CompareOp};
use scimitar_scim::schema::all_schemas;
use scimitar_scim::ScimType;

fn filter_error(kind: ResourceKind, f: Filter) -> String {
    match filter_to_sql(kind, &f) {
        Ok(frag) => panic!("{f} was accepted: {}", frag.sql),
        Err(e) => {
            assert_eq!(
                (e.status, e.scim_type),
                (400, Some(ScimType::InvalidFilter)),
                "{f}"
            );
            e.detail
        }
    }
}

fn user_error(f: Filter) -> String {
    filter_error(ResourceKind::User, f)
}

#[test]
fn unknown_and_unusable_attributes() {
    assert_eq!(
        user_error(eq("nickname.x", "a")),
        "attribute 'nickName' has no sub-attributes: 'nickname.x' is not valid in a filter"
    );
    assert_eq!(user_error(eq("x", "a")), "unknown attribute 'x' in filter");
    assert_eq!(
        user_error(eq("name.nope", "a")),
        "unknown attribute 'name.nope' in filter"
    );
    assert_eq!(
        user_error(eq("password", "a")),
        "password cannot be used in a filter"
    );
    assert_eq!(
        user_error(pr("PASSWORD")),
        "password cannot be used in a filter"
    );
    assert_eq!(
        user_error(eq("employeeNumber", "1")),
        "unknown attribute 'employeeNumber' in filter"
    );
    assert_eq!(
        user_error(eq(&format!("{ENT}:nope"), "1")),
        format!("unknown attribute '{ENT}:nope' in filter")
    );
    let group_urn = "urn:ietf:params:scim:schemas:core:2.0:Group:displayName";
    assert_eq!(
        user_error(eq(group_urn, "a")),
        format!("unknown attribute '{group_urn}' in filter")
    );
    assert_eq!(
        filter_error(ResourceKind::Group, eq("userName", "a")),
        "unknown attribute 'userName' in filter"
    );
    assert_eq!(
        filter_error(ResourceKind::Group, eq("members.display", "a")),
        "members.display cannot be used in a filter"
    );
    assert_eq!(
        filter_error(ResourceKind::Group, eq("members.$ref", "a")),
        "members.$ref cannot be used in a filter"
    );
    assert_eq!(
        user_error(eq("meta.location", "a")),
        "meta.location cannot be used in a filter"
    );
    assert_eq!(
        user_error(vp("emails", eq("nope", "a"))),
        "unknown attribute 'emails.nope' in filter"
    );
    assert_eq!(
        user_error(vp("emails", eq("type.x", "a"))),
        "unknown attribute 'emails.type.x' in filter"
    );
}

#[test]
fn operators_and_literals_must_fit_the_type() {
    use CompareOp::*;
    assert_eq!(
        user_error(cmp("active", Co, s("t"))),
        "operator co is not defined for boolean attribute 'active'"
    );
    assert_eq!(
        user_error(cmp("active", Gt, CompValue::Bool(true))),
        "operator gt is not defined for boolean attribute 'active'"
    );
    assert_eq!(
        user_error(cmp("emails.primary", Sw, s("t"))),
        "operator sw is not defined for boolean attribute 'emails.primary'"
    );
    assert_eq!(
        user_error(eq("active", "yes")),
        "attribute 'active' is a boolean: \"yes\" is not a boolean"
    );
    assert_eq!(
        user_error(cmp("active", Eq, CompValue::Number(1.into()))),
        "attribute 'active' is a boolean: 1 is not a boolean"
    );
    assert_eq!(
        user_error(cmp("userName", Eq, CompValue::Number(5.into()))),
        "attribute 'userName' is a string: 5 is not a string"
    );
    assert_eq!(
        user_error(cmp("title", Eq, CompValue::Bool(false))),
        "attribute 'title' is a string: false is not a string"
    );
    assert_eq!(
        user_error(cmp("meta.lastModified", Gt, s("yesterday"))),
        "\"yesterday\" is not a dateTime (attribute 'meta.lastModified' expects RFC 3339, \
         e.g. \"2024-01-31T12:00:00Z\")"
    );
    assert_eq!(
        user_error(cmp("meta.created", Co, s("2024"))),
        "operator co is not defined for dateTime attribute 'meta.created'"
    );
    assert_eq!(
        user_error(cmp("x509Certificates.value", Gt, s("a"))),
        "operator gt is not defined for binary attribute 'x509Certificates.value'"
    );
    assert_eq!(
        user_error(cmp("nope", Gt, CompValue::Null)),
        "unknown attribute 'nope' in filter"
    );
}

#[test]
fn complex_attributes_and_value_filters() {
    let complex =
        |a: &str| format!("attribute '{a}' is complex: compare one of its sub-attributes instead");
    assert_eq!(user_error(eq("name", "a")), complex("name"));
    assert_eq!(user_error(eq("meta", "a")), complex("meta"));
    assert_eq!(user_error(eq("addresses", "a")), complex("addresses"));
    assert_eq!(user_error(eq(ENT, "a")), complex(ENT));
    let not_complex = |p: &str| {
        format!("'{p}[...]' is not valid: a value filter must follow a complex attribute")
    };
    assert_eq!(
        user_error(vp("userName", eq("value", "a"))),
        not_complex("userName")
    );
    assert_eq!(
        user_error(vp("emails.value", eq("value", "a"))),
        not_complex("emails.value")
    );
    assert_eq!(
        user_error(vp(ENT, eq("employeeNumber", "a"))),
        not_complex(ENT)
    );
    let nested = vp(
        "emails",
        and(eq("type", "work"), vp("emails", eq("type", "home"))),
    );
    assert_eq!(
        user_error(nested),
        "value filters cannot be nested: 'emails[...]' inside another value filter"
    );
    let deep = (0..64).fold(eq("userName", "a"), |f, _| not(f));
    assert_eq!(
        user_error(deep),
        "filter is nested too deeply (more than 64 levels)"
    );
}

#[test]
fn sort_by_errors_are_invalid_value() {
    let err = |p: &str| {
        let e = sort_key_sql(ResourceKind::User, &path(p)).unwrap_err();
        assert_eq!(
            (e.status, e.scim_type),
            (400, Some(ScimType::InvalidValue)),
            "{p}"
        );
        e.detail
    };
    assert_eq!(err("x"), "sortBy: unknown attribute 'x'");
    assert_eq!(
        err("password"),
        "sortBy: password cannot be used for sorting"
    );
    assert_eq!(
        err("name"),
        "sortBy: attribute 'name' is complex: sort by one of its sub-attributes"
    );
    assert_eq!(
        err("addresses"),
        "sortBy: attribute 'addresses' is complex: sort by one of its sub-attributes"
    );
    assert_eq!(
        err("userName.x"),
        "sortBy: attribute 'userName' has no sub-attributes: 'userName.x' is not valid"
    );
    assert_eq!(
        err("groups.$ref"),
        "sortBy: groups.$ref cannot be used for sorting"
    );
    assert_eq!(
        sort_key_sql(ResourceKind::User, &path("meta.location")).unwrap(),
        "(r.id) COLLATE \"C\""
    );
}

/// The routes that must use an index, the casts on every placeholder, and what must never be
/// SQL text.
#[test]
fn sql_shapes() {
    let sql = |kind, f: Filter| filter_to_sql(kind, &f).unwrap();
    let u = ResourceKind::User;
    let frag = sql(u, eq("userName", "Alice"));
    assert_eq!(
        frag,
        super::frag("r.user_name_ci = ?::text", vec![Bind::Text("alice".into())])
    );
    let frag = sql(u, and(eq("externalId", "E"), eq("emails.value", "A@X")));
    assert_eq!(
        frag.sql,
        "(r.external_id = ?::text AND r.seq IN (SELECT e.user_seq FROM user_emails e \
         WHERE e.value_ci = ?::text))"
    );
    assert_eq!(
        frag.binds,
        [Bind::Text("E".into()), Bind::Text("a@x".into())]
    );
    let frag = sql(ResourceKind::Group, eq("members.value", "u1"));
    assert!(frag.sql.starts_with(
        "r.id IN (SELECT m.group_id FROM group_members m WHERE m.member_id = ?::text"
    ));
    let frag = sql(u, not(eq("title", "x")));
    assert_eq!(
        frag.sql,
        "NOT (COALESCE((r.search ->> 'title') = ?::text, FALSE))"
    );
    let frag = sql(u, eq(&format!("{ENT}:manager.value"), "M"));
    assert_eq!(
        frag.sql,
        format!("(r.search -> '{ENT}' -> 'manager' ->> 'value') = ?::text")
    );
    // LIKE patterns a trigram index can serve, the literal's wildcards escaped.
    let frag = sql(u, cmp("userName", CompareOp::Co, s("A%_\\b")));
    assert_eq!(
        frag,
        super::frag(
            "r.user_name_ci LIKE ('%' || ?::text || '%')",
            vec![Bind::Text("a\\%\\_\\\\b".into())]
        )
    );
    let frag = sql(u, cmp("userName", CompareOp::Sw, s("Al")));
    assert_eq!(frag.sql, "r.user_name_ci LIKE (?::text || '%')");
    let frag = sql(u, cmp("emails", CompareOp::Ew, s("@X.com")));
    assert_eq!(
        frag,
        super::frag(
            "r.seq IN (SELECT e.user_seq FROM user_emails e \
             WHERE e.value_ci LIKE ('%' || ?::text))",
            vec![Bind::Text("@x.com".into())]
        )
    );
    let frag = sql(u, cmp("userName", CompareOp::Gt, s("B")));
    assert_eq!(frag.sql, "(r.user_name_ci) COLLATE \"C\" > ?::text");
    let frag = sql(u, cmp("active", CompareOp::Eq, s("TRUE")));
    assert_eq!(
        frag,
        super::frag("r.active = ?::boolean", vec![Bind::Text("true".into())])
    );
    let frag = sql(
        u,
        cmp("emails.primary", CompareOp::Eq, CompValue::Bool(false)),
    );
    assert!(
        frag.sql.contains("::boolean END) = ?::boolean"),
        "{}",
        frag.sql
    );
    // PostgreSQL text cannot hold NUL: such literals are settled without a bind.
    assert_eq!(sql(u, eq("userName", "a\0b")), super::frag("FALSE", vec![]));
    assert_eq!(sql(u, eq("emails", "a\0b")), super::frag("FALSE", vec![]));
    assert_eq!(
        sql(u, cmp("title", CompareOp::Ne, s("a\0b"))),
        super::frag("TRUE", vec![])
    );
    // The jsonb `?` operators would be renumbered as placeholders: never written.
    for f in [pr("emails"), pr(ENT), pr("name"), eq("groups.display", "x")] {
        let frag = sql(u, f);
        assert_eq!(
            frag.sql.matches('?').count(),
            frag.binds.len(),
            "{}",
            frag.sql
        );
    }
}

/// Schema names are formatted into JSON paths: none may contain a quote.
#[test]
fn schema_names_are_safe_in_json_paths() {
    for schema in all_schemas() {
        assert!(!schema.id.contains(['"', '\'']), "{}", schema.id);
        for a in &schema.attributes {
            for name in std::iter::once(a.name).chain(a.sub_attributes.iter().map(|s| s.name)) {
                assert!(!name.contains(['"', '\'', '?']), "{name}");
            }
        }
    }
}
