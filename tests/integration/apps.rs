//! `scimitar app ...` (issue 4): apps are created, listed, shown, changed and deleted from the
//! CLI while the server runs; credentials are sealed at rest and never printed back; a
//! different secret key cannot open them.

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::support::{bin, Server};

const TOKEN: &str = "app-secret-token-0123456789-WXYZ";

async fn json(server: &Server, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let (ok, out, err) = server.cli(&all).await;
    assert!(ok, "{args:?} failed: {err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

#[tokio::test]
async fn apps_are_managed_from_the_cli_and_their_credentials_never_shown() {
    let server = Server::start().await;
    let create = [
        "app",
        "create",
        "Zoho-One",
        "--tenant",
        "default",
        "--scim-url",
        "https://zoho.example.com/scim/v2/",
        "--bearer-token",
        TOKEN,
    ];
    let (ok, out, err) = server.cli(&create).await;
    assert!(ok, "create failed: {err}");
    assert!(
        !out.contains(TOKEN) && !err.contains(TOKEN),
        "token printed: {out}"
    );

    // Read back: normalised URL, stopped, the token described by its last characters only.
    let shown = json(&server, &["app", "show", "zoho-one", "--tenant", "default"]).await;
    assert_eq!(shown["name"], "Zoho-One");
    assert_eq!(shown["scimUrl"], "https://zoho.example.com/scim/v2");
    assert_eq!(shown["state"], "stopped");
    assert_eq!(shown["deprovision"], "disable");
    assert_eq!(shown["auth"], "bearer token …WXYZ");
    assert!(!shown.to_string().contains(TOKEN));
    let list = json(&server, &["app", "list", "--tenant", "default"]).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"], shown["id"]);

    // A second app of the same name (any case) is refused, and so is a URL with credentials.
    let mut again = create;
    again[2] = "ZOHO-ONE";
    let (ok, _, err) = server.cli(&again).await;
    assert!(!ok && err.contains("already exists"), "{err}");
    let mut bad_url = create;
    bad_url[2] = "other";
    bad_url[6] = "https://user:pw@zoho.example.com/scim/v2";
    let (ok, _, err) = server.cli(&bad_url).await;
    assert!(!ok && err.contains("not in the SCIM URL"), "{err}");
    assert_eq!(
        json(&server, &["app", "list", "--tenant", "default"])
            .await
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // At rest the token is sealed: not in the SQLite files, and the key file is private.
    if server.database_url.is_none() {
        for file in ["scimitar.db", "scimitar.db-wal"] {
            let bytes = std::fs::read(server.data_dir.path().join(file)).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(TOKEN), "plaintext token in {file}");
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(server.data_dir.path().join("secret.key")).unwrap();
        assert_eq!(
            meta.permissions().mode() & 0o077,
            0,
            "secret.key readable by others"
        );
    }

    // Another key cannot open it (and says so instead of failing the listing).
    let mut other = tokio::process::Command::new(bin());
    other
        .args([
            "app",
            "show",
            "zoho-one",
            "--tenant",
            "default",
            "--json",
            "--data-dir",
        ])
        .arg(server.data_dir.path())
        .env(
            "SCIMITAR_SECRET_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        );
    if let Some(url) = &server.database_url {
        other.args(["--database-url", url]);
    }
    let out = other.output().await.unwrap();
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        seen["auth"]
            .as_str()
            .unwrap()
            .contains("different secret key"),
        "{seen}"
    );

    // A new token from standard input, and a deprovisioning policy; read back.
    let mut set = tokio::process::Command::new(bin());
    set.args([
        "app",
        "set",
        "zoho-one",
        "--tenant",
        "default",
        "--bearer-token",
        "-",
        "--deprovision",
        "delete",
        "--json",
        "--data-dir",
    ])
    .arg(server.data_dir.path())
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped());
    if let Some(url) = &server.database_url {
        set.args(["--database-url", url]);
    }
    let mut child = set.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"a-new-token-from-stdin-9876\n")
        .await
        .unwrap();
    drop(stdin);
    assert!(child.wait_with_output().await.unwrap().status.success());
    let shown = json(&server, &["app", "show", "zoho-one", "--tenant", "default"]).await;
    assert_eq!(shown["auth"], "bearer token …9876");
    assert_eq!(shown["deprovision"], "delete");
    assert_eq!(shown["version"], 2);
    assert_eq!(shown["concurrency"], 8, "the default");

    // The requests in flight per app: set, read back; out of range refused.
    let set = json(
        &server,
        &[
            "app",
            "set",
            "zoho-one",
            "--tenant",
            "default",
            "--concurrency",
            "3",
        ],
    )
    .await;
    assert_eq!(set["concurrency"], 3);
    let shown = json(&server, &["app", "show", "zoho-one", "--tenant", "default"]).await;
    assert_eq!(shown["concurrency"], 3);
    assert_eq!(shown["deprovision"], "delete", "kept");
    let (ok, _, err) = server
        .cli(&[
            "app",
            "set",
            "zoho-one",
            "--tenant",
            "default",
            "--concurrency",
            "0",
        ])
        .await;
    assert!(!ok && err.contains("concurrency"), "{err}");

    // Tenants are separate, and delete removes the app.
    server.new_tenant("other").await;
    assert_eq!(
        json(&server, &["app", "list", "--tenant", "other"]).await,
        Value::Array(vec![])
    );
    let (ok, _, err) = server
        .cli(&["app", "show", "zoho-one", "--tenant", "other"])
        .await;
    assert!(!ok && err.contains("no app named"), "{err}");
    let (ok, _, err) = server
        .cli(&["app", "delete", "zoho-one", "--tenant", "default"])
        .await;
    assert!(ok, "{err}");
    assert_eq!(
        json(&server, &["app", "list", "--tenant", "default"]).await,
        Value::Array(vec![])
    );
}

/// `app test` and `app schema` against a real SCIM server: this server itself, as tenant
/// `target`; with a wrong token `app test` fails with a hint about the credentials.
#[tokio::test]
async fn app_test_and_schema_talk_to_the_app() {
    let server = Server::start().await;
    let target_token = server.new_tenant("target").await;
    let url = server.scim_url();
    let (ok, _, err) = server
        .cli(&[
            "app",
            "create",
            "self",
            "--tenant",
            "default",
            "--scim-url",
            &url,
            "--bearer-token",
            &target_token,
        ])
        .await;
    assert!(ok, "{err}");
    let report = json(&server, &["app", "test", "self", "--tenant", "default"]).await;
    assert_eq!(report["ok"], true);
    assert!(
        report["filter"]
            .as_str()
            .unwrap()
            .starts_with("userName eq"),
        "{report}"
    );
    let caps = json(&server, &["app", "schema", "self", "--tenant", "default"]).await;
    assert_eq!(caps["patch"], "supported", "{caps}");
    assert_eq!(caps["filter"], "supported", "{caps}");
    let types: Vec<&str> = caps["resource_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"User") && types.contains(&"Group"),
        "{caps}"
    );

    let (ok, _, err) = server
        .cli(&[
            "app",
            "create",
            "wrong",
            "--tenant",
            "default",
            "--scim-url",
            &url,
            "--bearer-token",
            "scim_not-a-real-token",
        ])
        .await;
    assert!(ok, "{err}");
    let (ok, out, err) = server
        .cli(&["app", "test", "wrong", "--tenant", "default"])
        .await;
    assert!(!ok, "a wrong token passed the test: {out}");
    assert!(
        err.contains("hint:") && err.to_lowercase().contains("credential"),
        "{err}"
    );
}

/// `app assign` / `unassign`: users by userName, groups by displayName, or everyone; what is
/// assigned shows in `app show`; unknown names and double removals are errors.
#[tokio::test]
async fn users_and_groups_are_assigned_by_name() {
    let server = Server::start().await;
    let scim = server.client();
    let ada = scim.create_user("ada@example.com").await;
    scim.create_group("Engineering", std::slice::from_ref(&ada))
        .await;
    let (ok, _, err) = server
        .cli(&[
            "app",
            "create",
            "app",
            "--tenant",
            "default",
            "--scim-url",
            "https://app.example.com/scim/v2",
            "--bearer-token",
            "t0123456789abcdef",
        ])
        .await;
    assert!(ok, "{err}");
    let assign = |args: &'static [&'static str]| {
        let server = &server;
        async move {
            let mut all = vec!["app", "assign", "app", "--tenant", "default"];
            all.extend_from_slice(args);
            server.cli(&all).await
        }
    };
    let (ok, out, err) = assign(&["--user", "ADA@example.com"]).await;
    assert!(ok && out.contains("assigned user"), "{out}{err}");
    let (ok, out, _) = assign(&["--user", "ada@example.com"]).await;
    assert!(ok && out.contains("already assigned"), "{out}");
    let (ok, _, err) = assign(&["--group", "Engineering"]).await;
    assert!(ok, "{err}");
    let (ok, _, err) = assign(&["--all"]).await;
    assert!(ok, "{err}");
    let (ok, _, err) = assign(&["--user", "nobody@example.com"]).await;
    assert!(!ok && err.contains("no user 'nobody@example.com'"), "{err}");
    let (ok, _, err) = assign(&["--user", "ada@example.com", "--all"]).await;
    assert!(!ok && err.contains("cannot be used with"), "{err}");

    let shown = json(&server, &["app", "show", "app", "--tenant", "default"]).await;
    assert_eq!(
        shown["assignments"],
        serde_json::json!(["all users", "group Engineering", "user ada@example.com"])
    );
    let (ok, _, err) = server
        .cli(&["app", "unassign", "app", "--tenant", "default", "--all"])
        .await;
    assert!(ok, "{err}");
    let (ok, _, err) = server
        .cli(&["app", "unassign", "app", "--tenant", "default", "--all"])
        .await;
    assert!(!ok && err.contains("is not assigned"), "{err}");
    let shown = json(&server, &["app", "show", "app", "--tenant", "default"]).await;
    assert_eq!(shown["assignments"].as_array().map(Vec::len), Some(2));
    // A user no longer in the directory is shown by id.
    assert_eq!(scim.delete(&format!("/Users/{ada}")).await.status, 204);
    let shown = json(&server, &["app", "show", "app", "--tenant", "default"]).await;
    assert_eq!(
        shown["assignments"],
        serde_json::json!([
            "group Engineering",
            format!("user {ada} (no longer in the directory)")
        ])
    );
}

