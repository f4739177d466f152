//! The `AppStore` suite, on SQLite and PostgreSQL: names unique per tenant case-insensitively,
//! tenants isolated, versions guard updates, settings and sealed credentials stored as given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scimitar_core::{
    AppChange, AppLink, AppRecord, AppState, Assignment, Deprovision, EscrowEntry, RunObjectLog,
    RunRecord, StoreError, TenantId,
};
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

#[path = "directory/backends.rs"]
#[allow(dead_code)]
mod backends;
use backends::Backend;

const NOW: &str = "2026-01-01T00:00:00.000000Z";
const LATER: &str = "2026-01-02T00:00:00.000000Z";

fn app(tenant: TenantId, id: &str, name: &str) -> AppRecord {
    AppRecord {
        id: id.into(),
        tenant,
        name: name.into(),
        scim_url: "https://app.example.com/scim/v2".into(),
        auth_sealed: format!("v1:sealed-{id}"),
        state: AppState::Stopped,
        deprovision: Deprovision::Disable,
        settings: json!({}),
        created: NOW.into(),
        updated: NOW.into(),
        version: 1,
    }
}

async fn apps_are_per_tenant_and_unique_by_name(b: &Backend) {
    let t1 = b.tenants.create_tenant("one", NOW).await.unwrap().id;
    let t2 = b.tenants.create_tenant("two", NOW).await.unwrap().id;
    let created = b.apps.create_app(app(t1, "a1", "Zoho-One")).await.unwrap();
    assert_eq!(created, app(t1, "a1", "Zoho-One"));
    assert!(matches!(
        b.apps.create_app(app(t1, "a2", "zoho-one")).await,
        Err(StoreError::Conflict(_))
    ));
    // Another tenant may use the name, and never sees the first tenant's app.
    b.apps.create_app(app(t2, "b1", "zoho-one")).await.unwrap();
    b.apps.create_app(app(t1, "a3", "Alpha")).await.unwrap();
    let names: Vec<String> = b
        .apps
        .list_apps(t1)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["Alpha", "Zoho-One"]);
    let found = b.apps.app_by_name(t1, "ZOHO-ONE").await.unwrap().unwrap();
    assert_eq!(found.id, "a1");
    assert_eq!(b.apps.app_by_name(t2, "alpha").await.unwrap(), None);
    assert!(matches!(
        b.apps.delete_app(t2, "a1").await,
        Err(StoreError::NotFound)
    ));
    b.apps.delete_app(t1, "a1").await.unwrap();
    assert_eq!(b.apps.app_by_name(t1, "zoho-one").await.unwrap(), None);
    assert_eq!(b.apps.list_apps(t2).await.unwrap().len(), 1);
}

