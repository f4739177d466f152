//! The `scimitar` binary: `serve`, and admin subcommands that work directly on the database
//! (whether or not a server is running).

mod admin;
mod app_notify;
mod app_oauth;
mod app_reconcile;
mod app_runs;
mod app_settings;
mod apps;
mod config;
mod expr;
mod lookup;
mod retention;
mod scheduler;
mod serve;

use clap::{Parser, Subcommand};

use config::GlobalArgs;

// The server allocates many small JSON values per request from several threads; glibc's
// allocator showed up as ~20% of server CPU under load, mimalloc as a fraction of that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "scimitar",
    version,
    about = "Identity provisioning hub: a SCIM 2.0 service provider"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(admin::TenantCommand),
    /// Manage bearer tokens.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Manage connected apps (the SaaS applications Scimitar provisions into).
    #[command(subcommand)]
    App(apps::AppCommand),
    /// Mapping expressions: try one against a real user or group.
    #[command(subcommand)]
    Expr(expr::ExprCommand),
    /// Apply pending database migrations and exit.
    Migrate,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let settings = config::Settings::load(&cli.global)?;
        match cli.command {
            Command::Serve(args) => serve::run(settings, args).await,
            Command::Tenant(cmd) => admin::tenant(settings, cmd).await,
            Command::Token(cmd) => admin::token(settings, cmd).await,
            Command::App(cmd) => apps::app(settings, cmd).await,
            Command::Expr(cmd) => expr::expr(settings, cmd).await,
            Command::Migrate => {
                settings.open_stores().await?;
                println!("migrations applied to {}", settings.redacted_database_url());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The notifier for the apps' notifications, with the SMTP server of `SCIMITAR_SMTP_URL` and
/// `SCIMITAR_SMTP_FROM`; when those are unusable, one without email (said once, as a warning).
pub fn notifier() -> scimitar_provisioning::notify::Notifier {
    use scimitar_provisioning::notify::Notifier;
    match Notifier::from_env() {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("notifications by email are off: {e}");
            Notifier::new(None).unwrap_or_else(|e| panic!("cannot build an HTTP client: {e}"))
        }
    }
}
