//! Membership filters (User.groups through nested groups and cycles, Group.members), number
//! comparisons, and `sortBy` keys, against the same directory as `tests`.

use super::operand::{compare, Operand};
use super::tests::{and, directory, eq, groups, ids_in, not, pr, query_ids, users, vp, TestDb};
use super::*;
use scimitar_scim::filter::{CompValue, CompareOp};
use scimitar_scim::schema::{AttrType, AttributeDef};
use serde_json::Number;

// Memberships: g-eng ∋ {u1, g-sub}; g-sub ∋ {u3}; g-cycle-a ∋ {g-cycle-b}; g-cycle-b ∋ {g-cycle-a,
// u4}; g-empty ∋ {}; tenant 2: g-t2 ∋ {t2-alice}.

#[tokio::test]
async fn user_groups_include_nested_membership_and_survive_cycles() {
    let Some(mut db) = directory().await else {
        return;
    };
    assert_eq!(
        users(&mut db, eq("groups.value", "g-eng")).await,
        ["u1", "u3"]
    );
    assert_eq!(users(&mut db, eq("groups", "g-sub")).await, ["u3"]);
    assert_eq!(users(&mut db, eq("groups", "g-cycle-a")).await, ["u4"]);
    assert_eq!(
        users(&mut db, eq("groups", "g-t2")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        users(&mut db, not(eq("groups", "g-eng"))).await,
        ["u2", "u4"]
    );
    assert_eq!(
        users(&mut db, eq("groups.display", "PLATFORM")).await,
        ["u3"]
    );
    assert_eq!(
        users(&mut db, eq("groups.display", "engineering")).await,
        ["u1", "u3"]
    );
    assert_eq!(
        users(&mut db, vp("groups", eq("type", "indirect"))).await,
        ["u3", "u4"]
    );
    let direct_eng = vp("groups", and(eq("value", "g-eng"), eq("type", "direct")));
    assert_eq!(users(&mut db, direct_eng).await, ["u1"]);
    let indirect_eng = vp(
        "groups",
        and(eq("type", "indirect"), eq("display", "Engineering")),
    );
    assert_eq!(users(&mut db, indirect_eng).await, ["u3"]);
    assert_eq!(users(&mut db, pr("groups")).await, ["u1", "u3", "u4"]);
    assert_eq!(users(&mut db, not(pr("groups"))).await, ["u2"]);
    let f = eq("groups", "g-t2");
    assert_eq!(
        ids_in(&mut db, ResourceKind::User, 2, &f).await,
        ["t2-alice"]
    );
}

#[tokio::test]
async fn group_members_and_display_name() {
    let Some(mut db) = directory().await else {
        return;
    };
    assert_eq!(groups(&mut db, eq("members.value", "u1")).await, ["g-eng"]);
    assert_eq!(groups(&mut db, eq("members", "u3")).await, ["g-sub"]);
    assert_eq!(
        groups(&mut db, eq("members", "t2-alice")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        groups(&mut db, eq("members.type", "group")).await,
        ["g-cycle-a", "g-cycle-b", "g-eng"]
    );
    assert_eq!(
        groups(&mut db, pr("members")).await,
        ["g-cycle-a", "g-cycle-b", "g-eng", "g-sub"]
    );
    assert_eq!(groups(&mut db, not(pr("members"))).await, ["g-empty"]);
    let u4_user = vp("members", and(eq("value", "u4"), eq("type", "User")));
    assert_eq!(groups(&mut db, u4_user).await, ["g-cycle-b"]);
    let a_as_user = vp("members", and(eq("value", "g-cycle-a"), eq("type", "User")));
    assert_eq!(groups(&mut db, a_as_user).await, Vec::<String>::new());
    let ne = cmp_("members.value", CompareOp::Ne, "u1");
    assert_eq!(
        groups(&mut db, ne).await,
        ["g-cycle-a", "g-cycle-b", "g-empty", "g-sub"]
    );
    assert_eq!(
        groups(&mut db, eq("displayName", "ENGINEERING")).await,
        ["g-eng"]
    );
    assert_eq!(
        groups(&mut db, eq("meta.resourceType", "Group"))
            .await
            .len(),
        5
    );
    let f = eq("displayName", "engineering");
    assert_eq!(ids_in(&mut db, ResourceKind::Group, 2, &f).await, ["g-t2"]);
}

fn cmp_(p: &str, op: CompareOp, v: &str) -> Filter {
    super::tests::cmp(p, op, CompValue::Str(v.to_string()))
}

/// The schema has no integer or decimal attribute yet: compare synthetic ones over a JSON
/// document the same way the translator's JSON route does.
#[tokio::test]
async fn numbers_compare_numerically() {
    let Some(mut db) = directory().await else {
        return;
    };
    sqlx::raw_sql(
        "CREATE TABLE nums (id TEXT, search JSONB); INSERT INTO nums VALUES \
         ('a', '{\"n\": 5, \"d\": 2.5}'), ('b', '{\"n\": 40, \"d\": 10}'), ('c', '{}'), \
         ('d', '{\"n\": \"5\", \"d\": true}')",
    )
    .execute(&mut db.conn)
    .await
    .unwrap();
    let int: &'static AttributeDef = Box::leak(Box::new(AttributeDef::new("n", AttrType::Integer)));
    let dec: &'static AttributeDef = Box::leak(Box::new(AttributeDef::new("d", AttrType::Decimal)));
    let num = |s: &str| CompValue::Number(s.parse::<Number>().unwrap());
    use CompareOp::*;
    let db = &mut db;
    // Row d holds values of the wrong JSON type: they read as absent, never as a cast error.
    assert_eq!(nums(db, int, Gt, num("10"), false).await, ["b"]);
    assert_eq!(nums(db, int, Eq, num("5"), false).await, ["a"]);
    assert_eq!(nums(db, int, Le, num("5.0"), false).await, ["a"]);
    assert_eq!(nums(db, int, Ne, num("5"), false).await, ["b", "c", "d"]);
    assert_eq!(nums(db, dec, Lt, num("3"), false).await, ["a"]);
    assert_eq!(nums(db, dec, Ge, num("2.5"), false).await, ["a", "b"]);
    assert_eq!(nums(db, dec, Gt, num("9.99"), true).await, ["b"]);
    assert_eq!(nums(db, dec, Lt, num("1e300"), true).await, ["a", "b"]);
    let o = Operand::new("x", int, "n".into());
    let err = compare(&o, Co, &num("5"), false).unwrap_err();
    assert_eq!(
        err.detail,
        "operator co is not defined for integer attribute 'n'"
    );
    let err = compare(&o, Eq, &CompValue::Str("5".into()), false).unwrap_err();
    assert_eq!(
        err.detail,
        "attribute 'n' is an integer: \"5\" is not an integer"
    );
}

async fn nums(
    db: &mut TestDb,
    def: &'static AttributeDef,
    op: CompareOp,
    v: CompValue,
    negated: bool,
) -> Vec<String> {
    let o = Operand::json_member("r.search", def.name, def, def.name.into());
    let frag = compare(&o, op, &v, negated).unwrap();
    let sql = format!("SELECT r.id FROM nums r WHERE {} ORDER BY r.id", frag.sql);
    query_ids(&mut db.conn, &sql, frag.binds).await.unwrap()
}

async fn sorted(db: &mut TestDb, kind: ResourceKind, by: &str, dir: &str) -> Vec<String> {
    let key = sort_key_sql(kind, &super::tests::path(by)).unwrap();
    let table = if kind == ResourceKind::User {
        "users"
    } else {
        "groups"
    };
    let sql = format!(
        "SELECT r.id FROM {table} r WHERE r.tenant_id = 1 \
         ORDER BY ({key}) IS NULL, ({key}) {dir}, r.id COLLATE \"C\""
    );
    query_ids(&mut db.conn, &sql, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("{sql}\n{e}"))
}

#[tokio::test]
async fn sort_keys() {
    let Some(mut db) = directory().await else {
        return;
    };
    let u = ResourceKind::User;
    assert_eq!(
        sorted(&mut db, u, "userName", "ASC").await,
        ["u1", "u2", "u3", "u4"]
    );
    assert_eq!(
        sorted(&mut db, u, "USERNAME", "DESC").await,
        ["u4", "u3", "u2", "u1"]
    );
    assert_eq!(
        sorted(&mut db, u, "name.familyName", "ASC").await,
        ["u4", "u1", "u2", "u3"]
    );
    assert_eq!(
        sorted(&mut db, u, "meta.lastModified", "DESC").await,
        ["u3", "u2", "u4", "u1"]
    );
    assert_eq!(
        sorted(&mut db, u, "meta.version", "DESC").await,
        ["u4", "u2", "u3", "u1"]
    );
    // Primary email: alice@x.com, bob@x.com (home is primary), carol@x.com (first); dave none.
    assert_eq!(
        sorted(&mut db, u, "emails", "DESC").await,
        ["u3", "u2", "u1", "u4"]
    );
    assert_eq!(
        sorted(&mut db, u, "emails.type", "ASC").await,
        ["u2", "u1", "u3", "u4"]
    );
    assert_eq!(
        sorted(&mut db, u, "displayName", "ASC").await,
        ["u1", "u2", "u4", "u3"]
    );
    assert_eq!(
        sorted(&mut db, u, "active", "ASC").await,
        ["u2", "u1", "u4", "u3"]
    );
    let emp = format!("{}:employeeNumber", super::tests::ENT);
    assert_eq!(
        sorted(&mut db, u, &emp, "DESC").await,
        ["u4", "u2", "u1", "u3"]
    );
    assert_eq!(
        sorted(&mut db, u, "groups", "ASC").await,
        ["u4", "u1", "u3", "u2"]
    );
    let g = ResourceKind::Group;
    let by_name = ["g-cycle-a", "g-cycle-b", "g-empty", "g-eng", "g-sub"];
    assert_eq!(sorted(&mut db, g, "displayName", "ASC").await, by_name);
    // Lowest member id: g-cycle-a, g-cycle-b, g-sub, u3; g-empty has none.
    let by_member = ["g-cycle-b", "g-cycle-a", "g-eng", "g-sub", "g-empty"];
    assert_eq!(sorted(&mut db, g, "members", "ASC").await, by_member);
}
