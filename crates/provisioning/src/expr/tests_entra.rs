//! The examples of Microsoft's "Reference for writing expressions for attribute mappings" (and
//! its troubleshooting pages), pasted unchanged, with the documented inputs and outputs. Where
//! Entra documents a limitation (IIF on empty values), the expression works here instead.

use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use super::test_support::*;
use super::*;

fn with(pairs: &[(&str, &str)], expr: &str) -> Value {
    eval_in(&MapSource::text(pairs), expr)
}

#[test]
fn append_coalesce_join() {
    assert_eq!(
        with(
            &[("userPrincipalName", "John.Doe@contoso.com")],
            r#"Append([userPrincipalName], ".test")"#
        ),
        s("John.Doe@contoso.com.test")
    );
    assert_eq!(
        with(
            &[("userPrincipalName", "John.Doe@contoso.com")],
            "Coalesce([mail],[userPrincipalName])"
        ),
        s("John.Doe@contoso.com")
    );
    let names = [("givenName", "John"), ("surname", "Doe")];
    assert_eq!(
        with(&names, r#"Join(", ", "", [surname], [givenName])"#),
        s("Doe, John")
    );
    assert_eq!(
        with(
            &names,
            "Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))"
        ),
        s("JohDoe")
    );
}

#[test]
fn upn_generation() {
    let person = [
        ("PreferredFirstName", "John"),
        ("PreferredLastName", "Smith"),
    ];
    assert_eq!(
        with(
            &person,
            r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), "contoso.com"))"#
        ),
        s("john.smith@contoso.com")
    );
    assert_eq!(
        with(
            &[("givenName", "Zoë Ann")],
            r#"Join("@", NormalizeDiacritics(StripSpaces([givenName])), "contoso.com")"#
        ),
        s("ZoeAnn@contoso.com")
    );
    assert_eq!(
        with(&[("givenName", "Zoë")], "NormalizeDiacritics([givenName])"),
        s("Zoe")
    );
}

#[test]
fn iif_forms() {
    let expr = r#"IIF([country]="USA",[country],[department])"#;
    assert_eq!(
        with(&[("country", "USA"), ("department", "Sales")], expr),
        s("USA")
    );
    assert_eq!(
        with(&[("country", "FR"), ("department", "Sales")], expr),
        s("Sales")
    );
    let and = r#"IIF([country]="USA",IIF([state]="CA","True","False"),"False")"#;
    let or = r#"IIF([country]="USA","True",IIF([state]="CA","True","False"))"#;
    for (country, state, want_and, want_or) in [
        ("USA", "CA", "True", "True"),
        ("USA", "NY", "False", "True"),
        ("FR", "CA", "False", "True"),
        ("FR", "NY", "False", "False"),
    ] {
        let attrs = [("country", country), ("state", state)];
        assert_eq!(with(&attrs, and), s(want_and));
        assert_eq!(with(&attrs, or), s(want_or));
    }
    // Entra documents these as unsupported on empty values; here they do what they say.
    for expr in [
        r#"IIF([country]="","Other",[country])"#,
        r#"IIF(IsNullOrEmpty([country]),"Other",[country])"#,
        r#"IIF(IsPresent([country]),[country],"Other")"#,
        r#"Switch([country],[country],"","Other")"#,
    ] {
        assert_eq!(with(&[], expr), s("Other"), "{expr}");
        assert_eq!(with(&[("country", "")], expr), s("Other"), "{expr}");
        assert_eq!(with(&[("country", "Chile")], expr), s("Chile"), "{expr}");
    }
    let company = r#"IIF([companyName] = "Company A", "A", IIF([companyName] = "Company B", "B", "External"))"#;
    assert_eq!(with(&[("companyName", "Company B")], company), s("B"));
    assert_eq!(with(&[], company), s("External"));
    assert_eq!(
        with(
            &[("attribute1", "x"), ("attribute2", "x")],
            "CBool([attribute1] = [attribute2])"
        ),
        Value::Boolean(true)
    );
}

