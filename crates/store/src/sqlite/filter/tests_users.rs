//! User filters against the test directory (`tests`): every operator, case rules, the emails
//! index and value filters, JSON attributes and extensions, meta, active, precedence, and limits.

use super::tests::{and, cmp, directory, eq, ids_in, not, or, pr, s, users, vp, ENT};
use super::*;
use scimitar_scim::filter::{CompValue, CompareOp};
use scimitar_scim::schema::ResourceKind;

#[test]
fn user_name_every_operator_case_insensitive() {
    use CompareOp::*;
    let db = directory();
    let un = |op, v| cmp("userName", op, s(v));
    assert_eq!(users(&db, un(Eq, "ALICE@x.com")), ["u1"]);
    assert_eq!(users(&db, un(Eq, "bob@y.org")), ["u2"]);
    assert_eq!(users(&db, un(Ne, "alice@x.com")), ["u2", "u3", "u4"]);
    assert_eq!(users(&db, un(Co, "@X")), ["u1"]);
    assert_eq!(users(&db, un(Sw, "B")), ["u2"]);
    assert_eq!(users(&db, un(Ew, ".NET")), ["u3"]);
    assert_eq!(users(&db, un(Ew, "")), ["u1", "u2", "u3", "u4"]);
    assert_eq!(users(&db, un(Ew, "xdave")), Vec::<String>::new());
    assert_eq!(users(&db, un(Gt, "c")), ["u3", "u4"]);
    assert_eq!(users(&db, un(Ge, "carol_100%@z.net")), ["u3", "u4"]);
    assert_eq!(users(&db, un(Lt, "b")), ["u1"]);
    assert_eq!(users(&db, un(Le, "BOB@y.org")), ["u1", "u2"]);
    // LIKE wildcards in the literal are plain characters.
    assert_eq!(users(&db, un(Co, "%")), ["u3"]);
    assert_eq!(users(&db, un(Co, "_")), ["u3"]);
    assert_eq!(users(&db, un(Sw, "carol_1")), ["u3"]);
    assert_eq!(users(&db, un(Sw, "c%")), Vec::<String>::new());
    assert_eq!(users(&db, un(Sw, "")), ["u1", "u2", "u3", "u4"]);
    assert_eq!(users(&db, un(Sw, "dave")), ["u4"]);
    assert_eq!(users(&db, un(Sw, "davf")), Vec::<String>::new());
    assert_eq!(users(&db, un(Sw, "dav\u{10FFFF}")), Vec::<String>::new());
    assert_eq!(users(&db, un(Ew, "%@z.net")), ["u3"]);
    assert_eq!(users(&db, un(Eq, "x' OR 1=1 --")), Vec::<String>::new());
    // URN-qualified core attribute.
    let urn = "urn:ietf:params:scim:schemas:core:2.0:User:userName";
    assert_eq!(users(&db, eq(urn, "bob@y.org")), ["u2"]);
    // The same user name in tenant 2 is only ever seen from tenant 2.
    let f = eq("userName", "alice@x.com");
    assert_eq!(ids_in(&db, ResourceKind::User, 2, &f), ["t2-alice"]);
}

#[test]
fn external_id_is_case_exact_and_display_name_is_not() {
    let db = directory();
    assert_eq!(users(&db, eq("externalId", "EXT-Alice")), ["u1"]);
    assert_eq!(
        users(&db, eq("externalId", "ext-alice")),
        Vec::<String>::new()
    );
    assert_eq!(users(&db, eq("EXTERNALID", "ext-bob")), ["u2"]);
    assert_eq!(
        users(&db, cmp("externalId", CompareOp::Ne, s("ext-bob"))),
        ["u1", "u3", "u4"]
    );
    assert_eq!(users(&db, not(pr("externalId"))), ["u3"]);
    assert_eq!(
        users(&db, cmp("displayName", CompareOp::Co, s("AN"))),
        ["u1"]
    );
    assert_eq!(
        users(&db, cmp("displayName", CompareOp::Sw, s("b"))),
        ["u2"]
    );
    assert_eq!(
        users(&db, not(cmp("displayName", CompareOp::Co, s("a")))),
        ["u2", "u3"]
    );
    assert_eq!(users(&db, eq("id", "u2")), ["u2"]);
    assert_eq!(users(&db, eq("id", "U2")), Vec::<String>::new());
}

