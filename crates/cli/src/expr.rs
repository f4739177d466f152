//! `scimitar expr test EXPR --tenant T --user USERNAME`: evaluate a mapping expression against a
//! real user of the directory, the way a mapping would, and print the value it gives (or the
//! parse error, with a caret under the column). The time is now; GUIDs and random strings are
//! fresh on every run, as they would be in a real flow.

use clap::Subcommand;
use scimitar_provisioning::expr::{evaluate, parse, Outcome, ScimSource};
use scimitar_scim::schema::ResourceKind;
use serde_json::json;

use crate::config::Settings;
use crate::lookup::{find_one, tenant_directory};

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
    let (_, directory, ctx) = tenant_directory(&settings, &stores, &tenant).await?;
    let (kind, name) = match (&user, &group) {
        (Some(u), _) => (ResourceKind::User, u),
        (None, Some(g)) => (ResourceKind::Group, g),
        (None, None) => anyhow::bail!("give --user USERNAME or --group DISPLAYNAME"),
    };
    let resource = find_one(&directory, &ctx, kind, name).await?;
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
