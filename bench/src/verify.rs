//! After `--provisioning initial`, the target is read back over SCIM to prove the run did what
//! it says: as many users and groups as were seeded, and every group holding exactly the users
//! the rule in `groups.rs` put in it (compared by userName, since ids differ between the two).
//! A timing of a run that lost objects would be meaningless, so a mismatch fails the benchmark.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use hyper::Method;
use serde_json::Value;

use crate::groups::{group_index, members_of};
use crate::http::{Conn, Target};
use crate::scim::{seeded_user_name, total_results};

const TIMEOUT: Duration = Duration::from_secs(120);
const USER_PAGE: usize = 1000;
const GROUP_PAGE: usize = 100;
/// Problems listed in full; the rest are only counted.
const SHOWN: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    pub users: usize,
    pub groups: usize,
    pub members: usize,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verified {
    pub users: u64,
    pub groups: u64,
    pub memberships: u64,
    pub problems: Vec<String>,
    /// Problems beyond the first few, counted but not listed.
    pub more_problems: usize,
}

impl Verified {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < SHOWN {
            self.problems.push(text);
        } else {
            self.more_problems += 1;
        }
    }

    /// One line for the report.
    pub fn summary(&self, expected: Expected) -> String {
        if self.ok() {
            format!(
                "OK: {} users, {} groups, each with exactly its {} expected members ({} memberships)",
                self.users, self.groups, expected.members, self.memberships
            )
        } else {
            let more = if self.more_problems > 0 {
                format!("; and {} more", self.more_problems)
            } else {
                String::new()
            };
            format!(
                "FAILED: {} users, {} groups, {} memberships in the target; {}{more}",
                self.users,
                self.groups,
                self.memberships,
                self.problems.join("; ")
            )
        }
    }
}

/// Reads the target's users and groups and compares them with what was seeded.
pub async fn verify(target: &Target, expected: Expected) -> Result<Verified> {
    let mut conn = Conn::connect(target).await?;
    let mut verified = Verified {
        users: count(target, "Users").await?,
        ..Verified::default()
    };
    if verified.users != expected.users as u64 {
        verified.problem(format!(
            "GET /Users?count=0 says {} users, {} expected",
            verified.users, expected.users
        ));
    }
    let users = page_all(&mut conn, "Users", "userName", USER_PAGE).await?;
    if users.len() as u64 != verified.users {
        verified.problem(format!(
            "paging /Users returned {} users of {}",
            users.len(),
            verified.users
        ));
    }
    let names: HashMap<&str, &str> = users
        .iter()
        .filter_map(|u| Some((u.get("id")?.as_str()?, u.get("userName")?.as_str()?)))
        .collect();
    verified.groups = count(target, "Groups").await?;
    if verified.groups != expected.groups as u64 {
        verified.problem(format!(
            "GET /Groups?count=0 says {} groups, {} expected",
            verified.groups, expected.groups
        ));
    }
    let groups = page_all(&mut conn, "Groups", "displayName,members", GROUP_PAGE).await?;
    if groups.len() as u64 != verified.groups {
        verified.problem(format!(
            "paging /Groups returned {} groups of {}",
            groups.len(),
            verified.groups
        ));
    }
    let mut seen = HashSet::new();
    for group in &groups {
        let name = group
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ids = group
            .get("members")
            .and_then(Value::as_array)
            .map(|m| m.iter().filter_map(|v| v.get("value")?.as_str()).collect())
            .unwrap_or_else(Vec::new);
        verified.memberships += ids.len() as u64;
        let members: Vec<String> = ids
            .iter()
            .map(|id| match names.get(id) {
                Some(n) => (*n).to_owned(),
                None => format!("(unknown id {id})"),
            })
            .collect();
        match check_group(name, &members, expected) {
            Ok(g) if !seen.insert(g) => verified.problem(format!("group {name} appears twice")),
            Ok(_) => {}
            Err(why) => verified.problem(why),
        }
    }
    Ok(verified)
}