#[test]
fn switch_forms() {
    let new_york = r#"Switch([state], "Unknown", "NY", "America/New_York", "CA", "America/Los_Angeles", "IL", "America/Chicago")"#;
    assert_eq!(with(&[("state", "NY")], new_york), s("America/New_York"));
    assert_eq!(with(&[("state", "TX")], new_york), s("Unknown"));
    let lower = r#"Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")"#;
    assert_eq!(with(&[("statusFlag", "TRUE")], lower), s("1"));
    assert_eq!(with(&[("statusFlag", "False")], lower), s("0"));
    let title = r#"Switch([BusinessTitle],[BusinessTitle],"","N/A")"#;
    assert_eq!(with(&[("BusinessTitle", "Chef")], title), s("Chef"));
    assert_eq!(with(&[], title), s("N/A"));
    let managers = r#"Switch(IsPresent([directManager]),[directManager], IsPresent([skiplevelManager]),[skiplevelManager], IsPresent([director]),[director])"#;
    assert_eq!(
        with(
            &[("directManager", "dm"), ("skiplevelManager", "sm")],
            managers
        ),
        s("sm")
    );
}

#[test]
fn flow_control_and_placeholders() {
    assert_eq!(
        outcome_in(
            &MapSource::text(&[]),
            "IgnoreFlowIfNullOrEmpty([department])"
        ),
        Outcome::Ignore
    );
    let phone = r#"IIF(IsNullOrEmpty([telephoneNumber]),"000-000-0000",[telephoneNumber])"#;
    assert_eq!(with(&[], phone), s("000-000-0000"));
    assert_eq!(with(&[("telephoneNumber", "555")], phone), s("555"));
    let date = r#"FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#;
    assert_eq!(
        with(&[("extensionAttribute1", "20150123105347.1Z")], date),
        s("2015-01-23")
    );
    let split = r#"Split([extensionAttribute5], ",")"#;
    assert_eq!(
        with(
            &[("extensionAttribute5", "PermissionSetOne, PermissionSetTwo")],
            split
        ),
        list(&["PermissionSetOne", "PermissionSetTwo"])
    );
    let cdate_upn = r#"NumFromDate(Join("",FormatDateTime([endDate], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd")," 23:59:59-08:00"))"#;
    let expected = eval(r#"NumFromDate("2022-06-30T23:59:59-08:00")"#);
    assert_eq!(
        with(&[("endDate", "6/30/2022 08:00:00 AM")], cdate_upn),
        expected
    );
}

#[test]
fn id_from_object_id() {
    let object_id = "00aa00aa-bb11-cc22-dd33-44ee44ee44ee";
    let expr = r#"Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))"#;
    let hex: String = object_id.bytes().map(|b| format!("{b:02X}")).collect();
    let digits: String = hex.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(
        with(&[("objectId", object_id)], expr),
        s(&format!("1000{digits}"))
    );
}

#[test]
fn pasted_examples_work_on_a_scim_user() {
    let user = json!({
        "userName": "zoe.ann@example.com",
        "name": {"givenName": "Zoë Ann", "familyName": "Dubois-Lefèvre"},
        "emails": [{"type": "work", "value": "zoe@example.com"}],
        "addresses": [{"type": "work", "country": "USA", "region": "NY"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
        "active": true
    });
    let ctx = ScimSource::new(ResourceKind::User, &user, NOW);
    for (expr, expected) in [
        (
            r#"Join("@", NormalizeDiacritics(StripSpaces([givenName])), "contoso.com")"#,
            "ZoeAnn@contoso.com",
        ),
        (
            r#"Join("@", NormalizeDiacritics(StripSpaces([name.givenName])), "contoso.com")"#,
            "ZoeAnn@contoso.com",
        ),
        (
            r#"Switch([state], "Unknown", "NY", "America/New_York", "CA", "America/Los_Angeles")"#,
            "America/New_York",
        ),
        (r#"IIF([country]="USA",[country],[department])"#, "USA"),
        (r#"Coalesce([mail],[userPrincipalName])"#, "zoe@example.com"),
        (r#"Replace([mail], "@example.com", , ,"", ,)"#, "zoe"),
        (
            r#"ToLower(NormalizeDiacritics(Append(Left([givenName], 1), Word([surname], 1, "-"))))"#,
            "zdubois",
        ),
        (
            r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
            "True",
        ),
    ] {
        assert_eq!(eval_in(&ctx, expr), s(expected), "{expr}");
    }
}
