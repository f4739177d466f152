//! `scimitar expr test EXPR --tenant T --user USERNAME`: evaluate a mapping expression against a
//! real user of the directory, the way a mapping would, and print the value it gives (or the
//! parse error, with a caret under the column). The time is now; GUIDs and random strings are
//! fresh on every run, as they would be in a real flow.

use std::sync::Arc;

use clap::Subcommand;
use scimitar_core::service::{ListParams, TenantAdmin};
use scimitar_core::{Directory, Limits, SystemClock, TenantContext};
use scimitar_provisioning::expr::{evaluate, parse, Outcome, ScimSource};
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use crate::admin::explain;
use crate::config::Settings;

#[derive(Subcommand, Debug)]
pub enum ExprCommand {
    /// Evaluate EXPR against one user (by userName) or group (by displayName).
    Test {
        expression: String,
        #[arg(long)]
        tenant: String,
        #[arg(long, conflicts_with = "group", required_unless_present = "group")]
        user: Option<String>,
        #[arg(long)]
        group: Option<String>,
    },
}

/// `s` as a SCIM filter string literal.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub async fn expr(settings: Settings, cmd: ExprCommand) -> anyhow::Result<()> {
    let ExprCommand::Test {
        expression,
        tenant,
        user,
        group,
    } = cmd;
    // Parse first: a broken expression needs no database.
    let parsed = parse(&expression).map_err(|e| anyhow::anyhow!("{e}"))?;
    let stores = settings.open_stores().await?;
    let tenant = TenantAdmin::new(stores.tenants.clone(), Arc::new(SystemClock))
        .tenant(&tenant)
        .await
        .map_err(explain)?;
    let directory = Directory::new(
        stores.directory.clone(),
        Arc::new(SystemClock),
        Limits::default(),
    );
    let ctx = TenantContext {
        tenant: tenant.id,
        policy: tenant.policy.clone(),
        base_url: settings
            .file
            .public_url
            .clone()
            .unwrap_or_else(|| "http://localhost/scim/v2".into()),
    };
    let (kind, filter, what) = match (&user, &group) {
        (Some(u), _) => (
            ResourceKind::User,
            format!("userName eq {}", quoted(u)),
            format!("user '{u}'"),
        ),
        (None, Some(g)) => (
            ResourceKind::Group,
            format!("displayName eq {}", quoted(g)),
            format!("group '{g}'"),
        ),
        (None, None) => anyhow::bail!("give --user USERNAME or --group DISPLAYNAME"),
    };
    let params = ListParams {
        filter: Some(filter),
        count: Some(2),
        ..ListParams::default()
    };
    let list = directory.list(&ctx, kind, &params).await.map_err(explain)?;
    let found = list["Resources"].as_array().cloned().unwrap_or_default();
    let resource = match found.as_slice() {
        [one] => one.clone(),
        [] => anyhow::bail!("no {what} in tenant '{}'", tenant.name),
        _ => anyhow::bail!("more than one {what} in tenant '{}'", tenant.name),
    };
    let now = time::OffsetDateTime::now_utc();
    let source = ScimSource::new(kind, &resource, now);
    let outcome = evaluate(&parsed, &source).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (label, value) = match &outcome {
        Outcome::Value(v) => ("value", v.to_json()),
        Outcome::Ignore => ("ignore", serde_json::Value::Null),
        Outcome::Candidates(c) => ("candidates", json!(c)),
    };
    if settings.json {
        println!(
            "{}",
            json!({"outcome": label, "value": value, "id": resource["id"]})
        );
    } else {
        match outcome {
            Outcome::Value(v) if v.is_null() => {
                println!("null (the attribute would be cleared in the app)")
            }
            Outcome::Value(_) => println!("{value}"),
            Outcome::Ignore => {
                println!("(no value: IgnoreFlowIfNullOrEmpty leaves the attribute out of the flow)")
            }
            Outcome::Candidates(c) => {
                println!("candidates, tried in order until one is unique in the app:");
                for v in c {
                    println!("  {v}");
                }
            }
        }
    }
    Ok(())
}