async fn updates_are_versioned_and_keep_what_they_do_not_change(b: &Backend) {
    let t = b.tenants.create_tenant("t", NOW).await.unwrap().id;
    b.apps.create_app(app(t, "a1", "app")).await.unwrap();
    let settings = json!({"mappings": {"users": [{"target": "userName", "source": "[userName]"}]}});
    let changed = b
        .apps
        .update_app(
            t,
            "a1",
            AppChange {
                expected_version: Some(1),
                state: Some(AppState::Running),
                settings: Some(settings.clone()),
                now: LATER.into(),
                ..AppChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.version, 2);
    let stored = b.apps.app_by_name(t, "app").await.unwrap().unwrap();
    assert_eq!(stored, changed);
    assert_eq!(stored.state, AppState::Running);
    assert_eq!(stored.settings, settings);
    assert_eq!(stored.updated, LATER);
    assert_eq!(stored.scim_url, "https://app.example.com/scim/v2");
    assert_eq!(stored.auth_sealed, "v1:sealed-a1");
    assert_eq!(stored.deprovision, Deprovision::Disable);
    let stale = AppChange {
        expected_version: Some(1),
        deprovision: Some(Deprovision::Delete),
        now: LATER.into(),
        ..AppChange::default()
    };
    assert!(matches!(
        b.apps.update_app(t, "a1", stale).await,
        Err(StoreError::VersionMismatch)
    ));
    let unchanged = b.apps.app_by_name(t, "app").await.unwrap().unwrap();
    assert_eq!(unchanged.deprovision, Deprovision::Disable);
    assert!(matches!(
        b.apps.update_app(t, "nope", AppChange::default()).await,
        Err(StoreError::NotFound)
    ));
}

async fn assignments_are_a_set_and_go_with_their_app(b: &Backend) {
    let t = b.tenants.create_tenant("t", NOW).await.unwrap().id;
    b.apps.create_app(app(t, "a1", "one")).await.unwrap();
    b.apps.create_app(app(t, "a2", "two")).await.unwrap();
    let user = Assignment::User("u1".into());
    let group = Assignment::Group("g1".into());
    assert!(b.apps.assign("a1", &user, NOW).await.unwrap());
    assert!(
        !b.apps.assign("a1", &user, NOW).await.unwrap(),
        "assigned twice"
    );
    assert!(b.apps.assign("a1", &group, NOW).await.unwrap());
    assert!(b
        .apps
        .assign("a1", &Assignment::AllUsers, NOW)
        .await
        .unwrap());
    assert!(b.apps.assign("a2", &user, NOW).await.unwrap());
    assert_eq!(
        b.apps.assignments("a1").await.unwrap(),
        [Assignment::AllUsers, group.clone(), user.clone()]
    );
    assert!(b.apps.unassign("a1", &Assignment::AllUsers).await.unwrap());
    assert!(!b.apps.unassign("a1", &Assignment::AllUsers).await.unwrap());
    assert_eq!(
        b.apps.assignments("a1").await.unwrap(),
        [group, user.clone()]
    );
    // An assignment needs its app; deleting the app deletes its assignments only.
    assert!(b.apps.assign("nope", &user, NOW).await.is_err());
    b.apps.delete_app(t, "a1").await.unwrap();
    assert_eq!(b.apps.assignments("a1").await.unwrap(), []);
    assert_eq!(b.apps.assignments("a2").await.unwrap(), [user]);
}

fn link(kind: ResourceKind, source: &str, target: &str, disabled: bool) -> AppLink {
    AppLink {
        kind,
        source_id: source.into(),
        target_id: target.into(),
        disabled,
        synced: NOW.into(),
    }
}

async fn links_map_directory_objects_to_app_accounts_one_to_one(b: &Backend) {
    let t = b.tenants.create_tenant("t", NOW).await.unwrap().id;
    b.apps.create_app(app(t, "a1", "one")).await.unwrap();
    b.apps.create_app(app(t, "a2", "two")).await.unwrap();
    let u = ResourceKind::User;
    b.apps
        .link("a1", &link(u, "u1", "T1", false))
        .await
        .unwrap();
    b.apps
        .link("a1", &link(u, "u2", "T2", false))
        .await
        .unwrap();
    b.apps
        .link("a1", &link(ResourceKind::Group, "g1", "T1", false))
        .await
        .unwrap();
    b.apps
        .link("a2", &link(u, "u1", "T1", false))
        .await
        .unwrap();
    // One app account never stands for two users of one app.
    assert!(matches!(
        b.apps.link("a1", &link(u, "u3", "T1", false)).await,
        Err(StoreError::Conflict(_))
    ));
    // Re-linking a user replaces its link (disabled, or a new account after a re-create).
    b.apps.link("a1", &link(u, "u2", "T9", true)).await.unwrap();
    let ids = vec!["u1".to_string(), "u2".to_string(), "u3".to_string()];
    let found = b.apps.links("a1", u, &ids).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found["u2"], link(u, "u2", "T9", true));
    assert_eq!(found["u1"].target_id, "T1");
    let all = b.apps.all_links("a1", u).await.unwrap();
    assert_eq!(all, [link(u, "u1", "T1", false), link(u, "u2", "T9", true)]);
    assert_eq!(
        b.apps
            .all_links("a1", ResourceKind::Group)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(b.apps.unlink("a1", u, "u1").await.unwrap());
    assert!(!b.apps.unlink("a1", u, "u1").await.unwrap());
    assert_eq!(b.apps.all_links("a1", u).await.unwrap().len(), 1);
    // The app's links go with it; another app's stay.
    b.apps.delete_app(t, "a1").await.unwrap();
    assert_eq!(b.apps.all_links("a1", u).await.unwrap(), []);
    assert_eq!(b.apps.all_links("a2", u).await.unwrap().len(), 1);
}

fn run(id: &str, app_id: &str, started: &str, lease_until: &str) -> RunRecord {
    RunRecord {
        id: id.into(),
        app_id: app_id.into(),
        kind: "initial".into(),
        state: "running".into(),
        owner: "host:1".into(),
        lease_until: lease_until.into(),
        started: started.into(),
        finished: None,
        summary: json!({}),
    }
}

async fn one_run_at_a_time_and_its_log_is_kept(b: &Backend) {
    let t = b.tenants.create_tenant("t", NOW).await.unwrap().id;
    b.apps.create_app(app(t, "a1", "one")).await.unwrap();
    b.apps.create_app(app(t, "a2", "two")).await.unwrap();
    let t0 = "2026-01-01T00:00:00.000000Z";
    let t1 = "2026-01-01T00:10:00.000000Z";
    let t2 = "2026-01-01T00:20:00.000000Z";
    b.apps.start_run(&run("r1", "a1", t0, t1)).await.unwrap();
    // Another app runs freely; the same app is refused while r1 holds its lease.
    b.apps.start_run(&run("x1", "a2", t0, t1)).await.unwrap();
    match b.apps.start_run(&run("r2", "a1", t0, t1)).await {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("r1"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // r1's process died: after its lease, the next start abandons it.
    b.apps
        .start_run(&run("r3", "a1", t2, "2026-01-01T00:35:00.000000Z"))
        .await
        .unwrap();
    let log = |status: &str, error: Option<&str>| RunObjectLog {
        kind: ResourceKind::User,
        source_id: format!("u-{status}"),
        name: Some(format!("{status}@example.com")),
        action: "create".into(),
        status: status.into(),
        target_id: None,
        error: error.map(str::to_string),
        hint: error.map(|_| "check the token".to_string()),
        steps: json!([{"stage": "action", "summary": "Create the user"}]),
    };
    let objects = vec![log("done", None), log("failed", Some("401"))];
    let summary = json!({"create.done": 1, "create.failed": 1});
    b.apps
        .finish_run("r3", "finished", t2, &summary, &objects)
        .await
        .unwrap();
    let runs = b.apps.runs("a1", 10).await.unwrap();
    let states: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r.id.as_str(), r.state.as_str()))
        .collect();
    assert_eq!(states, [("r3", "finished"), ("r1", "abandoned")]);
    assert_eq!(runs[0].summary, summary);
    assert_eq!(runs[0].finished.as_deref(), Some(t2));
    assert_eq!(b.apps.run_objects("r3", false).await.unwrap(), objects);
    assert_eq!(
        b.apps.run_objects("r3", true).await.unwrap(),
        vec![objects[1].clone()]
    );
    // Finished, the app may run again.
    b.apps.start_run(&run("r4", "a1", t2, t2)).await.unwrap();
    assert!(matches!(
        b.apps
            .finish_run("nope", "finished", t2, &summary, &[])
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn a_run_logs_its_progress_batch_by_batch(b: &Backend) {
    let t = b.tenants.create_tenant("t", NOW).await.unwrap().id;
    b.apps.create_app(app(t, "a1", "one")).await.unwrap();
    let t0 = "2026-01-01T00:00:00.000000Z";
    let t1 = "2026-01-01T00:10:00.000000Z";
    let t2 = "2026-01-01T00:20:00.000000Z";
    let t3 = "2026-01-01T00:30:00.000000Z";
    let log = |n: usize| RunObjectLog {
        kind: ResourceKind::User,
        source_id: format!("u{n}"),
        name: None,
        action: "create".into(),
        status: "done".into(),
        target_id: Some(format!("t{n}")),
        error: None,
        hint: None,
        steps: json!([]),
    };
    b.apps.start_run(&run("r1", "a1", t0, t1)).await.unwrap();
    let first: Vec<_> = (0..3).map(log).collect();
    let second: Vec<_> = (3..5).map(log).collect();
    b.apps
        .log_run_progress("r1", t2, &json!({"create.done": 3}), &first)
        .await
        .unwrap();
    // The renewed lease holds off another start past the first lease's end.
    match b.apps.start_run(&run("r2", "a1", t1, t2)).await {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("r1"), "{msg}"),
        other => panic!("{other:?}"),
    }
    let so_far = b.apps.runs("a1", 10).await.unwrap();
    assert_eq!(so_far[0].summary, json!({"create.done": 3}));
    assert_eq!(so_far[0].lease_until, t2);
    assert_eq!(b.apps.run_objects("r1", false).await.unwrap(), first);
    b.apps
        .log_run_progress("r1", t2, &json!({"create.done": 5}), &second)
        .await
        .unwrap();
    let last = vec![log(5)];
    b.apps
        .finish_run("r1", "finished", t2, &json!({"create.done": 6}), &last)
        .await
        .unwrap();
    let all: Vec<_> = (0..6).map(log).collect();
    assert_eq!(b.apps.run_objects("r1", false).await.unwrap(), all);
    // A run whose lease ran out and was taken over may log no more: it must stop.
    b.apps.start_run(&run("r3", "a1", t0, t1)).await.unwrap();
    b.apps.start_run(&run("r4", "a1", t3, t3)).await.unwrap();
    match b.apps.log_run_progress("r3", t3, &json!({}), &first).await {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("r3"), "{msg}"),
        other => panic!("{other:?}"),
    }
    assert!(b.apps.run_objects("r3", false).await.unwrap().is_empty());
}

fn held(kind: ResourceKind, source: &str, attempts: i64, next: &str) -> EscrowEntry {
    EscrowEntry {
        kind,
        source_id: source.into(),
        attempts,
        first_failed: "2026-01-01T00:00:00Z".into(),
        next_attempt: next.into(),
        error: format!("failed {attempts} times"),
        hint: "retry later".into(),
    }
}

async fn the_escrow_keeps_failed_objects_until_they_succeed(b: &Backend) {
    let apps = &b.apps;
    let tenant = b.tenants.create_tenant("t", NOW).await.unwrap().id;
    let a = apps
        .create_app(app(tenant, "esc-a", "esc-a"))
        .await
        .unwrap();
    let other = apps
        .create_app(app(tenant, "esc-b", "esc-b"))
        .await
        .unwrap();
    let u = ResourceKind::User;
    apps.escrow_put(
        &a.id,
        &[
            held(u, "u1", 1, "2026-01-01T00:01:00Z"),
            held(u, "u2", 2, "2026-01-01T00:05:00Z"),
            held(ResourceKind::Group, "g1", 1, "2026-01-01T00:02:00Z"),
        ],
    )
    .await
    .unwrap();
    apps.escrow_put(&other.id, &[held(u, "u1", 7, "2026-01-01T00:00:00Z")])
        .await
        .unwrap();
    // Soonest first; only what is due when asked so.
    let all = apps.escrow(&a.id, None, 10).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|e| e.source_id.as_str()).collect();
    assert_eq!(ids, ["u1", "g1", "u2"]);
    let due = apps
        .escrow(&a.id, Some("2026-01-01T00:02:00Z"), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(apps.escrow(&a.id, None, 1).await.unwrap().len(), 1);
    // By id and kind; a second failure replaces the entry.
    apps.escrow_put(&a.id, &[held(u, "u1", 2, "2026-01-01T00:09:00Z")])
        .await
        .unwrap();
    let got = apps
        .escrow_entries(&a.id, u, &["u1".into(), "g1".into(), "zz".into()])
        .await
        .unwrap();
    assert_eq!(got, vec![held(u, "u1", 2, "2026-01-01T00:09:00Z")]);
    // Cleared per app and kind: the other app's u1 stays.
    apps.escrow_clear(&a.id, u, &["u1".into(), "u2".into()])
        .await
        .unwrap();
    let left = apps.escrow(&a.id, None, 10).await.unwrap();
    assert_eq!(
        left,
        vec![held(ResourceKind::Group, "g1", 1, "2026-01-01T00:02:00Z")]
    );
    assert_eq!(apps.escrow(&other.id, None, 10).await.unwrap().len(), 1);
    // Deleting the app deletes its escrow.
    apps.delete_app(tenant, &other.id).await.unwrap();
    assert!(apps.escrow(&other.id, None, 10).await.unwrap().is_empty());
}

async fn old_run_logs_are_pruned_but_the_newest_runs_stay(b: &Backend) {
    let t = b.tenants.create_tenant("t", NOW).await.unwrap().id;
    b.apps.create_app(app(t, "p1", "one")).await.unwrap();
    // Twelve old finished runs, one old running run.
    for i in 0..12 {
        let started = format!("2025-01-{:02}T00:00:00Z", i + 1);
        let r = run(
            &format!("old{i:02}"),
            "p1",
            &started,
            "2025-01-01T00:00:00Z",
        );
        b.apps.start_run(&r).await.unwrap();
        b.apps
            .finish_run(&r.id, "finished", &started, &json!({}), &[])
            .await
            .unwrap();
    }
    let running = run("live", "p1", "2025-02-01T00:00:00Z", "2099-01-01T00:00:00Z");
    b.apps.start_run(&running).await.unwrap();
    // Everything is older than the cut; the 3 newest are kept (the running run is never
    // pruned, and is one of them), so the 10 oldest finished runs go.
    let pruned = b.apps.prune_runs("2026-01-01T00:00:00Z", 3).await.unwrap();
    assert_eq!(pruned, 10);
    let left: Vec<String> = b
        .apps
        .runs("p1", 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, ["live", "old11", "old10"]);
    // Nothing newer than the cut is touched.
    assert_eq!(
        b.apps.prune_runs("2024-01-01T00:00:00Z", 0).await.unwrap(),
        0
    );
}

backends::on_every_backend!(old_run_logs_are_pruned_but_the_newest_runs_stay);
backends::on_every_backend!(the_escrow_keeps_failed_objects_until_they_succeed);
backends::on_every_backend!(a_run_logs_its_progress_batch_by_batch);
backends::on_every_backend!(one_run_at_a_time_and_its_log_is_kept);
backends::on_every_backend!(links_map_directory_objects_to_app_accounts_one_to_one);
backends::on_every_backend!(apps_are_per_tenant_and_unique_by_name);
backends::on_every_backend!(assignments_are_a_set_and_go_with_their_app);
backends::on_every_backend!(updates_are_versioned_and_keep_what_they_do_not_change);