/// Mappings round-trip through export and import, a broken file changes nothing and says
/// where it breaks; scoping filters are checked before they are stored.
#[tokio::test]
async fn mappings_and_scope_are_checked_and_stored() {
    let server = Server::start().await;
    let (ok, _, err) = server
        .cli(&[
            "app",
            "create",
            "app",
            "--tenant",
            "default",
            "--scim-url",
            "https://app.example.com/scim/v2",
            "--bearer-token",
            "t0123456789abcdef",
        ])
        .await;
    assert!(ok, "{err}");
    let export = || async {
        let (ok, out, err) = server
            .cli(&["app", "mappings", "export", "app", "--tenant", "default"])
            .await;
        assert!(ok, "{err}");
        out
    };
    let defaults = export().await;
    assert!(
        defaults.contains("target = \"userName\"") && defaults.contains("matching = 1"),
        "{defaults}"
    );

    // Change one mapping and import: export gives it back.
    let changed = defaults.replacen(
        "source = \"[displayName]\"",
        "source = \"ToUpper([displayName])\"",
        1,
    );
    assert_ne!(changed, defaults);
    let file = server.data_dir.path().join("mappings.toml");
    std::fs::write(&file, &changed).unwrap();
    let path = file.to_str().unwrap();
    let (ok, out, err) = server
        .cli(&[
            "app", "mappings", "import", "app", "--tenant", "default", path,
        ])
        .await;
    assert!(ok && out.contains("imported"), "{out}{err}");
    assert_eq!(export().await, changed);

    // A broken expression: refused with its place, and the stored mappings stay as they were.
    let broken = changed.replacen("ToUpper([displayName])", "ToUpper([displayName]", 1);
    std::fs::write(&file, &broken).unwrap();
    let (ok, _, err) = server
        .cli(&[
            "app", "mappings", "import", "app", "--tenant", "default", path,
        ])
        .await;
    assert!(
        !ok && err.contains("displayName") && err.contains('^'),
        "{err}"
    );
    assert_eq!(export().await, changed);

    // Scoping filters: stored as given, refused when the operator is unknown, cleared by "".
    let filter = r#"title EQUALS "Engineer" AND active IS TRUE"#;
    let (ok, _, err) = server
        .cli(&[
            "app", "scope", "app", "--tenant", "default", "--filter", filter,
        ])
        .await;
    assert!(ok, "{err}");
    let shown = json(&server, &["app", "show", "app", "--tenant", "default"]).await;
    assert_eq!(shown["settings"]["scope"]["users"], filter);
    let (ok, _, err) = server
        .cli(&[
            "app",
            "scope",
            "app",
            "--tenant",
            "default",
            "--filter",
            r#"title EQUALZ "x""#,
        ])
        .await;
    assert!(
        !ok && err.contains("column 7") && err.contains("EQUALZ"),
        "{err}"
    );
    let shown = json(&server, &["app", "show", "app", "--tenant", "default"]).await;
    assert_eq!(
        shown["settings"]["scope"]["users"], filter,
        "a refused filter changed the scope"
    );
    let (ok, _, err) = server
        .cli(&["app", "scope", "app", "--tenant", "default", "--filter", ""])
        .await;
    assert!(ok, "{err}");
    let shown = json(&server, &["app", "show", "app", "--tenant", "default"]).await;
    assert_eq!(shown["settings"]["scope"].get("users"), None);
}