/// Checks one group of the target; returns its index.
pub fn check_group(
    name: &str,
    members: &[String],
    expected: Expected,
) -> std::result::Result<usize, String> {
    let g = group_index(name)
        .filter(|g| *g < expected.groups)
        .ok_or_else(|| format!("unexpected group '{name}'"))?;
    let mut want: Vec<String> = members_of(g, expected.members, expected.users)
        .map(|i| seeded_user_name(i + 1))
        .collect();
    let mut got = members.to_vec();
    want.sort_unstable();
    got.sort_unstable();
    if got == want {
        return Ok(g);
    }
    let missing = want.iter().filter(|w| !got.contains(w)).count();
    let extra: Vec<&String> = got.iter().filter(|m| !want.contains(m)).collect();
    Err(format!(
        "group {name} has {} members, {} expected ({missing} missing, {} unexpected{})",
        got.len(),
        want.len(),
        extra.len(),
        extra
            .first()
            .map(|e| format!(", e.g. {e}"))
            .unwrap_or_default()
    ))
}

/// Every resource of an endpoint with these attributes, page by page.
async fn page_all(
    conn: &mut Conn,
    endpoint: &str,
    attributes: &str,
    count: usize,
) -> Result<Vec<Value>> {
    let mut all = Vec::new();
    loop {
        let path = format!(
            "/scim/v2/{endpoint}?attributes={attributes}&startIndex={}&count={count}",
            all.len() + 1
        );
        let reply = conn.send_within(TIMEOUT, Method::GET, &path, None).await?;
        ensure!(
            reply.is_success(),
            "GET {path}: {} {}",
            reply.status,
            reply.snippet()
        );
        let list = reply.json()?;
        let total = total_results(&list)?;
        let page = list
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let empty = page.is_empty();
        all.extend(page);
        if empty || all.len() as u64 >= total {
            return Ok(all);
        }
    }
}

/// `totalResults` of `GET /{endpoint}?count=0`.
pub async fn count(target: &Target, endpoint: &str) -> Result<u64> {
    let mut conn = Conn::connect(target).await?;
    let path = format!("/scim/v2/{endpoint}?count=0");
    let reply = conn.send_within(TIMEOUT, Method::GET, &path, None).await?;
    ensure!(
        reply.is_success(),
        "GET {path}: {} {}",
        reply.status,
        reply.snippet()
    );
    total_results(&reply.json()?).with_context(|| format!("GET {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: Expected = Expected {
        users: 10,
        groups: 3,
        members: 4,
    };

    fn names(indices: &[usize]) -> Vec<String> {
        indices.iter().map(|i| seeded_user_name(i + 1)).collect()
    }

    #[test]
    fn a_group_with_its_members_in_any_order_passes() {
        assert_eq!(
            check_group("bench-group-000002", &names(&[7, 4, 6, 5]), EXPECTED),
            Ok(1)
        );
        assert_eq!(
            check_group("bench-group-000003", &names(&[8, 9, 0, 1]), EXPECTED),
            Ok(2)
        );
    }

    #[test]
    fn wrong_members_or_names_fail() {
        let err = check_group("bench-group-000001", &names(&[0, 1, 2]), EXPECTED).unwrap_err();
        assert!(err.contains("3 members, 4 expected (1 missing, 0 unexpected"));
        let err = check_group("bench-group-000001", &names(&[0, 1, 2, 9]), EXPECTED).unwrap_err();
        assert!(err.contains("e.g. user000010@bench.example"), "{err}");
        assert!(check_group("bench-group-000004", &[], EXPECTED).is_err());
        assert!(check_group("other", &[], EXPECTED).is_err());
    }

    #[test]
    fn the_summary_lists_a_few_problems_and_counts_the_rest() {
        let mut v = Verified {
            users: 10,
            groups: 3,
            memberships: 12,
            ..Verified::default()
        };
        assert!(v.summary(EXPECTED).starts_with("OK: 10 users, 3 groups"));
        for n in 0..12 {
            v.problem(format!("p{n}"));
        }
        assert!(!v.ok());
        assert_eq!(v.problems.len(), SHOWN);
        assert!(v.summary(EXPECTED).ends_with("p9; and 2 more"));
    }
}
