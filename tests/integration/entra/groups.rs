//! Entra ID group provisioning: create, query without members, membership PATCHes, delete.

#[allow(unused_imports)]
use super::*;

#[tokio::test]
async fn entra_create_group_with_documented_body_including_adscim_schema() {
    let s = Server::start().await;
    let c = s.client();
    let body = json!({
        "schemas": [GROUP_SCHEMA, ADSCIM_GROUP],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"}
    });
    let r = c.post("/Groups", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let g = get_ok(&c, &format!("/Groups/{}", r.id())).await;
    assert_eq!(g["displayName"], json!("displayName"));
    assert_eq!(
        g["externalId"],
        json!("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159")
    );
    assert_eq!(g["meta"]["resourceType"], json!("Group"));
}

#[tokio::test]
async fn entra_create_group_with_empty_members_and_query_excluding_members() {
    let s = Server::start().await;
    let c = s.client();
    let u = create_entra_user(&c, "member").await;
    let gid = create_entra_group(&c, "Sales Team").await;
    assert_eq!(c.member_ids(&gid).await, Vec::<String>::new());
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": u}]}]),
    )
    .await;

    let f = url_encode("displayName eq \"Sales Team\"");
    let r = c
        .get(&format!("/Groups?excludedAttributes=members&filter={f}"))
        .await;
    assert_eq!(r.body["totalResults"], json!(1), "{}", r.text);
    assert_eq!(listed_ids(&r), vec![gid.clone()]);
    let g = &r.body["Resources"][0];
    assert_eq!(g["displayName"], json!("Sales Team"));
    assert!(
        g.get("members").is_none(),
        "members must be excluded: {}",
        r.text
    );

    let r = c
        .get(&format!("/Groups/{gid}?excludedAttributes=members"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["displayName"], json!("Sales Team"));
    assert!(
        r.body.get("members").is_none(),
        "members must be excluded: {}",
        r.text
    );
    assert_eq!(
        c.member_ids(&gid).await,
        vec![u],
        "excluding members from a read changes nothing"
    );
}

#[tokio::test]
async fn entra_add_members_with_null_ref() {
    let s = Server::start().await;
    let c = s.client();
    let a = create_entra_user(&c, "a").await;
    let b = create_entra_user(&c, "b").await;
    let gid = create_entra_group(&c, "Group A").await;
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}]}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, vec![a.clone()]);
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": b}]}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, sorted(vec![a.clone(), b.clone()]));
    // Entra re-sends an add for a member that is already there after a retry: no duplicate.
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}]}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, sorted(vec![a, b]));
}

#[tokio::test]
async fn entra_remove_members_with_value_list_removes_only_listed() {
    let s = Server::start().await;
    let c = s.client();
    let a = create_entra_user(&c, "a").await;
    let b = create_entra_user(&c, "b").await;
    let d = create_entra_user(&c, "d").await;
    let gid = create_entra_group(&c, "Keep Others").await;
    let add: Vec<Value> = [&a, &b, &d]
        .iter()
        .map(|id| json!({"$ref": null, "value": id}))
        .collect();
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": add}]),
    )
    .await;
    assert_eq!(
        c.member_ids(&gid).await,
        sorted(vec![a.clone(), b.clone(), d.clone()])
    );

    patch_group(
        &c,
        &gid,
        json!([{"op": "Remove", "path": "members", "value": [{"value": b}]}]),
    )
    .await;
    assert_eq!(
        c.member_ids(&gid).await,
        sorted(vec![a.clone(), d.clone()]),
        "only the listed member goes"
    );

    // The tutorial's form, with `$ref: null`.
    patch_group(
        &c,
        &gid,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": a}]}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, vec![d.clone()]);
    for id in [&a, &b, &d] {
        assert!(
            user(&c, id).await["userName"].is_string(),
            "removing a member never deletes the user"
        );
    }
}

#[tokio::test]
async fn entra_remove_member_with_value_filter_path_removes_only_that_member() {
    let s = Server::start().await;
    let c = s.client();
    let a = create_entra_user(&c, "a").await;
    let b = create_entra_user(&c, "b").await;
    let gid = create_entra_group(&c, "Flagged").await;
    let add = json!([{"$ref": null, "value": a}, {"$ref": null, "value": b}]);
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": add}]),
    )
    .await;

    patch_group(
        &c,
        &gid,
        json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]),
    )
    .await;
    assert_eq!(c.member_ids(&gid).await, vec![b]);
}

#[tokio::test]
async fn entra_update_group_display_name() {
    let s = Server::start().await;
    let c = s.client();
    let u = create_entra_user(&c, "member").await;
    let gid = create_entra_group(&c, "displayName").await;
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": u}]}]),
    )
    .await;
    let new_name = "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName";
    patch_group(
        &c,
        &gid,
        json!([{"op": "Replace", "path": "displayName", "value": new_name}]),
    )
    .await;
    let g = get_ok(&c, &format!("/Groups/{gid}")).await;
    assert_eq!(g["displayName"], json!(new_name));
    assert_eq!(
        c.member_ids(&gid).await,
        vec![u],
        "renaming keeps the members"
    );
    let r = c
        .filter("/Groups", &format!("displayName eq \"{new_name}\""))
        .await;
    assert_eq!(listed_ids(&r), vec![gid]);
}

#[tokio::test]
async fn entra_delete_user_is_gone_and_leaves_its_groups() {
    let s = Server::start().await;
    let c = s.client();
    let leaver = create_entra_user(&c, "leaver").await;
    let stayer = create_entra_user(&c, "stayer").await;
    let g1 = create_entra_group(&c, "G1").await;
    let g2 = create_entra_group(&c, "G2").await;
    let both = json!([{"$ref": null, "value": leaver}, {"$ref": null, "value": stayer}]);
    patch_group(
        &c,
        &g1,
        json!([{"op": "Add", "path": "members", "value": both}]),
    )
    .await;
    patch_group(
        &c,
        &g2,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": leaver}]}]),
    )
    .await;

    let r = c.delete(&format!("/Users/{leaver}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    c.get(&format!("/Users/{leaver}"))
        .await
        .assert_error(404, None);
    assert_empty_list(&c.filter("/Users", "userName eq \"leaver\"").await);
    assert_eq!(c.member_ids(&g1).await, vec![stayer]);
    assert_eq!(c.member_ids(&g2).await, Vec::<String>::new());
    c.delete(&format!("/Users/{leaver}"))
        .await
        .assert_error(404, None);
}

#[tokio::test]
async fn entra_delete_group() {
    let s = Server::start().await;
    let c = s.client();
    let u = create_entra_user(&c, "member").await;
    let gid = create_entra_group(&c, "Doomed").await;
    patch_group(
        &c,
        &gid,
        json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": u}]}]),
    )
    .await;
    let r = c.delete(&format!("/Groups/{gid}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    c.get(&format!("/Groups/{gid}"))
        .await
        .assert_error(404, None);
    assert_empty_list(&c.filter("/Groups", "displayName eq \"Doomed\"").await);
    assert_eq!(
        user(&c, &u).await["userName"],
        json!("member"),
        "deleting a group keeps its members"
    );
}
