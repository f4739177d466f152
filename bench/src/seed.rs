//! Seeding through the public API: N users by Bulk (batches sized from ServiceProviderConfig,
//! several requests in flight), a few spare users that belong to no group, and the two groups the
//! membership scenarios compare (10 members and up to 100,000 members).
//!
//! Seeding must be complete or fail loudly: a benchmark over a half-seeded database would print
//! figures that mean nothing, so any failed operation aborts the run.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use bytes::Bytes;
use hyper::Method;
use serde_json::Value;

use crate::http::{Conn, Target};
use crate::scim::{self, BulkLimits};

const SEED_TIMEOUT: Duration = Duration::from_secs(300);
/// Members per PATCH operation when filling the big group.
const MEMBER_BATCH: usize = 1000;
/// Room left under maxPayloadSize for the request envelope and misjudged sizes.
const PAYLOAD_MARGIN: usize = 4096;

pub struct SeedPlan {
    pub users: usize,
    /// Users outside every group, one per load connection, for the add/remove-member scenarios.
    pub spares: usize,
    pub small_group: usize,
    pub big_group: usize,
    pub groups: bool,
    pub connections: usize,
    pub bulk_size: usize,
}

/// What the scenarios need to know about the seeded data.
#[derive(Default)]
pub struct Seeded {
    pub user_ids: Vec<String>,
    pub spare_ids: Vec<String>,
    pub small_group: Option<String>,
    pub big_group: Option<String>,
    pub small_group_members: usize,
    pub big_group_members: usize,
    pub users_time: Duration,
    pub groups_time: Duration,
}

pub fn spare_user_name(n: usize) -> String {
    format!("spare{n:04}@bench.example")
}

pub async fn service_provider_limits(target: &Target) -> Result<BulkLimits> {
    let mut conn = Conn::connect(target).await?;
    let reply = conn
        .send_within(
            SEED_TIMEOUT,
            Method::GET,
            "/scim/v2/ServiceProviderConfig",
            None,
        )
        .await?;
    ensure!(
        reply.is_success(),
        "GET ServiceProviderConfig: {} {}",
        reply.status,
        reply.snippet()
    );
    BulkLimits::from_service_provider_config(&reply.json()?)
}

/// Refuses to seed into a database that already has users (a reused --database-url).
pub async fn ensure_empty(target: &Target) -> Result<()> {
    let mut conn = Conn::connect(target).await?;
    let reply = conn
        .send_within(SEED_TIMEOUT, Method::GET, "/scim/v2/Users?count=0", None)
        .await?;
    ensure!(
        reply.is_success(),
        "GET /Users?count=0: {} {}",
        reply.status,
        reply.snippet()
    );
    let total = scim::total_results(&reply.json()?)?;
    ensure!(
        total == 0,
        "the database already holds {total} users: point --database-url at an empty database"
    );
    Ok(())
}

pub async fn seed(target: &Target, plan: &SeedPlan, limits: BulkLimits) -> Result<Seeded> {
    let started = Instant::now();
    let total = plan.users + plan.spares;
    let mut ids = create_users(target, total, plan, limits).await?;
    let spare_ids = ids.split_off(plan.users);
    let mut seeded = Seeded {
        user_ids: ids,
        spare_ids,
        users_time: started.elapsed(),
        ..Seeded::default()
    };
    if plan.groups {
        let started = Instant::now();
        let mut conn = Conn::connect(target).await?;
        seeded.small_group_members = plan.small_group.min(plan.users);
        seeded.big_group_members = plan.big_group.min(plan.users);
        let small = create_group(&mut conn, "bench-small").await?;
        add_members(
            &mut conn,
            &small,
            &seeded.user_ids[..seeded.small_group_members],
        )
        .await?;
        let big = create_group(&mut conn, "bench-big").await?;
        add_members(
            &mut conn,
            &big,
            &seeded.user_ids[..seeded.big_group_members],
        )
        .await?;
        seeded.small_group = Some(small);
        seeded.big_group = Some(big);
        seeded.groups_time = started.elapsed();
    }
    Ok(seeded)
}

fn seed_user(index: usize, users: usize) -> Value {
    let (name, display) = if index < users {
        (
            scim::seeded_user_name(index + 1),
            format!("User {}", index + 1),
        )
    } else {
        let n = index - users + 1;
        (spare_user_name(n), format!("Spare {n}"))
    };
    scim::user(&name, &display)
}

