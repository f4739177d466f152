//! Membership filters (User.groups through nested groups and cycles, Group.members), number
//! comparisons, and `sortBy` keys, against the same directory as `tests`.

use super::operand::{compare, Operand};
use super::tests::{and, bind_all, directory, eq, groups, ids_in, not, pr, query_ids, users, vp};
use super::*;
use rusqlite::Connection;
use scimitar_scim::filter::{CompValue, CompareOp};
use scimitar_scim::schema::{AttrType, AttributeDef};
use serde_json::Number;

// Memberships: g-eng ∋ {u1, g-sub}; g-sub ∋ {u3}; g-cycle-a ∋ {g-cycle-b}; g-cycle-b ∋ {g-cycle-a,
// u4}; g-empty ∋ {}; tenant 2: g-t2 ∋ {t2-alice}.

#[test]
fn user_groups_include_nested_membership_and_survive_cycles() {
    let db = directory();
    assert_eq!(users(&db, eq("groups.value", "g-eng")), ["u1", "u3"]);
    assert_eq!(users(&db, eq("groups", "g-sub")), ["u3"]);
    assert_eq!(users(&db, eq("groups", "g-cycle-a")), ["u4"]);
    assert_eq!(users(&db, eq("groups", "g-t2")), Vec::<String>::new());
    assert_eq!(users(&db, not(eq("groups", "g-eng"))), ["u2", "u4"]);
    assert_eq!(users(&db, eq("groups.display", "PLATFORM")), ["u3"]);
    assert_eq!(
        users(&db, eq("groups.display", "engineering")),
        ["u1", "u3"]
    );
    assert_eq!(
        users(&db, vp("groups", eq("type", "indirect"))),
        ["u3", "u4"]
    );
    let direct_eng = vp("groups", and(eq("value", "g-eng"), eq("type", "direct")));
    assert_eq!(users(&db, direct_eng), ["u1"]);
    let indirect_eng = vp(
        "groups",
        and(eq("type", "indirect"), eq("display", "Engineering")),
    );
    assert_eq!(users(&db, indirect_eng), ["u3"]);
    assert_eq!(users(&db, pr("groups")), ["u1", "u3", "u4"]);
    assert_eq!(users(&db, not(pr("groups"))), ["u2"]);
    let f = eq("groups", "g-t2");
    assert_eq!(ids_in(&db, ResourceKind::User, 2, &f), ["t2-alice"]);
}

#[test]
fn group_members_and_display_name() {
    let db = directory();
    assert_eq!(groups(&db, eq("members.value", "u1")), ["g-eng"]);
    assert_eq!(groups(&db, eq("members", "u3")), ["g-sub"]);
    assert_eq!(groups(&db, eq("members", "t2-alice")), Vec::<String>::new());
    assert_eq!(
        groups(&db, eq("members.type", "group")),
        ["g-cycle-a", "g-cycle-b", "g-eng"]
    );
    assert_eq!(
        groups(&db, pr("members")),
        ["g-cycle-a", "g-cycle-b", "g-eng", "g-sub"]
    );
    assert_eq!(groups(&db, not(pr("members"))), ["g-empty"]);
    let u4_user = vp("members", and(eq("value", "u4"), eq("type", "User")));
    assert_eq!(groups(&db, u4_user), ["g-cycle-b"]);
    let a_as_user = vp("members", and(eq("value", "g-cycle-a"), eq("type", "User")));
    assert_eq!(groups(&db, a_as_user), Vec::<String>::new());
    let ne = cmp_("members.value", CompareOp::Ne, "u1");
    assert_eq!(
        groups(&db, ne),
        ["g-cycle-a", "g-cycle-b", "g-empty", "g-sub"]
    );
    assert_eq!(groups(&db, eq("displayName", "ENGINEERING")), ["g-eng"]);
    assert_eq!(groups(&db, eq("meta.resourceType", "Group")).len(), 5);
    let f = eq("displayName", "engineering");
    assert_eq!(ids_in(&db, ResourceKind::Group, 2, &f), ["g-t2"]);
}

fn cmp_(p: &str, op: CompareOp, v: &str) -> Filter {
    super::tests::cmp(p, op, CompValue::Str(v.to_string()))
}