#[test]
fn emails_use_the_index_and_value_filters_bind_one_element() {
    use CompareOp::*;
    let db = directory();
    assert_eq!(users(&db, eq("emails.value", "BOB@x.com")), ["u2"]);
    assert_eq!(users(&db, eq("emails.value", "carol@x.com")), ["u3"]);
    assert_eq!(users(&db, eq("emails", "alice@x.com")), ["u1"]);
    assert_eq!(
        users(&db, cmp("emails.value", Co, s("@X.com"))),
        ["u1", "u2", "u3"]
    );
    assert_eq!(
        users(&db, cmp("emails.value", Ew, s("Y.ORG"))),
        ["u1", "u2"]
    );
    assert_eq!(
        users(&db, cmp("emails.value", Ne, s("alice@x.com"))),
        ["u2", "u3", "u4"]
    );
    assert_eq!(users(&db, eq("emails.type", "WORK")), ["u1", "u2", "u3"]);
    assert_eq!(users(&db, pr("emails")), ["u1", "u2", "u3"]);
    assert_eq!(users(&db, not(pr("emails.value"))), ["u4"]);
    // bob's work email is elsewhere and his home email contains @x: no single element matches.
    let work_at_x = vp("emails", and(eq("type", "work"), cmp("value", Co, s("@x"))));
    assert_eq!(users(&db, work_at_x), ["u1", "u3"]);
    let work_bob = vp("emails", and(eq("type", "work"), eq("value", "bob@x.com")));
    assert_eq!(users(&db, work_bob), Vec::<String>::new());
    let home_bob = vp("emails", and(eq("value", "BOB@x.com"), eq("type", "home")));
    assert_eq!(users(&db, home_bob), ["u2"]);
    assert_eq!(
        users(&db, vp("emails", not(eq("type", "work")))),
        ["u1", "u2"]
    );
    let primary = vp(
        "emails",
        and(
            cmp("primary", Eq, CompValue::Bool(true)),
            eq("type", "home"),
        ),
    );
    assert_eq!(users(&db, primary), ["u2"]);
    assert_eq!(
        users(&db, not(vp("emails", eq("type", "home")))),
        ["u3", "u4"]
    );
    assert_eq!(
        users(&db, vp("emails", cmp("type", Eq, CompValue::Null))),
        Vec::<String>::new()
    );
}

#[test]
fn json_attributes_sub_attributes_and_extensions() {
    let db = directory();
    assert_eq!(
        users(&db, cmp("name.givenName", CompareOp::Sw, s("A"))),
        ["u1"]
    );
    assert_eq!(
        users(&db, cmp("name.givenName", CompareOp::Sw, s("Á"))),
        ["u3"]
    );
    assert_eq!(users(&db, vp("name", eq("familyName", "brown"))), ["u2"]);
    assert_eq!(users(&db, not(pr("name.givenName"))), ["u4"]);
    assert_eq!(users(&db, pr("name")), ["u1", "u2", "u3", "u4"]);
    assert_eq!(users(&db, not(pr("title"))), ["u2"]);
    assert_eq!(users(&db, eq("title", "ENGINEER")), ["u1", "u4"]);
    assert_eq!(users(&db, not(eq("title", "engineer"))), ["u2", "u3"]);
    assert_eq!(
        users(&db, cmp("title", CompareOp::Eq, CompValue::Null)),
        ["u2"]
    );
    assert_eq!(
        users(&db, cmp("title", CompareOp::Ne, CompValue::Null)),
        ["u1", "u3", "u4"]
    );
    let emp = format!("{ENT}:employeeNumber");
    assert_eq!(users(&db, eq(&emp, "e100")), ["u1"]);
    assert_eq!(
        users(&db, cmp(&emp, CompareOp::Gt, s("E150"))),
        ["u2", "u4"]
    );
    assert_eq!(
        users(&db, eq(&format!("{ENT}:manager.value"), "U3")),
        ["u1"]
    );
    let lower_urn = format!("{}:manager.value", ENT.to_lowercase());
    assert_eq!(users(&db, eq(&lower_urn, "u1")), ["u2"]);
    assert_eq!(users(&db, pr(ENT)), ["u1", "u2", "u4"]);
    assert_eq!(users(&db, pr(&format!("{ENT}:manager"))), ["u1", "u2"]);
    assert_eq!(users(&db, eq(&format!("{ENT}:manager"), "U3")), ["u1"]);
    assert_eq!(
        users(&db, not(pr(&format!("{ENT}:employeeNumber")))),
        ["u3"]
    );
    // Empty strings, empty objects and empty arrays are not present.
    assert_eq!(users(&db, pr("phoneNumbers")), Vec::<String>::new());
    assert_eq!(users(&db, pr("ims")), Vec::<String>::new());
    assert_eq!(
        users(&db, cmp("phoneNumbers", CompareOp::Eq, CompValue::Null)).len(),
        4
    );
    // Nothing compares with null except eq/ne.
    assert_eq!(
        users(&db, cmp("userName", CompareOp::Gt, CompValue::Null)),
        Vec::<String>::new()
    );
    assert_eq!(
        users(&db, not(cmp("title", CompareOp::Co, CompValue::Null))).len(),
        4
    );
}

