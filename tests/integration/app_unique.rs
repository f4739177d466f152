//! `SelectUniqueValue` (issue 4, PRODUCT.md C5): a create tries its candidates in order and
//! writes the first the app does not have yet, checked in the app itself (Scimitar B), as the
//! plan says and the run then does.

use serde_json::Value;

use crate::support::{Scim, Server};

const MAPPINGS: &str = r#"
[[users]]
target = "externalId"
source = "[id]"
matching = 1

[[users]]
target = "userName"
source = 'SelectUniqueValue(Join("", ToLower([name.givenName]), "@b.example"), Join("", ToLower([name.givenName]), ".", ToLower([name.familyName]), "@b.example"), Join("", ToLower([name.familyName]), "@b.example"))'
apply = "on-create"

[[users]]
target = "active"
source = "[active]"
default = "True"
"#;

async fn users_named(b: &Scim, user_name: &str) -> Vec<Value> {
    let found = b
        .filter("/Users", &format!("userName eq \"{user_name}\""))
        .await;
    found.body["Resources"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_first_candidate_the_app_does_not_have_is_written() {
    let a = Server::start().await;
    let b = Server::start().await;
    let (sa, sb) = (a.client(), b.client());
    let person = |user_name: &str, given: &str, family: &str| {
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "active": true
        })
    };
    let ada = sa
        .post("/Users", &person("ada@a.example", "Ada", "Lovelace"))
        .await
        .id();
    let grace = sa
        .post("/Users", &person("grace@a.example", "Grace", "Hopper"))
        .await
        .id();
    // B already has an "ada@b.example" (someone else) and an "ada.lovelace@b.example".
    sb.create_user("ada@b.example").await;
    sb.create_user("Ada.Lovelace@b.example").await;

    a.connect_app("b", &b).await;
    let file = a.data_dir.path().join("mappings.toml");
    std::fs::write(&file, MAPPINGS).unwrap();
    a.cli_ok(&[
        "app",
        "mappings",
        "import",
        "b",
        "--tenant",
        "default",
        file.to_str().unwrap(),
    ])
    .await;
    a.cli_ok(&["app", "assign", "b", "--tenant", "default", "--all"])
        .await;

    // The plan names the candidates the app has and the one it will write.
    let plan = a
        .cli_ok(&["app", "plan", "b", "--tenant", "default", "--initial"])
        .await;
    assert!(
        plan.contains(r#"userName: the app already has "ada@b.example", "ada.lovelace@b.example"; "lovelace@b.example" is free"#),
        "{plan}"
    );
    assert!(
        plan.contains(r#"userName: the app does not have "grace@b.example""#),
        "{plan}"
    );

    let (ok, out, err) = a
        .cli(&["app", "sync", "b", "--tenant", "default", "--initial"])
        .await;
    assert!(ok, "{out}{err}");

    // Ada got the third candidate; Grace the first; the two who were there are untouched.
    let lovelace = users_named(&sb, "lovelace@b.example").await;
    assert_eq!(lovelace.len(), 1, "{lovelace:?}");
    assert_eq!(lovelace[0]["externalId"], ada.as_str());
    let hopper = users_named(&sb, "grace@b.example").await;
    assert_eq!(hopper.len(), 1, "{hopper:?}");
    assert_eq!(hopper[0]["externalId"], grace.as_str());
    for taken in ["ada@b.example", "ada.lovelace@b.example"] {
        let there = users_named(&sb, taken).await;
        assert_eq!(there.len(), 1, "{taken}: {there:?}");
        assert!(there[0].get("externalId").is_none(), "{there:?}");
    }
    assert_eq!(sb.get("/Users").await.body["totalResults"], 4);

    // A second run changes nothing: the chosen value is kept (on create only), and the user is
    // found again by the matching attribute, never created twice.
    let (ok, out, err) = a
        .cli(&["app", "sync", "b", "--tenant", "default", "--initial"])
        .await;
    assert!(ok, "{out}{err}");
    assert_eq!(sb.get("/Users").await.body["totalResults"], 4);
    assert_eq!(users_named(&sb, "lovelace@b.example").await.len(), 1);
}
