//! Entra ID user provisioning: test connection, create, query, update, disable, delete.

#[allow(unused_imports)]
use super::*;

#[tokio::test]
async fn entra_test_connection_with_random_guid_returns_empty_list() {
    let s = Server::start().await;
    let c = s.client();
    let r = c
        .filter("/Users", &format!("userName eq \"{}\"", guid()))
        .await;
    assert_empty_list(&r);
    let f = url_encode(&format!("displayName eq \"{}\"", guid()));
    let r = c
        .get(&format!("/Groups?excludedAttributes=members&filter={f}"))
        .await;
    assert_empty_list(&r);
}

#[tokio::test]
async fn entra_create_user_with_documented_body_round_trips() {
    let s = Server::start().await;
    let c = s.client();
    let external_id = guid();
    let r = c
        .post("/Users", &entra_user("Test_User_1", &external_id))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["meta"]["resourceType"], json!("User"), "{}", r.text);
    let id = r.id();

    let u = user(&c, &id).await;
    assert_eq!(u["id"], json!(id));
    assert_eq!(u["userName"], json!("Test_User_1"));
    assert_eq!(u["externalId"], json!(external_id));
    assert_eq!(u["active"], json!(true));
    assert_eq!(u["displayName"], json!("Given Family"));
    assert_eq!(u["name"]["formatted"], json!("Given Family"));
    assert_eq!(u["name"]["givenName"], json!("Given"));
    assert_eq!(u["name"]["familyName"], json!("Family"));
    assert_eq!(
        u["emails"],
        json!([{"primary": true, "type": "work", "value": "Test_User_1@testuser.com"}])
    );
    assert_eq!(u[ENTERPRISE]["employeeNumber"], json!("1001"));
    assert_eq!(u[ENTERPRISE]["department"], json!("Sales"));
    let schemas = u["schemas"].as_array().expect("schemas");
    assert!(
        schemas.contains(&json!(USER_SCHEMA)) && schemas.contains(&json!(ENTERPRISE)),
        "{u}"
    );
    assert_eq!(u["meta"]["resourceType"], json!("User"));
    assert!(
        u["meta"]["location"]
            .as_str()
            .is_some_and(|l| l.ends_with(&format!("/Users/{id}"))),
        "{u}"
    );
}

#[tokio::test]
async fn entra_create_user_with_string_boolean_active() {
    let s = Server::start().await;
    let c = s.client();
    let mut body = entra_user("string.bool", &guid());
    body["active"] = json!("False");
    let r = c.post("/Users", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(user(&c, &r.id()).await["active"], json!(false));

    let mut body = entra_user("string.bool.true", &guid());
    body["active"] = json!("True");
    let r = c.post("/Users", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(user(&c, &r.id()).await["active"], json!(true));
}

#[tokio::test]
async fn entra_query_user_by_external_id_and_user_name_in_any_case() {
    let s = Server::start().await;
    let c = s.client();
    let external_id = guid();
    let r = c
        .post("/Users", &entra_user("Test_User_Mixed", &external_id))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.id();
    let other = create_entra_user(&c, "someone.else").await;

    let r = c
        .filter("/Users", &format!("externalId eq \"{external_id}\""))
        .await;
    assert_eq!(r.body["totalResults"], json!(1), "{}", r.text);
    assert_eq!(listed_ids(&r), vec![id.clone()]);
    assert_eq!(r.body["Resources"][0]["userName"], json!("Test_User_Mixed"));

    // userName is caseExact=false (RFC 7643 §4.1.1): Entra may send a different case.
    for name in ["Test_User_Mixed", "test_user_mixed", "TEST_USER_MIXED"] {
        let r = c.filter("/Users", &format!("userName eq \"{name}\"")).await;
        assert_eq!(r.body["totalResults"], json!(1), "{name}: {}", r.text);
        assert_eq!(listed_ids(&r), vec![id.clone()], "{name}");
    }

    // Entra combines its matching attributes with `and`, its only other operator.
    let r = c
        .filter(
            "/Users",
            &format!("userName eq \"test_user_mixed\" and externalId eq \"{external_id}\""),
        )
        .await;
    assert_eq!(listed_ids(&r), vec![id.clone()]);
    let r = c
        .filter(
            "/Users",
            &format!("userName eq \"someone.else\" and externalId eq \"{external_id}\""),
        )
        .await;
    assert_empty_list(&r);
    assert!(!other.is_empty());
}

#[tokio::test]
async fn entra_update_multi_and_single_valued_properties_with_capitalised_ops() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "Test_User_upd").await;
    patch_user(
        &c,
        &id,
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            {"op": "Replace", "path": "name.givenName", "value": "updatedGivenName"},
            {"op": "Add", "path": "title", "value": "scim tester"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
        ]),
    )
    .await;
    let u = user(&c, &id).await;
    assert_eq!(
        u["emails"],
        json!([{"primary": true, "type": "work", "value": "updatedEmail@microsoft.com"}])
    );
    assert_eq!(u["name"]["familyName"], json!("updatedFamilyName"));
    assert_eq!(u["name"]["givenName"], json!("updatedGivenName"));
    assert_eq!(u["title"], json!("scim tester"));
    assert_eq!(u["nickName"], json!("Babs"));

    patch_user(
        &c,
        &id,
        json!([{"op": "Replace", "path": "userName", "value": "renamed@testuser.com"}]),
    )
    .await;
    let u = user(&c, &id).await;
    assert_eq!(u["userName"], json!("renamed@testuser.com"));
    let r = c
        .filter("/Users", "userName eq \"renamed@testuser.com\"")
        .await;
    assert_eq!(listed_ids(&r), vec![id]);
}

