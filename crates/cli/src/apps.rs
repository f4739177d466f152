//! `scimitar app ...`: connected apps, worked on directly in the database like tenants and
//! tokens. Credentials given here are sealed before they are stored and are never printed
//! again; `show` and `list` describe them (kind, user, last characters).

use std::io::Read;
use std::sync::Arc;

use clap::Subcommand;
use scimitar_core::service::{AppAdmin, AppView, TenantAdmin};
use scimitar_core::{AppAuth, AppState, Assignment, Deprovision, SystemClock, TenantId};
use scimitar_provisioning::connector::{
    Capabilities, Connector, ConnectorError, ResourceKind, ScimConnector,
};
use scimitar_provisioning::runs::connector_for;
use serde_json::json;

use crate::admin::explain;
use crate::app_oauth::{oauth_auth, OAuthArgs};
use crate::app_settings::MappingsCommand;
use crate::config::Settings;
use crate::lookup::{find_one, tenant_directory};

#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// Connect an app by its SCIM 2.0 base URL.
    Create {
        name: String,
        #[arg(long)]
        tenant: String,
        /// The app's SCIM base URL, e.g. https://app.example.com/scim/v2
        #[arg(long)]
        scim_url: String,
        #[command(flatten)]
        auth: AuthArgs,
        #[command(flatten)]
        oauth: Box<OAuthArgs>,
    },
    /// List a tenant's apps.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Show one app (credentials described, never shown).
    Show {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Change an app's connection or deprovisioning policy.
    Set {
        name: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        scim_url: Option<String>,
        #[command(flatten)]
        auth: OptionalAuthArgs,
        /// OAuth settings to change (laid over the current ones; a new client id or token URL
        /// needs a new `app authorize`).
        #[command(flatten)]
        oauth: Box<OAuthArgs>,
        /// What happens in the app when a user leaves scope: disable, delete or nothing.
        #[arg(long)]
        deprovision: Option<String>,
        #[command(flatten)]
        limits: Box<LimitArgs>,
    },
    /// Send a test notification to the app's webhook and email recipients. Exit code non-zero
    /// if any did not receive it.
    NotifyTest {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Authorize Scimitar at the app's OAuth server (authorization code grant, e.g. Zoho One):
    /// prints the URL to open in a browser, then waits until the server's /oauth/callback has
    /// stored the refresh token.
    Authorize {
        name: String,
        #[arg(long)]
        tenant: String,
        /// Print the URL and return without waiting.
        #[arg(long)]
        no_wait: bool,
        /// Seconds to wait for the authorization (default 600, as long as the URL is valid).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Test the connection as Entra ID does: query the matching attribute with a random value
    /// and expect no match. Exit code 0 only when it works.
    Test {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// What the app's /ServiceProviderConfig, /ResourceTypes and /Schemas say it supports.
    Schema {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Assign a user, a group (its members, nested groups included) or every user to the app.
    Assign {
        name: String,
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Take an assignment back.
    Unassign {
        name: String,
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// The dry run: what a run would do to each assigned (or linked) user, and why. Reads the
    /// app to look accounts up; changes nothing, here or there.
    Plan {
        name: String,
        #[arg(long)]
        tenant: String,
        /// Plan an initial run (every user in scope is matched or created).
        #[arg(long)]
        initial: bool,
    },
    /// One run now: plan, then execute exactly that plan, and print what happened. Exit code
    /// non-zero if any object failed.
    Sync {
        name: String,
        #[arg(long)]
        tenant: String,
        /// An initial run (every user in scope is matched or created).
        #[arg(long)]
        initial: bool,
    },
    /// Continuous provisioning by the running server: a change in the directory reaches the
    /// app within seconds.
    Start {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Stop continuous provisioning (a run in progress finishes).
    Stop {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// A run's log: one line per object (action, status, error and what to do), the latest
    /// run unless --run is given; --failed shows only the failures.
    Logs {
        name: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        run: Option<String>,
        #[arg(long)]
        failed: bool,
    },
    /// Repair drift in the app (accounts deleted, edited or deactivated there, group members
    /// changed there) and report the accounts and groups there that stand for nothing here.
    /// With --plan, only show what would be done.
    Reconcile {
        name: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        plan: bool,
    },
    /// Approve the disables and deletes a run held back at the accidental-deletion threshold:
    /// runs the app now with the threshold lifted for this run.
    ApproveDeletes {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Objects that failed and wait to be retried (the escrow), soonest first, with the last
    /// error and what to do.
    Escrow {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Provision one user or group now, whatever the schedule, and show every step.
    Provision {
        name: String,
        #[arg(long)]
        tenant: String,
        /// The user, by userName.
        #[arg(long, conflicts_with = "group", required_unless_present = "group")]
        user: Option<String>,
        /// The group, by displayName (its members must be provisioned already to be added).
        #[arg(long)]
        group: Option<String>,
    },
    /// Export or import the app's attribute mappings (TOML; docs/mappings.md).
    #[command(subcommand)]
    Mappings(MappingsCommand),
    /// Set the scoping filters (Entra ID operators; clauses joined by AND, filters by OR; an
    /// empty filter puts every assigned user in scope).
    Scope {
        name: String,
        #[arg(long)]
        tenant: String,
        /// e.g. 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department EQUALS "Sales" AND active IS TRUE'
        #[arg(long)]
        filter: String,
        /// Scope groups instead of users.
        #[arg(long)]
        groups: bool,
    },
    /// Delete an app's connection (nothing is changed in the app itself).
    Delete {
        name: String,
        #[arg(long)]
        tenant: String,
    },
}

/// Bearer or basic credentials; OAuth comes with [`OAuthArgs`] instead.
#[derive(clap::Args, Debug)]
#[group(required = false, multiple = false)]
pub struct AuthArgs {
    /// Bearer token for the app; `-` reads it from standard input (keeps it out of `ps`).
    #[arg(long)]
    bearer_token: Option<String>,
    /// USER:PASSWORD for HTTP Basic; `-` reads it from standard input.
    #[arg(long)]
    basic: Option<String>,
}

#[derive(clap::Args, Debug)]
#[group(required = false, multiple = false)]
pub struct OptionalAuthArgs {
    /// A new bearer token (`-`: from standard input).
    #[arg(long)]
    bearer_token: Option<String>,
    /// New USER:PASSWORD for HTTP Basic (`-`: from standard input).
    #[arg(long)]
    basic: Option<String>,
}

#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct TargetArgs {
    /// A user, by userName.
    #[arg(long)]
    user: Option<String>,
    /// A group, by displayName.
    #[arg(long)]
    group: Option<String>,
    /// Every user of the tenant.
    #[arg(long)]
    all: bool,
}

/// The assignment the operator named, resolved to ids.
async fn assignment(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    tenant: &str,
    target: TargetArgs,
) -> anyhow::Result<(Assignment, String)> {
    if target.all {
        return Ok((Assignment::AllUsers, "every user".into()));
    }
    let (_, directory, ctx) = tenant_directory(settings, stores, tenant).await?;
    let (kind, name) = match (target.user, target.group) {
        (Some(u), _) => (ResourceKind::User, u),
        (None, Some(g)) => (ResourceKind::Group, g),
        (None, None) => anyhow::bail!("give --user USERNAME, --group DISPLAYNAME or --all"),
    };
    let found = find_one(&directory, &ctx, kind, &name).await?;
    let id = found["id"].as_str().unwrap_or_default().to_string();
    Ok(match kind {
        ResourceKind::User => (Assignment::User(id), format!("user '{name}'")),
        ResourceKind::Group => (Assignment::Group(id), format!("group '{name}'")),
    })
}

/// `-` means standard input (trailing newline removed).
pub(crate) fn value_or_stdin(v: String) -> anyhow::Result<String> {
    if v != "-" {
        return Ok(v);
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

fn auth_from(bearer: Option<String>, basic: Option<String>) -> anyhow::Result<Option<AppAuth>> {
    if let Some(token) = bearer {
        return Ok(Some(AppAuth::Bearer {
            token: value_or_stdin(token)?,
        }));
    }
    if let Some(pair) = basic {
        let pair = value_or_stdin(pair)?;
        let (user, password) = pair
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("--basic takes USER:PASSWORD"))?;
        return Ok(Some(AppAuth::Basic {
            user: user.to_string(),
            password: password.to_string(),
        }));
    }
    Ok(None)
}

/// The app as `--json` shows it: its record, then every limit and safety rail with its value
/// (`runs::limits_view`: the same as the admin API's `limits`), notifications and OAuth status.
fn view_json(v: &AppView) -> serde_json::Value {
    let r = &v.record;
    let mut out = json!({
        "id": r.id, "name": r.name, "scimUrl": r.scim_url, "auth": v.auth,
        "state": r.state.as_str(), "deprovision": r.deprovision.as_str(),
        "notifications": r.settings.get("notifications"),
        "oauth": crate::app_oauth::status(&r.settings),
        "settings": r.settings, "created": r.created, "updated": r.updated, "version": r.version,
    });
    if let (Some(map), serde_json::Value::Object(limits)) = (out.as_object_mut(), limits(r)) {
        map.extend(limits);
    }
    out
}

pub(crate) async fn tenant_id(
    stores: &scimitar_store::Stores,
    name: &str,
) -> anyhow::Result<TenantId> {
    let admin = TenantAdmin::new(stores.tenants.clone(), Arc::new(SystemClock));
    Ok(admin.tenant(name).await.map_err(explain)?.id)
}

pub async fn app(settings: Settings, cmd: AppCommand) -> anyhow::Result<()> {
    let stores = settings.open_stores().await?;
    let admin = AppAdmin::new(
        stores.apps.clone(),
        stores.directory.clone(),
        Arc::new(SystemClock),
        settings.secret_key()?,
    );
    match cmd {
        AppCommand::Create {
            name,
            tenant,
            scim_url,
            auth,
            oauth,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            let oauth = oauth.options()?;
            let auth = match auth_from(auth.bearer_token, auth.basic)? {
                Some(_) if oauth.any() => {
                    anyhow::bail!("give either --bearer-token/--basic or OAuth settings, not both")
                }
                Some(a) => a,
                None if oauth.any() => oauth_auth(oauth, None)?,
                None => anyhow::bail!(
                    "give --bearer-token, --basic, or OAuth settings (--oauth-client-credentials, --oauth-authorization-code or --zoho-region)"
                ),
            };
            let v = admin
                .create(t, &name, &scim_url, auth)
                .await
                .map_err(explain)?;
            if settings.json {
                println!("{}", view_json(&v));
            } else {
                println!(
                    "created app '{}' ({}) in tenant '{tenant}', stopped; credentials: {}",
                    v.record.name, v.record.scim_url, v.auth
                );
            }
        }
        AppCommand::List { tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let list = admin.list(t).await.map_err(explain)?;
            if settings.json {
                let v: Vec<_> = list.iter().map(view_json).collect();
                println!("{}", serde_json::Value::Array(v));
            } else {
                println!("{:<24} {:<12} SCIM URL", "NAME", "STATE");
                for v in list {
                    println!(
                        "{:<24} {:<12} {}",
                        v.record.name,
                        v.record.state.as_str(),
                        v.record.scim_url
                    );
                }
            }
        }
        AppCommand::Show { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let v = admin.show(t, &name).await.map_err(explain)?;
            let mut assigned = Vec::new();
            for a in admin.assignments(t, &name).await.map_err(explain)? {
                assigned.push(describe_assignment(&stores, t, a).await?);
            }
            if settings.json {
                let mut body = view_json(&v);
                body["assignments"] = json!(assigned);
                println!("{body}");
            } else {
                print_view(&settings, &v);
                println!(
                    "assigned:     {}",
                    if assigned.is_empty() {
                        "nobody".to_string()
                    } else {
                        assigned.join(", ")
                    }
                );
            }
        }
        AppCommand::Set {
            name,
            tenant,
            scim_url,
            auth,
            oauth,
            deprovision,
            limits,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            // 0 removes the limit (stored as null).
            let LimitArgs {
                concurrency,
                rate_limit,
                timeout,
                attempts,
                escrow_base,
                escrow_cap,
                quarantine_after,
                quarantine_share,
                probe_interval,
                deletion_threshold,
                deletion_share,
                reconcile_interval,
                notify_webhook,
                notify_email,
                notify_events,
            } = *limits;
            let notify =
                crate::app_notify::change_from_args(notify_webhook, notify_email, notify_events);
            let rate_limit = rate_limit.map(|r| {
                if r == 0.0 {
                    serde_json::Value::Null
                } else {
                    json!(r)
                }
            });
            let limits: Vec<(&str, serde_json::Value)> = [
                ("concurrency", concurrency.map(|n| json!(n))),
                ("rate_limit", rate_limit),
                ("timeout", timeout.map(|n| json!(n))),
                ("attempts", attempts.map(|n| json!(n))),
                ("escrow_base", escrow_base.map(|n| json!(n))),
                ("escrow_cap", escrow_cap.map(|n| json!(n))),
                ("quarantine_after", quarantine_after.map(|n| json!(n))),
                ("quarantine_share", quarantine_share.map(|x| json!(x))),
                ("probe_interval", probe_interval.map(|n| json!(n))),
                ("deletion_threshold", deletion_threshold.map(|n| json!(n))),
                ("deletion_share", deletion_share.map(|x| json!(x))),
                ("reconcile_interval", reconcile_interval.map(|n| json!(n))),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
            for (key, value) in &limits {
                scimitar_provisioning::engine::check_limit(key, value)
                    .map_err(|m| anyhow::anyhow!("--{}: {m}", key.replace('_', "-")))?;
            }
            let oauth = oauth.options()?;
            let auth = match auth_from(auth.bearer_token, auth.basic)? {
                Some(_) if oauth.any() => {
                    anyhow::bail!("give either --bearer-token/--basic or OAuth settings, not both")
                }
                Some(a) => Some(a),
                None if oauth.any() => {
                    let app = admin.get(t, &name).await.map_err(explain)?;
                    let current = match admin.open_auth(&app).map_err(explain)? {
                        AppAuth::OAuth(settings) => Some(settings),
                        _ => None,
                    };
                    Some(oauth_auth(oauth, current)?)
                }
                None => None,
            };
            let deprovision = deprovision
                .map(|d| {
                    Deprovision::parse(&d).ok_or_else(|| {
                        anyhow::anyhow!(
                            "--deprovision must be disable, delete or nothing, not '{d}'"
                        )
                    })
                })
                .transpose()?;
            let connection = scim_url.is_some() || auth.is_some() || deprovision.is_some();
            let mut v = None;
            if connection || (limits.is_empty() && notify.is_empty()) {
                v = Some(
                    admin
                        .change(
                            t,
                            &name,
                            scim_url.as_deref(),
                            auth,
                            None::<AppState>,
                            deprovision,
                        )
                        .await
                        .map_err(explain)?,
                );
            }
            for (key, value) in limits {
                let value = (!value.is_null()).then_some(value);
                v = Some(
                    admin
                        .set_setting(t, &name, key, value)
                        .await
                        .map_err(explain)?,
                );
            }
            if !notify.is_empty() {
                v = Some(crate::app_notify::set(&admin, t, &name, &notify).await?);
            }
            if let Some(v) = v {
                print_view(&settings, &v);
            }
        }
        AppCommand::Authorize {
            name,
            tenant,
            no_wait,
            timeout,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            crate::app_oauth::authorize(&settings, &admin, t, &name, no_wait, timeout).await?;
        }
        AppCommand::Test { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let connector = connector(&admin, t, &tenant, &name).await?;
            let report = connector
                .test(ResourceKind::User, "userName")
                .await
                .map_err(failed)?;
            if settings.json {
                println!(
                    "{}",
                    json!({"ok": true, "endpoint": report.endpoint, "filter": report.filter,
                           "ms": report.elapsed.as_millis() as u64, "checks": report.checks})
                );
            } else {
                println!(
                    "connection to '{name}' works ({} ms)",
                    report.elapsed.as_millis()
                );
                for check in report.checks {
                    println!("  ok  {check}");
                }
            }
        }
        AppCommand::NotifyTest { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            crate::app_notify::test(&admin, t, &tenant, &name, settings.json).await?;
        }
        AppCommand::Schema { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let connector = connector(&admin, t, &tenant, &name).await?;
            let caps = connector.discover().await.map_err(failed)?;
            if settings.json {
                println!("{}", serde_json::to_value(&caps)?);
            } else {
                print_capabilities(&caps);
            }
        }
        AppCommand::Assign {
            name,
            tenant,
            target,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            let (a, what) = assignment(&settings, &stores, &tenant, target).await?;
            let added = admin.assign(t, &name, &a).await.map_err(explain)?;
            if settings.json {
                println!("{}", json!({"assigned": what, "new": added}));
            } else if added {
                println!("assigned {what} to '{name}'");
            } else {
                println!("{what} was already assigned to '{name}'");
            }
        }
        AppCommand::Unassign {
            name,
            tenant,
            target,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            let (a, what) = assignment(&settings, &stores, &tenant, target).await?;
            let removed = admin.unassign(t, &name, &a).await.map_err(explain)?;
            if !removed {
                anyhow::bail!("{what} is not assigned to '{name}'");
            }
            if settings.json {
                println!("{}", json!({"unassigned": what}));
            } else {
                println!("unassigned {what} from '{name}'");
            }
        }
        AppCommand::Plan {
            name,
            tenant,
            initial,
        } => crate::app_runs::plan(&settings, &stores, &admin, &tenant, &name, initial).await?,
        AppCommand::Sync {
            name,
            tenant,
            initial,
        } => crate::app_runs::sync(&settings, &stores, &admin, &tenant, &name, initial).await?,
        AppCommand::Start { name, tenant } => {
            set_state(
                &settings,
                &stores,
                &admin,
                &tenant,
                &name,
                AppState::Running,
            )
            .await?
        }
        AppCommand::Stop { name, tenant } => {
            set_state(
                &settings,
                &stores,
                &admin,
                &tenant,
                &name,
                AppState::Stopped,
            )
            .await?
        }
        AppCommand::Logs {
            name,
            tenant,
            run,
            failed,
        } => {
            crate::app_runs::logs(
                &settings,
                &stores,
                &admin,
                &tenant,
                &name,
                run.as_deref(),
                failed,
            )
            .await?
        }
        AppCommand::Reconcile { name, tenant, plan } => {
            crate::app_reconcile::reconcile(&settings, &stores, &admin, &tenant, &name, plan)
                .await?
        }
        AppCommand::ApproveDeletes { name, tenant } => {
            crate::app_runs::approve_deletes(&settings, &stores, &admin, &tenant, &name).await?
        }
        AppCommand::Escrow { name, tenant } => {
            crate::app_runs::escrow(&settings, &stores, &admin, &tenant, &name).await?
        }
        AppCommand::Provision {
            name,
            tenant,
            user,
            group,
        } => {
            let (kind, object) = match (user, group) {
                (Some(u), _) => (ResourceKind::User, u),
                (None, Some(g)) => (ResourceKind::Group, g),
                (None, None) => anyhow::bail!("give --user USERNAME or --group DISPLAYNAME"),
            };
            crate::app_runs::provision(&settings, &stores, &admin, &tenant, &name, kind, &object)
                .await?
        }
        AppCommand::Mappings(cmd) => {
            let tenant = match &cmd {
                MappingsCommand::Export { tenant, .. } | MappingsCommand::Import { tenant, .. } => {
                    tenant.clone()
                }
            };
            let t = tenant_id(&stores, &tenant).await?;
            crate::app_settings::mappings(&admin, t, settings.json, cmd).await?;
        }
        AppCommand::Scope {
            name,
            tenant,
            filter,
            groups,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            crate::app_settings::scope(&admin, t, &name, &filter, groups, settings.json).await?;
        }
        AppCommand::Delete { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            admin.delete(t, &name).await.map_err(explain)?;
            if settings.json {
                println!("{}", json!({"deleted": name}));
            } else {
                println!("deleted app '{name}'");
            }
        }
    }
    Ok(())
}

async fn set_state(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    admin: &AppAdmin,
    tenant: &str,
    name: &str,
    state: AppState,
) -> anyhow::Result<()> {
    let t = tenant_id(stores, tenant).await?;
    let v = admin
        .change(t, name, None, None, Some(state), None)
        .await
        .map_err(explain)?;
    if settings.json {
        println!("{}", view_json(&v));
    } else if state == AppState::Running {
        println!("'{name}' is running: the server provisions changes within seconds");
    } else {
        println!("'{name}' is stopped");
    }
    Ok(())
}

/// An assignment by the name operators know (userName, displayName); the id when the user or
/// group is no longer in the directory.
async fn describe_assignment(
    stores: &scimitar_store::Stores,
    tenant: TenantId,
    a: Assignment,
) -> anyhow::Result<String> {
    let (kind, id, attribute, what) = match a {
        Assignment::AllUsers => return Ok("all users".into()),
        Assignment::User(id) => (ResourceKind::User, id, "userName", "user"),
        Assignment::Group(id) => (ResourceKind::Group, id, "displayName", "group"),
    };
    let stored = stores.directory.get(tenant, kind, &id, false).await?;
    Ok(
        match stored.and_then(|r| r.data[attribute].as_str().map(str::to_string)) {
            Some(name) => format!("{what} {name}"),
            None => format!("{what} {id} (no longer in the directory)"),
        },
    )
}

/// The SCIM connector for app `name`, with its credentials opened.
pub(crate) async fn connector(
    admin: &AppAdmin,
    tenant: TenantId,
    tenant_name: &str,
    name: &str,
) -> anyhow::Result<ScimConnector> {
    let app = admin.get(tenant, name).await.map_err(explain)?;
    connector_for(admin, &app, tenant_name).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A connector error with what to do about it.
pub(crate) fn failed(e: ConnectorError) -> anyhow::Error {
    anyhow::anyhow!("{e}\nhint: {}", e.hint())
}

fn print_capabilities(caps: &Capabilities) {
    println!("PATCH:            {}", caps.patch.as_str());
    println!(
        "filter:           {}{}",
        caps.filter.as_str(),
        caps.max_results
            .map(|m| format!(" (at most {m} results)"))
            .unwrap_or_default()
    );
    println!("Bulk:             {}", caps.bulk.as_str());
    println!("ETag:             {}", caps.etag.as_str());
    println!("sort:             {}", caps.sort.as_str());
    match &caps.resource_types {
        Some(types) => {
            for t in types {
                let count = t.attributes.as_ref().map(Vec::len);
                println!(
                    "resource type:    {} at {} ({}{})",
                    t.name,
                    t.endpoint,
                    t.schema,
                    count
                        .map(|n| format!(", {n} attributes"))
                        .unwrap_or_default()
                );
                for e in &t.extensions {
                    println!("  extension:      {e}");
                }
            }
        }
        None => println!("resource types:   unknown"),
    }
    for note in &caps.notes {
        println!("note:             {note}");
    }
}

/// The rate limit, timeout and attempts the app's runs use (the defaults when not set).
fn limits(app: &scimitar_core::AppRecord) -> serde_json::Value {
    scimitar_provisioning::runs::limits_view(app)
}

/// The limits, safety rails (docs/operations.md) and notifications (docs/notifications.md)
/// `app set` changes.
#[derive(clap::Args, Debug)]
pub struct LimitArgs {
    /// Requests in flight to the app at once during a run, 1-64 (default 8).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: Option<u64>,
    /// Requests per second at most (e.g. 25 or 0.5); 0 removes the limit.
    #[arg(long)]
    pub rate_limit: Option<f64>,
    /// Seconds a request may take, reading the answer included, 1-600 (default 30).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: Option<u64>,
    /// Requests sent at most for one request, retries included, 1-10 (default 4).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10))]
    pub attempts: Option<u64>,
    /// Seconds before the first retry of an object that failed (the escrow), doubling
    /// after each failure, 1-86400 (default 60).
    #[arg(long)]
    pub escrow_base: Option<u64>,
    /// The longest wait between retries of a failed object, seconds (default 3600).
    #[arg(long)]
    pub escrow_cap: Option<u64>,
    /// Failing runs in a row that quarantine the app (default 3).
    #[arg(long)]
    pub quarantine_after: Option<u64>,
    /// The share of a run's objects that must fail for the run to count as failing, above
    /// 0 and at most 1 (default 0.8).
    #[arg(long)]
    pub quarantine_share: Option<f64>,
    /// Seconds between probes of a quarantined app (default 300).
    #[arg(long)]
    pub probe_interval: Option<u64>,
    /// A run may disable or delete at most this many objects without approval (default 500).
    #[arg(long)]
    pub deletion_threshold: Option<u64>,
    /// ... and at most this share of the objects provisioned in the app (default 0.2).
    #[arg(long)]
    pub deletion_share: Option<f64>,
    /// Seconds between reconciles of a continuously provisioned app (default 86400; 0 never).
    #[arg(long)]
    pub reconcile_interval: Option<u64>,
    /// Where to POST notifications (http or https URL); '' removes it.
    #[arg(long, value_name = "URL")]
    pub notify_webhook: Option<String>,
    /// An email recipient of notifications; repeat for several (they replace the old
    /// ones); '' removes them. Needs SCIMITAR_SMTP_URL and SCIMITAR_SMTP_FROM.
    #[arg(long, value_name = "ADDRESS")]
    pub notify_email: Vec<String>,
    /// Which events notify: quarantined, recovered, threshold-stop, run-failed, or all
    /// (the default); comma-separated.
    #[arg(long, value_name = "EVENTS", value_delimiter = ',')]
    pub notify_events: Vec<String>,
}

fn print_view(settings: &Settings, v: &AppView) {
    if settings.json {
        println!("{}", view_json(v));
        return;
    }
    let r = &v.record;
    println!("name:         {}", r.name);
    println!("id:           {}", r.id);
    println!("SCIM URL:     {}", r.scim_url);
    println!("credentials:  {}", v.auth);
    if let Some(status) = crate::app_oauth::status(&r.settings) {
        println!(
            "oauth:        {}",
            crate::app_oauth::describe_status(status)
        );
    }
    println!("state:        {}", r.state.as_str());
    println!("deprovision:  {}", r.deprovision.as_str());
    let limits = limits(r);
    println!("concurrency:  {}", limits["concurrency"]);
    match limits["rateLimit"].as_f64() {
        Some(rate) => println!("rate limit:   {rate} requests per second"),
        None => println!("rate limit:   none"),
    }
    println!("timeout:      {} s per request", limits["timeout"]);
    println!("attempts:     {} per request", limits["attempts"]);
    println!(
        "escrow:       failed objects retried after {} s, doubling up to {} s",
        limits["escrowBase"], limits["escrowCap"]
    );
    println!(
        "quarantine:   after {} failing runs in a row (a run fails when {} of its objects do); probed every {} s",
        limits["quarantineAfter"], limits["quarantineShare"], limits["probeInterval"]
    );
    println!(
        "deletions:    a run may disable or delete {} objects or {} of those provisioned without approval",
        limits["deletionThreshold"], limits["deletionShare"]
    );
    if let Some(why) = limits["stagedDeletes"]["reason"].as_str() {
        println!(
            "staged:       run {} held its disables and deletes ({why}); approve with `scimitar app approve-deletes`",
            limits["stagedDeletes"]["run"]
        );
    }
    match limits["reconciled"]["at"].as_str() {
        Some(at) => println!(
            "reconcile:    every {} s; last at {at}{}",
            limits["reconcileInterval"],
            match limits["reconciled"]["orphans"].as_u64() {
                Some(n) => format!(", {n} orphan(s) in the app"),
                None => String::new(),
            }
        ),
        None => println!(
            "reconcile:    every {} s; not yet",
            limits["reconcileInterval"]
        ),
    }
    if let Some(error) = limits["health"]["lastError"].as_str() {
        println!(
            "health:       {} failing run(s) in a row; last error: {error}",
            limits["health"]["failingRuns"]
        );
    }
    println!("notifications: {}", crate::app_notify::describe(r));
    println!("created:      {}", r.created);
    println!("updated:      {} (version {})", r.updated, r.version);
}
