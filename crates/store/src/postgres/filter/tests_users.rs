//! User filters against the test directory (`tests`): every operator, case rules, the emails
//! index and value filters, JSON attributes and extensions, meta, active, precedence, and limits.

use super::tests::{and, cmp, directory, eq, ids_in, not, or, pr, s, users, vp, ENT};
use super::*;
use scimitar_scim::filter::{CompValue, CompareOp};
use scimitar_scim::schema::ResourceKind;

#[tokio::test]
async fn user_name_every_operator_case_insensitive() {
    use CompareOp::*;
    let Some(mut db) = directory().await else {
        return;
    };
    let un = |op, v| cmp("userName", op, s(v));
    assert_eq!(users(&mut db, un(Eq, "ALICE@x.com")).await, ["u1"]);
    assert_eq!(users(&mut db, un(Eq, "bob@y.org")).await, ["u2"]);
    assert_eq!(
        users(&mut db, un(Ne, "alice@x.com")).await,
        ["u2", "u3", "u4"]
    );
    assert_eq!(users(&mut db, un(Co, "@X")).await, ["u1"]);
    assert_eq!(users(&mut db, un(Sw, "B")).await, ["u2"]);
    assert_eq!(users(&mut db, un(Ew, ".NET")).await, ["u3"]);
    assert_eq!(users(&mut db, un(Ew, "")).await, ["u1", "u2", "u3", "u4"]);
    assert_eq!(users(&mut db, un(Ew, "xdave")).await, Vec::<String>::new());
    assert_eq!(users(&mut db, un(Gt, "c")).await, ["u3", "u4"]);
    assert_eq!(
        users(&mut db, un(Ge, "carol_100%@z.net")).await,
        ["u3", "u4"]
    );
    assert_eq!(users(&mut db, un(Lt, "b")).await, ["u1"]);
    assert_eq!(users(&mut db, un(Le, "BOB@y.org")).await, ["u1", "u2"]);
    // LIKE wildcards in the literal are plain characters.
    assert_eq!(users(&mut db, un(Co, "%")).await, ["u3"]);
    assert_eq!(users(&mut db, un(Co, "_")).await, ["u3"]);
    assert_eq!(users(&mut db, un(Sw, "carol_1")).await, ["u3"]);
    assert_eq!(users(&mut db, un(Sw, "c%")).await, Vec::<String>::new());
    assert_eq!(users(&mut db, un(Sw, "")).await, ["u1", "u2", "u3", "u4"]);
    assert_eq!(users(&mut db, un(Sw, "dave")).await, ["u4"]);
    assert_eq!(users(&mut db, un(Sw, "davf")).await, Vec::<String>::new());
    assert_eq!(
        users(&mut db, un(Sw, "dav\u{10FFFF}")).await,
        Vec::<String>::new()
    );
    assert_eq!(users(&mut db, un(Ew, "%@z.net")).await, ["u3"]);
    assert_eq!(
        users(&mut db, un(Eq, "x' OR 1=1 --")).await,
        Vec::<String>::new()
    );
    // URN-qualified core attribute.
    let urn = "urn:ietf:params:scim:schemas:core:2.0:User:userName";
    assert_eq!(users(&mut db, eq(urn, "bob@y.org")).await, ["u2"]);
    // The same user name in tenant 2 is only ever seen from tenant 2.
    let f = eq("userName", "alice@x.com");
    assert_eq!(
        ids_in(&mut db, ResourceKind::User, 2, &f).await,
        ["t2-alice"]
    );
}

#[tokio::test]
async fn external_id_is_case_exact_and_display_name_is_not() {
    let Some(mut db) = directory().await else {
        return;
    };
    assert_eq!(users(&mut db, eq("externalId", "EXT-Alice")).await, ["u1"]);
    assert_eq!(
        users(&mut db, eq("externalId", "ext-alice")).await,
        Vec::<String>::new()
    );
    assert_eq!(users(&mut db, eq("EXTERNALID", "ext-bob")).await, ["u2"]);
    assert_eq!(
        users(&mut db, cmp("externalId", CompareOp::Ne, s("ext-bob"))).await,
        ["u1", "u3", "u4"]
    );
    assert_eq!(users(&mut db, not(pr("externalId"))).await, ["u3"]);
    assert_eq!(
        users(&mut db, cmp("displayName", CompareOp::Co, s("AN"))).await,
        ["u1"]
    );
    assert_eq!(
        users(&mut db, cmp("displayName", CompareOp::Sw, s("b"))).await,
        ["u2"]
    );
    assert_eq!(
        users(&mut db, not(cmp("displayName", CompareOp::Co, s("a")))).await,
        ["u2", "u3"]
    );
    assert_eq!(users(&mut db, eq("id", "u2")).await, ["u2"]);
    assert_eq!(users(&mut db, eq("id", "U2")).await, Vec::<String>::new());
}

