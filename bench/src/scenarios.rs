//! The scenarios, a to j, and the requests each one sends.
//!
//! Reads pick seeded users at random (seeded generator, so runs are comparable); writes use names
//! no other request uses. The two membership scenarios (h, i) are the same workload on groups of
//! different sizes: each connection adds its own spare user (in no group) and removes it again,
//! so the group is the size it was after every cycle and the two can be compared fairly.

use std::sync::Arc;

use anyhow::{bail, Result};
use bytes::Bytes;
use hyper::Method;
use serde_json::Value;

use crate::http::encode_query_value;
use crate::load::{Check, Planned, Worker, Workload};
use crate::scim;
use crate::seed::Seeded;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Livez,
    GetUser,
    FilterUserName,
    FilterEmail,
    ListPage,
    CreateUser,
    PatchUser,
    GroupSmall,
    GroupBig,
    BulkCreate,
    FilterDisplayNameCo,
    FilterEmailCo,
}

#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub key: char,
    pub name: &'static str,
    pub kind: Kind,
}

pub const ALL: [Scenario; 12] = [
    Scenario {
        key: 'a',
        name: "no-work GET /livez (ceiling)",
        kind: Kind::Livez,
    },
    Scenario {
        key: 'b',
        name: "GET /Users/{id}",
        kind: Kind::GetUser,
    },
    Scenario {
        key: 'c',
        name: "filter userName eq",
        kind: Kind::FilterUserName,
    },
    Scenario {
        key: 'd',
        name: "filter emails.value eq",
        kind: Kind::FilterEmail,
    },
    Scenario {
        key: 'e',
        name: "list page of 100",
        kind: Kind::ListPage,
    },
    Scenario {
        key: 'f',
        name: "POST /Users",
        kind: Kind::CreateUser,
    },
    Scenario {
        key: 'g',
        name: "PATCH replace displayName",
        kind: Kind::PatchUser,
    },
    Scenario {
        key: 'h',
        name: "group of 10",
        kind: Kind::GroupSmall,
    },
    Scenario {
        key: 'i',
        name: "group of 100k",
        kind: Kind::GroupBig,
    },
    Scenario {
        key: 'j',
        name: "Bulk create",
        kind: Kind::BulkCreate,
    },
    Scenario {
        key: 'k',
        name: "filter displayName co",
        kind: Kind::FilterDisplayNameCo,
    },
    Scenario {
        key: 'l',
        name: "filter emails.value co",
        kind: Kind::FilterEmailCo,
    },
];

impl Scenario {
    /// Whether the scenario reads the seeded users.
    pub fn needs_users(&self) -> bool {
        !matches!(self.kind, Kind::Livez | Kind::CreateUser | Kind::BulkCreate)
    }

    pub fn needs_groups(&self) -> bool {
        matches!(self.kind, Kind::GroupSmall | Kind::GroupBig)
    }
}

/// `--only a,c,h` (or `ach`); an empty selection means all, in order.
pub fn select(only: Option<&str>) -> Result<Vec<Scenario>> {
    let Some(only) = only else {
        return Ok(ALL.to_vec());
    };
    let mut wanted = Vec::new();
    for c in only.chars().filter(|c| !matches!(c, ',' | ' ')) {
        let c = c.to_ascii_lowercase();
        match ALL.iter().find(|s| s.key == c) {
            Some(_) if wanted.contains(&c) => {}
            Some(_) => wanted.push(c),
            None => bail!("unknown scenario {c:?} in --only (a to j)"),
        }
    }
    if wanted.is_empty() {
        bail!("--only selects no scenario");
    }
    Ok(ALL
        .iter()
        .filter(|s| wanted.contains(&s.key))
        .copied()
        .collect())
}

/// A scenario bound to the seeded data: what the load engine runs.
pub struct Bound {
    kind: Kind,
    data: Arc<Seeded>,
    bulk_size: usize,
}

impl Bound {
    pub fn new(scenario: Scenario, data: Arc<Seeded>, bulk_size: usize) -> Self {
        Self {
            kind: scenario.kind,
            data,
            bulk_size: bulk_size.max(1),
        }
    }

    fn random_user(&self, worker: &mut Worker) -> (usize, &str) {
        let i = worker.rng.below(self.data.user_ids.len());
        (i + 1, self.data.user_ids.get(i).map_or("", String::as_str))
    }

