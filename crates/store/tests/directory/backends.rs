//! The backends the storage-trait suite runs on, and the macro that runs a test on each.

use std::sync::Arc;

use scimitar_core::{AppStore, DirectoryStore, TenantStore};

pub struct Backend {
    pub directory: Arc<dyn DirectoryStore>,
    pub tenants: Arc<dyn TenantStore>,
    pub apps: Arc<dyn AppStore>,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let stores = scimitar_store::open(&url).await.unwrap();
    Backend {
        directory: stores.directory,
        tenants: stores.tenants,
        apps: stores.apps,
        _dir: Some(dir),
    }
}

fn server_url() -> String {
    std::env::var("SCIMITAR_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database on the test server, or `None` (with a message) when no server is reachable
/// and CI is not set. Under `CI=true` an unreachable server fails the test.
pub async fn postgres() -> Option<(Backend, String)> {
    let (url, name) = postgres_database().await?;
    let stores = scimitar_store::open(&url).await.unwrap();
    Some((
        Backend {
            directory: stores.directory,
            tenants: stores.tenants,
            apps: stores.apps,
            _dir: None,
        },
        name,
    ))
}

/// A fresh, empty database on the test server: its URL and name (for [`drop_database`]).
pub async fn postgres_database() -> Option<(String, String)> {
    use sqlx::Connection;
    let admin_url = server_url();
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("PostgreSQL is not reachable at {admin_url}: {e}");
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{msg} (CI=true: the PostgreSQL tests must run)");
            }
            eprintln!(
                "SKIPPING PostgreSQL test: {msg}; set SCIMITAR_TEST_POSTGRES to a server to run it"
            );
            return None;
        }
    };
    collect_leftovers(&mut admin).await;
    let name = format!(
        "scimitar_t_{}_{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin_url.clone());
    Some((format!("{base}/{name}"), name))
}

/// Drop test databases left by test processes that are gone (a test that panicked before its
/// cleanup): their names carry the process id.
async fn collect_leftovers(admin: &mut sqlx::PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'scimitar\\_%\\_%\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// Drop a test database (its pools are gone with the backend).
pub async fn drop_database(name: &str) {
    use sqlx::Connection;
    if let Ok(mut admin) = sqlx::PgConnection::connect(&server_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

macro_rules! on_every_backend {
    ($test:ident) => {
        mod $test {
            #[tokio::test]
            async fn sqlite() {
                let b = super::backends::sqlite().await;
                super::$test(&b).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some((b, name)) = super::backends::postgres().await else {
                    return;
                };
                super::$test(&b).await;
                drop(b);
                super::backends::drop_database(&name).await;
            }
        }
    };
}
pub(crate) use on_every_backend;