#[tokio::test]
async fn emails_use_the_index_and_value_filters_bind_one_element() {
    use CompareOp::*;
    let Some(mut db) = directory().await else {
        return;
    };
    assert_eq!(
        users(&mut db, eq("emails.value", "BOB@x.com")).await,
        ["u2"]
    );
    assert_eq!(
        users(&mut db, eq("emails.value", "carol@x.com")).await,
        ["u3"]
    );
    assert_eq!(users(&mut db, eq("emails", "alice@x.com")).await, ["u1"]);
    assert_eq!(
        users(&mut db, cmp("emails.value", Co, s("@X.com"))).await,
        ["u1", "u2", "u3"]
    );
    assert_eq!(
        users(&mut db, cmp("emails.value", Ew, s("Y.ORG"))).await,
        ["u1", "u2"]
    );
    assert_eq!(
        users(&mut db, cmp("emails.value", Ne, s("alice@x.com"))).await,
        ["u2", "u3", "u4"]
    );
    assert_eq!(
        users(&mut db, eq("emails.type", "WORK")).await,
        ["u1", "u2", "u3"]
    );
    assert_eq!(users(&mut db, pr("emails")).await, ["u1", "u2", "u3"]);
    assert_eq!(users(&mut db, not(pr("emails.value"))).await, ["u4"]);
    // bob's work email is elsewhere and his home email contains @x: no single element matches.
    let work_at_x = vp("emails", and(eq("type", "work"), cmp("value", Co, s("@x"))));
    assert_eq!(users(&mut db, work_at_x).await, ["u1", "u3"]);
    let work_bob = vp("emails", and(eq("type", "work"), eq("value", "bob@x.com")));
    assert_eq!(users(&mut db, work_bob).await, Vec::<String>::new());
    let home_bob = vp("emails", and(eq("value", "BOB@x.com"), eq("type", "home")));
    assert_eq!(users(&mut db, home_bob).await, ["u2"]);
    assert_eq!(
        users(&mut db, vp("emails", not(eq("type", "work")))).await,
        ["u1", "u2"]
    );
    let primary = vp(
        "emails",
        and(
            cmp("primary", Eq, CompValue::Bool(true)),
            eq("type", "home"),
        ),
    );
    assert_eq!(users(&mut db, primary).await, ["u2"]);
    assert_eq!(
        users(&mut db, not(vp("emails", eq("type", "home")))).await,
        ["u3", "u4"]
    );
    assert_eq!(
        users(&mut db, vp("emails", cmp("type", Eq, CompValue::Null))).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn json_attributes_sub_attributes_and_extensions() {
    let Some(mut db) = directory().await else {
        return;
    };
    assert_eq!(
        users(&mut db, cmp("name.givenName", CompareOp::Sw, s("A"))).await,
        ["u1"]
    );
    assert_eq!(
        users(&mut db, cmp("name.givenName", CompareOp::Sw, s("Á"))).await,
        ["u3"]
    );
    assert_eq!(
        users(&mut db, vp("name", eq("familyName", "brown"))).await,
        ["u2"]
    );
    assert_eq!(users(&mut db, not(pr("name.givenName"))).await, ["u4"]);
    assert_eq!(users(&mut db, pr("name")).await, ["u1", "u2", "u3", "u4"]);
    assert_eq!(users(&mut db, not(pr("title"))).await, ["u2"]);
    assert_eq!(users(&mut db, eq("title", "ENGINEER")).await, ["u1", "u4"]);
    assert_eq!(
        users(&mut db, not(eq("title", "engineer"))).await,
        ["u2", "u3"]
    );
    assert_eq!(
        users(&mut db, cmp("title", CompareOp::Eq, CompValue::Null)).await,
        ["u2"]
    );
    assert_eq!(
        users(&mut db, cmp("title", CompareOp::Ne, CompValue::Null)).await,
        ["u1", "u3", "u4"]
    );
    let emp = format!("{ENT}:employeeNumber");
    assert_eq!(users(&mut db, eq(&emp, "e100")).await, ["u1"]);
    assert_eq!(
        users(&mut db, cmp(&emp, CompareOp::Gt, s("E150"))).await,
        ["u2", "u4"]
    );
    assert_eq!(
        users(&mut db, eq(&format!("{ENT}:manager.value"), "U3")).await,
        ["u1"]
    );
    let lower_urn = format!("{}:manager.value", ENT.to_lowercase());
    assert_eq!(users(&mut db, eq(&lower_urn, "u1")).await, ["u2"]);
    assert_eq!(users(&mut db, pr(ENT)).await, ["u1", "u2", "u4"]);
    assert_eq!(
        users(&mut db, pr(&format!("{ENT}:manager"))).await,
        ["u1", "u2"]
    );
    assert_eq!(
        users(&mut db, eq(&format!("{ENT}:manager"), "U3")).await,
        ["u1"]
    );
    assert_eq!(
        users(&mut db, not(pr(&format!("{ENT}:employeeNumber")))).await,
        ["u3"]
    );
    // Empty strings, empty objects and empty arrays are not present.
    assert_eq!(
        users(&mut db, pr("phoneNumbers")).await,
        Vec::<String>::new()
    );
    assert_eq!(users(&mut db, pr("ims")).await, Vec::<String>::new());
    assert_eq!(
        users(&mut db, cmp("phoneNumbers", CompareOp::Eq, CompValue::Null))
            .await
            .len(),
        4
    );
    // Nothing compares with null except eq/ne.
    assert_eq!(
        users(&mut db, cmp("userName", CompareOp::Gt, CompValue::Null)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        users(&mut db, not(cmp("title", CompareOp::Co, CompValue::Null)))
            .await
            .len(),
        4
    );
}

#[tokio::test]
async fn meta_active_and_precedence() {
    use CompareOp::*;
    let Some(mut db) = directory().await else {
        return;
    };
    let lm = |op, v| cmp("meta.lastModified", op, s(v));
    assert_eq!(
        users(&mut db, lm(Gt, "2024-05-01T00:00:00Z")).await,
        ["u2", "u3"]
    );
    assert_eq!(
        users(&mut db, lm(Gt, "2024-05-01T02:00:00+02:00")).await,
        ["u2", "u3"]
    );
    assert_eq!(
        users(&mut db, lm(Gt, "2024-09-01T08:00:00Z")).await,
        Vec::<String>::new()
    );
    assert_eq!(users(&mut db, lm(Ge, "2024-09-01T08:00:00Z")).await, ["u3"]);
    assert_eq!(
        users(&mut db, lm(Eq, "2024-09-01T10:00:00.000+02:00")).await,
        ["u3"]
    );
    assert_eq!(
        users(&mut db, cmp("meta.created", Lt, s("2024-02-15T00:00:00Z"))).await,
        ["u1", "u2"]
    );
    assert_eq!(
        users(&mut db, eq("meta.resourceType", "User")).await,
        ["u1", "u2", "u3", "u4"]
    );
    assert_eq!(users(&mut db, eq("meta.version", "W/\"3\"")).await, ["u2"]);
    assert_eq!(users(&mut db, pr("meta")).await, ["u1", "u2", "u3", "u4"]);
    assert_eq!(
        users(&mut db, vp("meta", eq("version", "W/\"10\""))).await,
        ["u4"]
    );

    let active = |v| cmp("active", Eq, v);
    assert_eq!(
        users(&mut db, active(CompValue::Bool(true))).await,
        ["u1", "u4"]
    );
    assert_eq!(users(&mut db, active(s("True"))).await, ["u1", "u4"]);
    assert_eq!(users(&mut db, active(s("false"))).await, ["u2"]);
    assert_eq!(
        users(&mut db, cmp("active", Ne, CompValue::Bool(true))).await,
        ["u2", "u3"]
    );
    assert_eq!(
        users(&mut db, not(active(CompValue::Bool(true)))).await,
        ["u2", "u3"]
    );
    assert_eq!(users(&mut db, pr("active")).await, ["u1", "u2", "u4"]);

    // `a or b and c` is `a or (b and c)`; the parenthesised form differs.
    let (a, b, c) = (
        eq("userName", "bob@y.org"),
        eq("title", "engineer"),
        active(s("true")),
    );
    let or_first = or(a.clone(), and(b.clone(), c.clone()));
    assert_eq!(users(&mut db, or_first).await, ["u1", "u2", "u4"]);
    assert_eq!(users(&mut db, and(or(a, b), c)).await, ["u1", "u4"]);
    let nested = not(or(eq("title", "director"), not(pr("displayName"))));
    assert_eq!(users(&mut db, nested).await, ["u1", "u2", "u4"]);
}

#[tokio::test]
async fn long_runs_and_deep_nesting_stay_within_postgres_limits() {
    let Some(mut db) = directory().await else {
        return;
    };
    // 600 alternatives, as a client looking up many users at once would send.
    let many = (0..600).fold(eq("userName", "dave"), |f, i| {
        or(f, eq("emails.value", &format!("n{i}@x")))
    });
    assert_eq!(users(&mut db, many).await, ["u4"]);
    let all = (0..600).fold(pr("userName"), |f, i| {
        and(f, cmp("title", CompareOp::Ne, s(&format!("t{i}"))))
    });
    assert_eq!(users(&mut db, all).await, ["u1", "u2", "u3", "u4"]);
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
    assert_eq!(users(&mut db, deep).await, ["u1", "u3"]);
}