/// Creates users `0..total` by Bulk and returns their ids in order.
async fn create_users(
    target: &Target,
    total: usize,
    plan: &SeedPlan,
    limits: BulkLimits,
) -> Result<Vec<String>> {
    let users = plan.users;
    let sizes: Vec<usize> = (0..total)
        .map(|i| serde_json::to_vec(&seed_user(i, users)).map_or(0, |v| v.len()) + 80)
        .collect();
    let max_ops = plan.bulk_size.min(limits.max_operations).max(1);
    let max_bytes = limits.max_payload_size.saturating_sub(PAYLOAD_MARGIN);
    let batches = Arc::new(split_by_limits(&sizes, max_ops, max_bytes)?);
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..plan.connections.max(1) {
        let (target, batches, next, done) =
            (target.clone(), batches.clone(), next.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(&target).await?;
            let mut created = Vec::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                let Some(range) = batches.get(b) else { break };
                created.push((
                    range.start,
                    bulk_batch(&mut conn, range.clone(), users).await?,
                ));
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                if finished % 10 == 0 || finished == batches.len() {
                    eprintln!("  seeded {finished}/{} Bulk requests", batches.len());
                }
            }
            anyhow::Ok(created)
        }));
    }
    let mut ids = vec![String::new(); total];
    for task in tasks {
        for (start, batch_ids) in task.await.context("seeding task")?? {
            for (offset, id) in batch_ids.into_iter().enumerate() {
                ids[start + offset] = id;
            }
        }
    }
    ensure!(ids.iter().all(|id| !id.is_empty()), "some users got no id");
    Ok(ids)
}

async fn bulk_batch(conn: &mut Conn, range: Range<usize>, users: usize) -> Result<Vec<String>> {
    let start = range.start;
    let ops: Vec<(String, Value)> = range
        .clone()
        .map(|i| (format!("u{i}"), seed_user(i, users)))
        .collect();
    let body = serde_json::to_vec(&scim::bulk_create_users(&ops))?;
    let reply = conn
        .send_within(
            SEED_TIMEOUT,
            Method::POST,
            "/scim/v2/Bulk",
            Some(body.into()),
        )
        .await?;
    ensure!(
        reply.is_success(),
        "Bulk seed request: {} {}",
        reply.status,
        reply.snippet()
    );
    let mut ids = vec![String::new(); range.len()];
    for outcome in scim::parse_bulk_response(&reply.json()?)? {
        if !outcome.is_success() {
            bail!("a seeding Bulk operation failed: {outcome:?}");
        }
        let index = outcome
            .bulk_id
            .as_deref()
            .and_then(|b| b.strip_prefix('u'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|i| range.contains(i))
            .with_context(|| format!("unexpected bulkId in {outcome:?}"))?;
        ids[index - start] = outcome.id.context("a created user without an id")?;
    }
    Ok(ids)
}

async fn create_group(conn: &mut Conn, name: &str) -> Result<String> {
    let body = Bytes::from(serde_json::to_vec(&scim::group(name))?);
    let reply = conn
        .send_within(SEED_TIMEOUT, Method::POST, "/scim/v2/Groups", Some(body))
        .await?;
    ensure!(
        reply.is_success(),
        "POST /Groups: {} {}",
        reply.status,
        reply.snippet()
    );
    reply
        .json()?
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .context("created group has no id")
}

async fn add_members(conn: &mut Conn, group: &str, ids: &[String]) -> Result<()> {
    let path = format!("/scim/v2/Groups/{group}");
    for chunk in ids.chunks(MEMBER_BATCH) {
        let patch = scim::add_members(chunk.iter().map(String::as_str));
        let body = Bytes::from(serde_json::to_vec(&patch)?);
        let reply = conn
            .send_within(SEED_TIMEOUT, Method::PATCH, &path, Some(body))
            .await?;
        ensure!(
            reply.is_success(),
            "PATCH add members: {} {}",
            reply.status,
            reply.snippet()
        );
    }
    Ok(())
}

/// Splits items into consecutive batches of at most `max_ops` items and `max_bytes` bytes.
pub fn split_by_limits(
    sizes: &[usize],
    max_ops: usize,
    max_bytes: usize,
) -> Result<Vec<Range<usize>>> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, &size) in sizes.iter().enumerate() {
        ensure!(
            size <= max_bytes,
            "one user ({size} bytes) exceeds the Bulk payload limit"
        );
        if i > start && (i - start == max_ops || bytes + size > max_bytes) {
            batches.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < sizes.len() {
        batches.push(start..sizes.len());
    }
    Ok(batches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_by_count() {
        let batches = split_by_limits(&[10; 2500], 1000, 1 << 20).unwrap();
        assert_eq!(batches, vec![0..1000, 1000..2000, 2000..2500]);
    }

    #[test]
    fn splits_by_bytes() {
        let batches = split_by_limits(&[400; 10], 1000, 1000).unwrap();
        assert_eq!(batches, vec![0..2, 2..4, 4..6, 6..8, 8..10]);
    }

    #[test]
    fn empty_and_oversized() {
        assert!(split_by_limits(&[], 10, 10).unwrap().is_empty());
        assert!(split_by_limits(&[11], 10, 10).is_err());
    }

    #[test]
    fn spare_users_follow_the_seeded_ones() {
        assert_eq!(seed_user(0, 2)["userName"], "user000001@bench.example");
        assert_eq!(seed_user(2, 2)["userName"], "spare0001@bench.example");
    }
}