/// The schema has no integer or decimal attribute yet: compare synthetic ones over a JSON
/// document the same way the translator's JSON route does.
#[test]
fn numbers_compare_numerically() {
    let db = directory();
    db.execute_batch(
        "CREATE TABLE nums (id TEXT, search TEXT); INSERT INTO nums VALUES \
         ('a', '{\"n\": 5, \"d\": 2.5}'), ('b', '{\"n\": 40, \"d\": 10}'), ('c', '{}')",
    )
    .unwrap();
    let int: &'static AttributeDef = Box::leak(Box::new(AttributeDef::new("n", AttrType::Integer)));
    let dec: &'static AttributeDef = Box::leak(Box::new(AttributeDef::new("d", AttrType::Decimal)));
    let num = |s: &str| CompValue::Number(s.parse::<Number>().unwrap());
    let run =
        |def: &'static AttributeDef, op, v: CompValue, negated| nums(&db, def, op, &v, negated);
    use CompareOp::*;
    assert_eq!(run(int, Gt, num("10"), false), ["b"]);
    assert_eq!(run(int, Eq, num("5"), false), ["a"]);
    assert_eq!(run(int, Le, num("5.0"), false), ["a"]);
    assert_eq!(run(int, Ne, num("5"), false), ["b", "c"]);
    assert_eq!(run(dec, Lt, num("3"), false), ["a"]);
    assert_eq!(run(dec, Ge, num("2.5"), false), ["a", "b"]);
    assert_eq!(run(dec, Gt, num("9.99"), true), ["b"]);
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

fn nums(
    db: &Connection,
    def: &'static AttributeDef,
    op: CompareOp,
    v: &CompValue,
    negated: bool,
) -> Vec<String> {
    let sql = format!("json_extract(r.search, '$.\"{}\"')", def.name);
    let frag = compare(&Operand::new(sql, def, def.name.into()), op, v, negated).unwrap();
    let sql = format!("SELECT r.id FROM nums r WHERE {} ORDER BY r.id", frag.sql);
    query_ids(db, &sql, bind_all(frag.binds)).unwrap()
}

fn sorted(db: &Connection, kind: ResourceKind, by: &str, dir: &str) -> Vec<String> {
    let key = sort_key_sql(kind, &super::tests::path(by)).unwrap();
    let table = if kind == ResourceKind::User {
        "users"
    } else {
        "groups"
    };
    let sql = format!(
        "SELECT r.id FROM {table} r WHERE r.tenant_id = 1 \
         ORDER BY ({key}) IS NULL, ({key}) {dir}, r.id"
    );
    query_ids(db, &sql, Vec::new()).unwrap()
}

#[test]
fn sort_keys() {
    let db = directory();
    let u = ResourceKind::User;
    assert_eq!(sorted(&db, u, "userName", "ASC"), ["u1", "u2", "u3", "u4"]);
    assert_eq!(sorted(&db, u, "USERNAME", "DESC"), ["u4", "u3", "u2", "u1"]);
    assert_eq!(
        sorted(&db, u, "name.familyName", "ASC"),
        ["u4", "u1", "u2", "u3"]
    );
    assert_eq!(
        sorted(&db, u, "meta.lastModified", "DESC"),
        ["u3", "u2", "u4", "u1"]
    );
    assert_eq!(
        sorted(&db, u, "meta.version", "DESC"),
        ["u4", "u2", "u3", "u1"]
    );
    // Primary email: alice@x.com, bob@x.com (home is primary), carol@x.com (first); dave none.
    assert_eq!(sorted(&db, u, "emails", "DESC"), ["u3", "u2", "u1", "u4"]);
    assert_eq!(
        sorted(&db, u, "emails.type", "ASC"),
        ["u2", "u1", "u3", "u4"]
    );
    assert_eq!(
        sorted(&db, u, "displayName", "ASC"),
        ["u1", "u2", "u4", "u3"]
    );
    assert_eq!(sorted(&db, u, "active", "ASC"), ["u2", "u1", "u4", "u3"]);
    let emp = format!("{}:employeeNumber", super::tests::ENT);
    assert_eq!(sorted(&db, u, &emp, "DESC"), ["u4", "u2", "u1", "u3"]);
    assert_eq!(sorted(&db, u, "groups", "ASC"), ["u4", "u1", "u3", "u2"]);
    let g = ResourceKind::Group;
    let by_name = ["g-cycle-a", "g-cycle-b", "g-empty", "g-eng", "g-sub"];
    assert_eq!(sorted(&db, g, "displayName", "ASC"), by_name);
    // Lowest member id: g-cycle-a, g-cycle-b, g-sub, u3; g-empty has none.
    let by_member = ["g-cycle-b", "g-cycle-a", "g-eng", "g-sub", "g-empty"];
    assert_eq!(sorted(&db, g, "members", "ASC"), by_member);
}