#[tokio::test]
async fn entra_remove_op_capitalised_removes_attribute() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "remove.me").await;
    patch_user(
        &c,
        &id,
        json!([{"op": "Add", "path": "title", "value": "t"}]),
    )
    .await;
    assert_eq!(user(&c, &id).await["title"], json!("t"));
    patch_user(&c, &id, json!([{"op": "Remove", "path": "title"}])).await;
    let u = user(&c, &id).await;
    assert!(u.get("title").is_none(), "title must be gone: {u}");
}

#[tokio::test]
async fn entra_disable_with_string_false_then_enable_with_string_true() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "disable.me").await;
    patch_user(
        &c,
        &id,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .await;
    assert_eq!(user(&c, &id).await["active"], json!(false));
    patch_user(
        &c,
        &id,
        json!([{"op": "Replace", "path": "active", "value": "True"}]),
    )
    .await;
    assert_eq!(user(&c, &id).await["active"], json!(true));
    // With aadOptscim062020 the same request carries a real boolean.
    patch_user(
        &c,
        &id,
        json!([{"op": "replace", "path": "active", "value": false}]),
    )
    .await;
    assert_eq!(user(&c, &id).await["active"], json!(false));
}

#[tokio::test]
async fn entra_replace_enterprise_attributes_by_urn_path() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "ent.user").await;
    patch_user(
        &c,
        &id,
        json!([
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "Eqpj"},
            {"op": "Add", "path": format!("{ENTERPRISE}:costCenter"), "value": "CC-7"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
        ]),
    )
    .await;
    let u = user(&c, &id).await;
    assert_eq!(u[ENTERPRISE]["employeeNumber"], json!("Eqpj"));
    assert_eq!(u[ENTERPRISE]["costCenter"], json!("CC-7"));
    assert_eq!(
        u[ENTERPRISE]["department"],
        json!("Sales"),
        "untouched attributes stay"
    );
    assert_eq!(u["externalId"], json!("Eqpj"));
}

#[tokio::test]
async fn entra_set_manager_with_bare_string_value() {
    let s = Server::start().await;
    let c = s.client();
    let boss = create_entra_user(&c, "the.boss").await;
    let boss2 = create_entra_user(&c, "the.new.boss").await;
    let id = create_entra_user(&c, "report").await;
    let manager = format!("{ENTERPRISE}:manager");

    patch_user(
        &c,
        &id,
        json!([{"op": "Add", "path": manager, "value": boss}]),
    )
    .await;
    assert_eq!(
        user(&c, &id).await[ENTERPRISE]["manager"]["value"],
        json!(boss)
    );

    patch_user(
        &c,
        &id,
        json!([{"op": "Replace", "path": manager, "value": boss2}]),
    )
    .await;
    let u = user(&c, &id).await;
    assert_eq!(u[ENTERPRISE]["manager"]["value"], json!(boss2));
    assert_eq!(
        u[ENTERPRISE]["employeeNumber"],
        json!("1001"),
        "other enterprise attributes stay"
    );

    patch_user(&c, &id, json!([{"op": "Remove", "path": manager}])).await;
    let u = user(&c, &id).await;
    assert!(
        u[ENTERPRISE].get("manager").is_none(),
        "manager must be gone: {u}"
    );
}

