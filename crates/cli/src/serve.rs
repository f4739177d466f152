//! `scimitar serve`: open the database, bootstrap the `default` tenant on first start, and
//! serve HTTP until SIGINT/SIGTERM, finishing in-flight requests.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use scimitar_core::service::{AppAdmin, Directory, TenantAdmin};
use scimitar_core::{Limits, SystemClock};
use scimitar_provisioning::runs::Provisioner;
use scimitar_server::{router, AppState, HttpConfig};

use crate::config::Settings;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SCIMITAR_LISTEN")]
    pub listen: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "SCIMITAR_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Public base URL used in meta.location (default: from the Host header).
    #[arg(long, env = "SCIMITAR_PUBLIC_URL")]
    pub public_url: Option<String>,
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn run(settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    let log_format = args
        .log_format
        .or(settings.file.log_format.clone())
        .unwrap_or_else(|| "text".into());
    init_logging(&log_format);
    let listen = args
        .listen
        .or(settings.file.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("--listen '{listen}' is not ADDRESS:PORT"))?;

    let stores = settings.open_stores().await?;
    let clock = Arc::new(SystemClock);
    let mut limits = Limits::default();
    if let Some(n) = settings.file.max_payload_size {
        limits.max_payload_size = n;
    }
    if let Some(n) = settings.file.bulk_max_operations {
        limits.bulk_max_operations = n;
    }
    if let Some(n) = settings.file.max_page_size {
        limits.max_page_size = n;
    }
    let directory = Directory::new(stores.directory.clone(), clock.clone(), limits);
    let tenants = TenantAdmin::new(stores.tenants.clone(), clock);
    if let Some(secret) = tenants
        .bootstrap()
        .await
        .context("creating the default tenant")?
    {
        println!("Created tenant 'default'. Its SCIM bearer token (shown once, store it now):");
        println!("{secret}");
    }
    let apps = AppAdmin::new(
        stores.apps.clone(),
        stores.directory.clone(),
        Arc::new(SystemClock),
        settings.secret_key()?,
    );
    let public_url = args.public_url.or(settings.file.public_url.clone());
    // Runs started through the admin API: the same provisioner as `scimitar app sync`, on
    // this server's directory, rendering resources with the URL the SCIM API uses.
    let provisioner = Provisioner {
        directory: directory.clone(),
        store: stores.directory.clone(),
        apps: stores.apps.clone(),
        admin: apps,
        base_url: match &public_url {
            Some(url) => format!("{}/scim/v2", url.trim_end_matches('/')),
            None => "http://localhost/scim/v2".into(),
        },
        notifier: crate::notifier(),
    };
    crate::retention::spawn(stores.apps.clone(), settings.run_log_retention_days()?);
    crate::scheduler::spawn(
        stores.clone(),
        tenants.clone(),
        provisioner.clone(),
        directory.change_signal(),
    );
    let state = AppState {
        directory,
        tenants,
        apps: Some(provisioner),
        config: Arc::new(HttpConfig { public_url }),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(database = %settings.redacted_database_url(), "database ready");
    println!("Scimitar listening on http://{local}/scim/v2");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    tracing::info!("shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
