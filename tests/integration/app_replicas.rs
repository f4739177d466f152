//! Two Scimitar processes on one PostgreSQL run the same app at the same moment (issue 4): a
//! run holds the app (one running run per app, enforced by the database), so the other waits
//! its turn or is told a run is in progress, and no account is ever created twice.

use tokio::process::Command;

use crate::support::{bin, Server};

/// The same sealing key on both processes, as `docs/operations.md` requires for replicas.
const KEY: &str = "c2NpbWl0YXItdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=";

async fn run(server: &Server, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin())
        .args(args)
        .arg("--data-dir")
        .arg(server.data_dir.path())
        .args(["--database-url", server.database_url.as_deref().unwrap()])
        .env("SCIMITAR_SECRET_KEY", KEY)
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_never_provision_an_account_twice() {
    let Some(url) = Server::new_postgres_database() else {
        return;
    };
    let mut a1 = Server::start_on(Some(url.clone())).await;
    a1.own_database();
    let a2 = Server::start_on(Some(url)).await;
    let b = Server::start().await;
    let scim = a1.client();
    for i in 0..30 {
        scim.create_user(&format!("user{i}@example.com")).await;
    }
    let target = b.scim_url();
    for args in [
        vec![
            "app",
            "create",
            "b",
            "--tenant",
            "default",
            "--scim-url",
            target.as_str(),
            "--bearer-token",
            b.token.as_str(),
        ],
        vec!["app", "assign", "b", "--tenant", "default", "--all"],
    ] {
        let (ok, out) = run(&a1, &args).await;
        assert!(ok, "{args:?}: {out}");
    }
    for round in 0..2 {
        let sync = ["app", "sync", "b", "--tenant", "default", "--initial"];
        let ((ok1, out1), (ok2, out2)) = tokio::join!(run(&a1, &sync), run(&a2, &sync));
        assert!(
            ok1 || ok2,
            "round {round}: neither sync ran:\n{out1}\n{out2}"
        );
        for (ok, out) in [(ok1, &out1), (ok2, &out2)] {
            assert!(ok || out.contains("in progress"), "round {round}: {out}");
        }
        let users = b.client().get("/Users?count=1").await;
        assert_eq!(
            users.body["totalResults"], 30,
            "round {round}: accounts created twice"
        );
    }
}
