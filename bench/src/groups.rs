//! The groups the provisioning benchmarks seed in the source directory: `--groups` groups of
//! `--group-members` users each, chosen by a fixed rule so that the target can afterwards be
//! checked member by member (`verify.rs`) without remembering anything.
//!
//! Group g (0-based) is named `bench-group-{g+1:06}` and holds the seeded users
//! `(g * members + k) mod users` for k in 0..members: consecutive, disjoint blocks while
//! groups × members ≤ users (1,000 × 50 of 100,000), wrapping around otherwise.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use bytes::Bytes;
use hyper::Method;

use crate::http::{Conn, Target};
use crate::scim;

const SEED_TIMEOUT: Duration = Duration::from_secs(300);
/// Members per request: the first batch in the POST, the rest by PATCH add.
const MEMBER_BATCH: usize = 1000;

pub fn group_name(g: usize) -> String {
    format!("bench-group-{:06}", g + 1)
}

/// The index of a group named by [`group_name`].
pub fn group_index(name: &str) -> Option<usize> {
    let n: usize = name.strip_prefix("bench-group-")?.parse().ok()?;
    n.checked_sub(1)
}

/// The indices (into the seeded users) of group `g`'s members.
pub fn members_of(g: usize, members: usize, users: usize) -> impl Iterator<Item = usize> {
    (0..members).map(move |k| (g * members + k) % users.max(1))
}

/// A group's members are distinct users only if there are at least as many users.
pub fn check_sizes(groups: usize, members: usize, users: usize) -> Result<()> {
    ensure!(
        groups == 0 || members <= users,
        "--group-members ({members}) must be at most --users ({users})"
    );
    Ok(())
}

/// Creates the groups in the source, `connections` requests in flight; `user_ids[i]` is the id
/// of seeded user i. Returns how long it took.
pub async fn seed(
    target: &Target,
    groups: usize,
    members: usize,
    user_ids: Arc<Vec<String>>,
    connections: usize,
) -> Result<Duration> {
    check_sizes(groups, members, user_ids.len())?;
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections.clamp(1, groups.max(1)) {
        let (target, next, user_ids) = (target.clone(), next.clone(), user_ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::connect(&target).await?;
            loop {
                let g = next.fetch_add(1, Ordering::Relaxed);
                if g >= groups {
                    break;
                }
                let ids: Vec<&str> = members_of(g, members, user_ids.len())
                    .map(|i| user_ids[i].as_str())
                    .collect();
                create(&mut conn, &group_name(g), &ids).await?;
                if (g + 1) % 200 == 0 {
                    eprintln!("  seeded {}/{groups} groups", g + 1);
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await.context("group seeding task")??;
    }
    Ok(started.elapsed())
}

async fn create(conn: &mut Conn, name: &str, ids: &[&str]) -> Result<()> {
    let (first, rest) = ids.split_at(ids.len().min(MEMBER_BATCH));
    let body = scim::group_with_members(name, first.iter().copied());
    let reply = conn
        .send_within(
            SEED_TIMEOUT,
            Method::POST,
            "/scim/v2/Groups",
            Some(Bytes::from(serde_json::to_vec(&body)?)),
        )
        .await?;
    ensure!(
        reply.is_success(),
        "POST /Groups {name}: {} {}",
        reply.status,
        reply.snippet()
    );
    let id = reply
        .json()?
        .get("id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .context("created group has no id")?;
    let path = format!("/scim/v2/Groups/{id}");
    for chunk in rest.chunks(MEMBER_BATCH) {
        let patch = scim::add_members(chunk.iter().copied());
        let reply = conn
            .send_within(
                SEED_TIMEOUT,
                Method::PATCH,
                &path,
                Some(Bytes::from(serde_json::to_vec(&patch)?)),
            )
            .await?;
        ensure!(
            reply.is_success(),
            "PATCH add members to {name}: {} {}",
            reply.status,
            reply.snippet()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(group_name(0), "bench-group-000001");
        assert_eq!(group_index("bench-group-000001"), Some(0));
        assert_eq!(group_index(&group_name(999)), Some(999));
        assert_eq!(group_index("bench-group-000000"), None);
        assert_eq!(group_index("other"), None);
    }

    #[test]
    fn groups_take_consecutive_disjoint_blocks() {
        let g0: Vec<usize> = members_of(0, 50, 100_000).collect();
        let g999: Vec<usize> = members_of(999, 50, 100_000).collect();
        assert_eq!(g0, (0..50).collect::<Vec<_>>());
        assert_eq!(g999, (49_950..50_000).collect::<Vec<_>>());
    }

    #[test]
    fn blocks_wrap_around_the_users_and_stay_distinct() {
        let g: Vec<usize> = members_of(2, 4, 10).collect();
        assert_eq!(g, vec![8, 9, 0, 1]);
        let mut all: Vec<usize> = members_of(7, 10, 10).collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_group_cannot_hold_more_users_than_exist() {
        assert!(check_sizes(1, 11, 10).is_err());
        assert!(check_sizes(0, 11, 10).is_ok());
        assert!(check_sizes(5, 10, 10).is_ok());
    }
}
