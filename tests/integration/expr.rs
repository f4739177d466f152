//! `scimitar expr test` (issue 4, PRODUCT.md C5): an expression evaluated against a real user
//! created over SCIM, as a mapping would evaluate it; a broken expression is refused with the
//! column it breaks at.

use serde_json::{json, Value};

use crate::support::{Server, ENTERPRISE, USER_SCHEMA};

#[tokio::test]
async fn expressions_are_tested_against_real_users() {
    let server = Server::start().await;
    let scim = server.client();
    let body = json!({
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "userName": "ada@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"type": "work", "value": "Ada.Lovelace@Example.com", "primary": true}],
        ENTERPRISE: {"employeeNumber": "1815", "department": "Analytical Engines"}
    });
    assert_eq!(scim.post("/Users", &body).await.status, 201);
    let run = |expr: &'static str| {
        let server = &server;
        async move {
            let (ok, out, err) = server
                .cli(&[
                    "expr",
                    "test",
                    expr,
                    "--tenant",
                    "default",
                    "--user",
                    "ADA@example.com",
                    "--json",
                ])
                .await;
            assert!(ok, "{expr}: {err}");
            serde_json::from_str::<Value>(out.trim()).unwrap()
        }
    };
    let v = run(r#"Join(" ", [name.givenName], [name.familyName])"#).await;
    assert_eq!(v["outcome"], "value");
    assert_eq!(v["value"], "Ada Lovelace");
    let v = run(r#"ToLower([emails[type eq "work"].value])"#).await;
    assert_eq!(v["value"], "ada.lovelace@example.com");
    let v = run(r#"Append("E", [urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber])"#).await;
    assert_eq!(v["value"], "E1815");
    let v = run(r#"IgnoreFlowIfNullOrEmpty([title])"#).await;
    assert_eq!(v["outcome"], "ignore");

    // Parse errors point at the column, and nothing is looked up.
    let (ok, _, err) = server
        .cli(&[
            "expr",
            "test",
            r#"Append([userName] "x")"#,
            "--tenant",
            "default",
            "--user",
            "ada@example.com",
        ])
        .await;
    assert!(!ok);
    assert!(err.contains("column 19") && err.contains('^'), "{err}");
    // A user that does not exist is named in the error.
    let (ok, _, err) = server
        .cli(&[
            "expr",
            "test",
            "[userName]",
            "--tenant",
            "default",
            "--user",
            "nobody@example.com",
        ])
        .await;
    assert!(!ok && err.contains("no user 'nobody@example.com'"), "{err}");
}