    fn filter(&self, attribute: &str, worker: &mut Worker) -> String {
        let (n, _) = self.random_user(worker);
        let filter = format!("{attribute} eq \"{}\"", scim::seeded_user_name(n));
        format!("/scim/v2/Users?filter={}", encode_query_value(&filter))
    }

    /// A `co` filter on a substring that names one seeded user (the digits of its number, and
    /// for emails the characters around them), so the result is small and the cost is the
    /// search, not the response.
    fn contains_filter(&self, attribute: &str, worker: &mut Worker) -> String {
        // Numbers in the upper 90% have as many digits as the largest, so their digits name
        // exactly one user ("User 123456" is no other user's substring when there are 1M).
        let users = self.data.user_ids.len().max(1);
        let low = users / 10;
        let n = low + 1 + worker.rng.below(users - low);
        let name = scim::seeded_user_name(n);
        let needle = match attribute {
            "displayName" => format!("User {n}"),
            _ => name
                .get(3..name.find('@').map_or(name.len(), |at| at + 4))
                .unwrap_or(&name)
                .to_string(),
        };
        let filter = format!("{attribute} co \"{needle}\"");
        format!("/scim/v2/Users?filter={}", encode_query_value(&filter))
    }

    fn membership(&self, group: Option<&str>, worker: &mut Worker) -> Planned {
        let group = group.unwrap_or("");
        let spares = &self.data.spare_ids;
        let spare = spares
            .get(worker.index % spares.len().max(1))
            .map_or("", String::as_str);
        let (step, patch) = if worker.iteration % 2 == 0 {
            (0, scim::add_members([spare]))
        } else {
            (1, scim::remove_member(spare))
        };
        planned(
            step,
            Method::PATCH,
            format!("/scim/v2/Groups/{group}"),
            Some(&patch),
        )
    }
}

fn planned(step: usize, method: Method, path: String, body: Option<&Value>) -> Planned {
    Planned {
        step,
        method,
        path,
        body: body.map(|b| Bytes::from(b.to_string())),
        check: Check::Success,
    }
}

