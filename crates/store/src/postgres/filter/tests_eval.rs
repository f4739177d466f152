//! SQL and the in-memory evaluator must agree: each filter is parsed by the real parser, run in
//! PostgreSQL against the test directory, and evaluated by `scimitar_scim::filter::matches` over
//! the same users' resources; the ids must be the same. These are the SQLite suite's 61 filters
//! (membership filters are left out: the evaluator sees no `groups` in the resource; so are the
//! cases where SQL is deliberately stricter, an error instead of "no match", or wider,
//! `urn:...:User pr`), then literals only PostgreSQL has to take care with.

use super::tests::{directory, people, users, ENT};
use scimitar_scim::filter::{matches, parse_filter, FilterLimits};
use scimitar_scim::schema::{resource_type, ResourceKind};

const FILTERS: &[&str] = &[
    r#"userName eq "ALICE@x.com""#,
    r#"userName ne "alice@x.com""#,
    r#"userName co "@X""#,
    r#"userName sw "B""#,
    r#"userName ew ".NET""#,
    r#"userName gt "c""#,
    r#"userName le "BOB@y.org""#,
    r#"userName co "%" or userName co "_""#,
    r#"userName gt null"#,
    r#"not (userName lt null)"#,
    r#"externalId eq "EXT-Alice" or externalId eq "ext-ALICE""#,
    r#"not (externalId pr)"#,
    r#"externalId ne "ext-bob""#,
    r#"displayName co "AN""#,
    r#"not (displayName co "a")"#,
    r#"id eq "u2" or id eq "U3""#,
    r#"emails.value eq "BOB@x.com""#,
    r#"emails co "@x.com""#,
    r#"emails.value ew "Y.ORG""#,
    r#"emails.value ne "alice@x.com""#,
    r#"emails.type eq "WORK""#,
    r#"emails pr"#,
    r#"not (emails.value pr)"#,
    r#"emails[type eq "work" and value co "@x"]"#,
    r#"emails[type eq "work" and value eq "bob@x.com"]"#,
    r#"emails[value eq "BOB@x.com" and type eq "home"]"#,
    r#"emails[not (type eq "work")]"#,
    r#"emails[primary eq true and type eq "home"]"#,
    r#"not (emails[type eq "home"])"#,
    r#"emails[type eq null]"#,
    r#"emails.primary eq "TRUE""#,
    r#"name.givenName sw "A""#,
    r#"name.givenName sw "Á""#,
    r#"name[familyName eq "brown" or givenName eq "alice"]"#,
    r#"name pr and not (name.givenName pr)"#,
    r#"title eq null"#,
    r#"title ne null"#,
    r#"not (title eq "engineer")"#,
    r#"phoneNumbers pr or ims pr"#,
    r#"phoneNumbers eq null"#,
    r#"meta.lastModified gt "2024-05-01T02:00:00+02:00""#,
    r#"meta.lastModified ge "2024-09-01T08:00:00Z""#,
    r#"meta.lastModified eq "2024-09-01T10:00:00.000+02:00""#,
    r#"meta.created lt "2024-02-15T00:00:00Z""#,
    r#"meta.resourceType eq "User""#,
    r#"meta.version eq "W/\"3\"""#,
    r#"meta[version eq "W/\"10\""]"#,
    r#"active eq true"#,
    r#"active eq "True""#,
    r#"active ne true"#,
    r#"not (active eq false)"#,
    r#"active pr"#,
    r#"userName eq "bob@y.org" or title eq "engineer" and active eq true"#,
    r#"(userName eq "bob@y.org" or title eq "engineer") and active eq true"#,
    r#"not (title eq "director" or not (displayName pr))"#,
];

#[tokio::test]
async fn sql_agrees_with_the_evaluator() {
    let Some(mut db) = directory().await else {
        return;
    };
    let rt = resource_type(ResourceKind::User);
    let tenant_1: Vec<_> = people().into_iter().filter(|p| p.tenant == 1).collect();
    let ent = [
        format!("{ENT}:employeeNumber eq \"e100\""),
        format!("{ENT}:employeeNumber gt \"E150\""),
        format!("{ENT}:manager.value eq \"U3\""),
        format!("{ENT}:manager eq \"u1\""),
        format!("{ENT}:manager pr"),
        format!("not ({ENT}:employeeNumber pr)"),
    ];
    let all = FILTERS.iter().map(|f| f.to_string()).chain(ent);
    for text in all {
        let filter =
            parse_filter(&text, FilterLimits::default()).unwrap_or_else(|e| panic!("{text}: {e}"));
        let expected: Vec<String> = tenant_1
            .iter()
            .filter(|p| matches(rt, &p.resource(), &filter))
            .map(|p| p.id.to_string())
            .collect();
        assert_eq!(users(&mut db, filter).await, expected, "{text}");
    }
}

/// Literals PostgreSQL needs handled in Rust: LIKE's wildcards and escape character (which must
/// stay plain text in co/sw/ew), and NUL, which PostgreSQL text cannot hold at all.
const POSTGRES_LITERALS: &[&str] = &[
    r#"userName co "0%@""#,
    r#"userName sw "carol_""#,
    r#"userName co "\\" or userName ew "\\""#,
    r#"userName co "l_1" or userName co "l%1""#,
    r#"userName eq "dave\u0000""#,
    r#"userName ne "dave\u0000""#,
    r#"userName gt "carol\u0000x""#,
    r#"userName ge "dave\u0000""#,
    r#"userName lt "dave\u0000""#,
    r#"userName le "bob@y.org\u0000""#,
    r#"not (title co "\u0000")"#,
    r#"emails.value eq "bob@x.com\u0000""#,
    r#"emails co "\u0000" or emails[value sw "\u0000"]"#,
    r#"not (externalId sw "ext\u0000")"#,
];

#[tokio::test]
async fn wildcards_and_nul_agree_with_the_evaluator() {
    let Some(mut db) = directory().await else {
        return;
    };
    let rt = resource_type(ResourceKind::User);
    let tenant_1: Vec<_> = people().into_iter().filter(|p| p.tenant == 1).collect();
    for text in POSTGRES_LITERALS {
        let filter =
            parse_filter(text, FilterLimits::default()).unwrap_or_else(|e| panic!("{text}: {e}"));
        let expected: Vec<String> = tenant_1
            .iter()
            .filter(|p| matches(rt, &p.resource(), &filter))
            .map(|p| p.id.to_string())
            .collect();
        assert_eq!(users(&mut db, filter).await, expected, "{text}");
    }
}