#[test]
fn meta_active_and_precedence() {
    use CompareOp::*;
    let db = directory();
    let lm = |op, v| cmp("meta.lastModified", op, s(v));
    assert_eq!(users(&db, lm(Gt, "2024-05-01T00:00:00Z")), ["u2", "u3"]);
    assert_eq!(
        users(&db, lm(Gt, "2024-05-01T02:00:00+02:00")),
        ["u2", "u3"]
    );
    assert_eq!(
        users(&db, lm(Gt, "2024-09-01T08:00:00Z")),
        Vec::<String>::new()
    );
    assert_eq!(users(&db, lm(Ge, "2024-09-01T08:00:00Z")), ["u3"]);
    assert_eq!(users(&db, lm(Eq, "2024-09-01T10:00:00.000+02:00")), ["u3"]);
    assert_eq!(
        users(&db, cmp("meta.created", Lt, s("2024-02-15T00:00:00Z"))),
        ["u1", "u2"]
    );
    assert_eq!(
        users(&db, eq("meta.resourceType", "User")),
        ["u1", "u2", "u3", "u4"]
    );
    assert_eq!(users(&db, eq("meta.version", "W/\"3\"")), ["u2"]);
    assert_eq!(users(&db, pr("meta")), ["u1", "u2", "u3", "u4"]);
    assert_eq!(users(&db, vp("meta", eq("version", "W/\"10\""))), ["u4"]);

    let active = |v| cmp("active", Eq, v);
    assert_eq!(users(&db, active(CompValue::Bool(true))), ["u1", "u4"]);
    assert_eq!(users(&db, active(s("True"))), ["u1", "u4"]);
    assert_eq!(users(&db, active(s("false"))), ["u2"]);
    assert_eq!(
        users(&db, cmp("active", Ne, CompValue::Bool(true))),
        ["u2", "u3"]
    );
    assert_eq!(users(&db, not(active(CompValue::Bool(true)))), ["u2", "u3"]);
    assert_eq!(users(&db, pr("active")), ["u1", "u2", "u4"]);

    // `a or b and c` is `a or (b and c)`; the parenthesised form differs.
    let (a, b, c) = (
        eq("userName", "bob@y.org"),
        eq("title", "engineer"),
        active(s("true")),
    );
    let or_first = or(a.clone(), and(b.clone(), c.clone()));
    assert_eq!(users(&db, or_first), ["u1", "u2", "u4"]);
    assert_eq!(users(&db, and(or(a, b), c)), ["u1", "u4"]);
    let nested = not(or(eq("title", "director"), not(pr("displayName"))));
    assert_eq!(users(&db, nested), ["u1", "u2", "u4"]);
}

#[test]
fn long_runs_and_deep_nesting_stay_within_sqlite_limits() {
    let db = directory();
    // 600 alternatives, as a client looking up many users at once would send.
    let many = (0..600).fold(eq("userName", "dave"), |f, i| {
        or(f, eq("emails.value", &format!("n{i}@x")))
    });
    assert_eq!(users(&db, many), ["u4"]);
    let all = (0..600).fold(pr("userName"), |f, i| {
        and(f, cmp("title", CompareOp::Ne, s(&format!("t{i}"))))
    });
    assert_eq!(users(&db, all), ["u1", "u2", "u3", "u4"]);
    // The deepest filter accepted: 64 levels of alternating and/or/not around value filters.
    let leaf = vp(
        "emails",
        and(eq("type", "work"), cmp("value", CompareOp::Co, s("@x"))),
    );
    let deep = (1..62).fold(leaf, |f, i| match i % 3 {
        0 => not(f),
        1 => or(f, eq("title", "nobody")),
        _ => and(f, pr("userName")),
    });
    assert_eq!(depth(&deep), 64);
    // 20 negations of the leaf (alice, carol): back to the leaf.
    assert_eq!(users(&db, deep), ["u1", "u3"]);
}