impl Workload for Bound {
    fn steps(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::GroupSmall | Kind::GroupBig => &["add member", "remove member"],
            _ => &["request"],
        }
    }

    fn cycle_len(&self) -> u64 {
        match self.kind {
            Kind::GroupSmall | Kind::GroupBig => 2,
            _ => 1,
        }
    }

    fn plan(&self, worker: &mut Worker) -> Planned {
        let (w, it) = (worker.index, worker.iteration);
        match self.kind {
            Kind::Livez => planned(0, Method::GET, "/livez".into(), None),
            Kind::GetUser => {
                let (_, id) = self.random_user(worker);
                planned(0, Method::GET, format!("/scim/v2/Users/{id}"), None)
            }
            Kind::FilterUserName => planned(0, Method::GET, self.filter("userName", worker), None),
            Kind::FilterEmail => planned(0, Method::GET, self.filter("emails.value", worker), None),
            Kind::FilterDisplayNameCo => planned(
                0,
                Method::GET,
                self.contains_filter("displayName", worker),
                None,
            ),
            Kind::FilterEmailCo => planned(
                0,
                Method::GET,
                self.contains_filter("emails.value", worker),
                None,
            ),
            Kind::ListPage => {
                let last_start = self.data.user_ids.len().saturating_sub(99).max(1);
                let start = worker.rng.below(last_start) + 1;
                let path = format!("/scim/v2/Users?startIndex={start}&count=100");
                planned(0, Method::GET, path, None)
            }
            Kind::CreateUser => {
                let name = format!("new-w{w:03}-{it:07}@bench.example");
                let user = scim::user(&name, &format!("New {w} {it}"));
                planned(0, Method::POST, "/scim/v2/Users".into(), Some(&user))
            }
            Kind::PatchUser => {
                let (_, id) = self.random_user(worker);
                let patch = scim::replace_display_name(&format!("Renamed {w} {it}"));
                planned(
                    0,
                    Method::PATCH,
                    format!("/scim/v2/Users/{id}"),
                    Some(&patch),
                )
            }
            Kind::GroupSmall => self.membership(self.data.small_group.as_deref(), worker),
            Kind::GroupBig => self.membership(self.data.big_group.as_deref(), worker),
            Kind::BulkCreate => {
                let users: Vec<(String, Value)> = (0..self.bulk_size)
                    .map(|k| {
                        let name = format!("bulk-w{w:03}-{it:05}-{k:04}@bench.example");
                        (
                            format!("b{k}"),
                            scim::user(&name, &format!("Bulk {w} {it} {k}")),
                        )
                    })
                    .collect();
                let body = scim::bulk_create_users(&users);
                Planned {
                    check: Check::BulkAll {
                        operations: self.bulk_size,
                    },
                    ..planned(0, Method::POST, "/scim/v2/Bulk".into(), Some(&body))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::SplitMix64;

    fn worker(index: usize, iteration: u64) -> Worker {
        Worker {
            index,
            iteration,
            rng: SplitMix64::new(1),
        }
    }

    fn data() -> Arc<Seeded> {
        Arc::new(Seeded {
            user_ids: (1..=200).map(|n| format!("id{n}")).collect(),
            spare_ids: vec!["spare-a".into(), "spare-b".into()],
            small_group: Some("g-small".into()),
            big_group: Some("g-big".into()),
            ..Seeded::default()
        })
    }

    #[test]
    fn selects_scenarios_in_table_order() {
        let keys: Vec<char> = select(Some("c, a,c"))
            .unwrap()
            .iter()
            .map(|s| s.key)
            .collect();
        assert_eq!(keys, vec!['a', 'c']);
        assert_eq!(select(None).unwrap().len(), 12);
        assert!(select(Some("z")).is_err());
        assert!(select(Some(",")).is_err());
    }

    #[test]
    fn membership_adds_then_removes_the_workers_own_spare_user() {
        let bound = Bound::new(ALL[8], data(), 1);
        let add = bound.plan(&mut worker(1, 0));
        assert_eq!((add.step, add.path.as_str()), (0, "/scim/v2/Groups/g-big"));
        let body = String::from_utf8(add.body.unwrap().to_vec()).unwrap();
        assert!(
            body.contains(r#""op":"add""#) && body.contains("spare-b"),
            "{body}"
        );
        let remove = bound.plan(&mut worker(1, 1));
        assert_eq!(remove.step, 1);
        let body = String::from_utf8(remove.body.unwrap().to_vec()).unwrap();
        assert!(body.contains(r#"members[value eq \"spare-b\"]"#), "{body}");
        assert_eq!(bound.cycle_len(), 2);
    }

    #[test]
    fn list_pages_stay_inside_the_seeded_users() {
        let bound = Bound::new(ALL[4], data(), 1);
        let mut w = worker(0, 0);
        for _ in 0..1000 {
            let path = bound.plan(&mut w).path;
            let start: usize = path
                .split("startIndex=")
                .nth(1)
                .and_then(|s| s.split('&').next())
                .and_then(|s| s.parse().ok())
                .unwrap();
            assert!((1..=101).contains(&start), "{path}");
        }
    }

    #[test]
    fn created_names_are_unique_per_worker_and_iteration() {
        let bound = Bound::new(ALL[5], data(), 1);
        let a = bound.plan(&mut worker(0, 1)).body.unwrap();
        let b = bound.plan(&mut worker(1, 0)).body.unwrap();
        let c = bound.plan(&mut worker(0, 2)).body.unwrap();
        assert!(a != b && a != c && b != c);
    }

    #[test]
    fn bulk_requests_carry_bulk_size_users() {
        let bound = Bound::new(ALL[9], data(), 3);
        let planned = bound.plan(&mut worker(0, 0));
        assert!(matches!(planned.check, Check::BulkAll { operations: 3 }));
        let body: Value = serde_json::from_slice(&planned.body.unwrap()).unwrap();
        assert_eq!(body["Operations"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn filters_name_a_seeded_user() {
        let bound = Bound::new(ALL[2], data(), 1);
        let path = bound.plan(&mut worker(0, 0)).path;
        assert!(
            path.starts_with("/scim/v2/Users?filter=userName%20eq%20%22user000"),
            "{path}"
        );
    }

    #[test]
    fn contains_filters_name_one_seeded_user_by_a_unique_substring() {
        let scenarios = Bound::new(ALL[10], data(), 10);
        let mut worker = worker(0, 0);
        let path = scenarios.contains_filter("emails.value", &mut worker);
        assert!(
            path.starts_with("/scim/v2/Users?filter=emails.value%20co%20"),
            "{path}"
        );
        let path = scenarios.contains_filter("displayName", &mut worker);
        assert!(path.contains("User%20"), "{path}");
    }
}