#[tokio::test]
async fn entra_pathless_replace_with_dotted_and_urn_keys() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "flagged").await;
    patch_user(
        &c,
        &id,
        json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com"},
            {"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                format!("{ENTERPRISE}:employeeNumber"): "42",
                "active": false
            }},
        ]),
    )
    .await;
    let u = user(&c, &id).await;
    assert_eq!(u["displayName"], json!("Bjfe"));
    assert_eq!(u["name"]["givenName"], json!("Kkom"));
    assert_eq!(u["name"]["familyName"], json!("Unua"));
    assert_eq!(
        u["name"]["formatted"],
        json!("Given Family"),
        "a dotted key replaces one sub-attribute only"
    );
    assert_eq!(u[ENTERPRISE]["employeeNumber"], json!("42"));
    assert_eq!(
        u[ENTERPRISE]["department"],
        json!("Sales"),
        "a URN key replaces one attribute only"
    );
    assert_eq!(u["active"], json!(false));
    assert_eq!(
        u["emails"],
        json!([{"primary": true, "type": "work", "value": "TestMhvaes@test.microsoft.com"}])
    );
    assert!(
        u.get("name.givenName").is_none()
            && u.get(format!("{ENTERPRISE}:employeeNumber")).is_none(),
        "{u}"
    );
}

#[tokio::test]
async fn entra_replace_on_filtered_path_matching_nothing_creates_entry() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "no.phone").await;
    assert!(user(&c, &id).await.get("phoneNumbers").is_none());

    patch_user(&c, &id, json!([{"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}])).await;
    let u = user(&c, &id).await;
    assert_eq!(
        u["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0100"}])
    );

    // A second filter value adds a second entry; the first is kept.
    patch_user(&c, &id, json!([{"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0199"}])).await;
    let u = user(&c, &id).await;
    let phones = u["phoneNumbers"].as_array().expect("phoneNumbers");
    assert_eq!(phones.len(), 2, "{u}");
    assert!(
        phones.contains(&json!({"type": "mobile", "value": "+1 555 0100"})),
        "{u}"
    );
    assert!(
        phones.contains(&json!({"type": "work", "value": "+1 555 0199"})),
        "{u}"
    );
}

#[tokio::test]
async fn entra_several_sub_attributes_on_one_filtered_path_build_one_entry() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "addr.user").await;
    // Entra maps streetAddress, locality and country each to addresses[type eq "work"].x.
    patch_user(
        &c,
        &id,
        json!([
            {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
            {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].country", "value": "US"},
        ]),
    )
    .await;
    let u = user(&c, &id).await;
    assert_eq!(
        u["addresses"],
        json!([{"type": "work", "streetAddress": "1 Main St", "locality": "Redmond", "country": "US"}])
    );
}

#[tokio::test]
async fn entra_etag_header_follows_meta_version() {
    let s = Server::start().await;
    let c = s.client();
    let id = create_entra_user(&c, "etag.user").await;
    let r = c.get(&format!("/Users/{id}")).await;
    let v1 = r.body["meta"]["version"]
        .as_str()
        .expect("meta.version")
        .to_string();
    assert_eq!(
        r.header("etag").as_deref(),
        Some(v1.as_str()),
        "ETag must equal meta.version"
    );

    patch_user(
        &c,
        &id,
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    )
    .await;
    let r = c.get(&format!("/Users/{id}")).await;
    let v2 = r.body["meta"]["version"]
        .as_str()
        .expect("meta.version")
        .to_string();
    assert_ne!(v1, v2, "a change must give a new version");
    assert_eq!(r.header("etag").as_deref(), Some(v2.as_str()));

    let r = c
        .send(
            reqwest::Method::GET,
            &format!("/Users/{id}"),
            None,
            &[("If-None-Match", &v2)],
        )
        .await;
    assert_eq!(r.status, 304, "{}", r.text);
}
