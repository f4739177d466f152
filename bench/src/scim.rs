//! The SCIM messages the harness sends and the few response fields it reads.
//!
//! Deliberately independent of the server's own crates: the benchmark talks to the server the way
//! a client would, from the RFC 7643/7644 wire format alone.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const BULK_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// The seeded users' names: `user000001@bench.example` for `n = 1`.
pub fn seeded_user_name(n: usize) -> String {
    format!("user{n:06}@bench.example")
}

/// A small but realistic user: name, display name, one primary work email.
pub fn user(user_name: &str, display_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "G", "familyName": "F"},
        "displayName": display_name,
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true
    })
}

pub fn group(display_name: &str) -> Value {
    json!({"schemas": [GROUP_SCHEMA], "displayName": display_name})
}

/// A group created with its members (user ids) in the same request.
pub fn group_with_members<'a>(display_name: &str, ids: impl IntoIterator<Item = &'a str>) -> Value {
    let members: Vec<Value> = ids.into_iter().map(|id| json!({"value": id})).collect();
    json!({"schemas": [GROUP_SCHEMA], "displayName": display_name, "members": members})
}

pub fn replace_display_name(value: &str) -> Value {
    json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "displayName", "value": value}]
    })
}

pub fn add_members<'a>(ids: impl IntoIterator<Item = &'a str>) -> Value {
    let members: Vec<Value> = ids.into_iter().map(|id| json!({"value": id})).collect();
    json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "add", "path": "members", "value": members}]
    })
}

/// RFC 7644 §3.5.2.2: remove one member by a value filter on the path.
pub fn remove_member(id: &str) -> Value {
    json!({
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]
    })
}

/// A Bulk request of user creations; each operation's bulkId is the given key.
pub fn bulk_create_users(users: &[(String, Value)]) -> Value {
    let operations: Vec<Value> = users
        .iter()
        .map(|(bulk_id, data)| {
            json!({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data})
        })
        .collect();
    json!({"schemas": [BULK_SCHEMA], "Operations": operations})
}

/// One operation's outcome in a Bulk response.
#[derive(Debug, PartialEq, Eq)]
pub struct BulkOutcome {
    pub bulk_id: Option<String>,
    pub status: u16,
    /// The created resource's id, from `response.id` or the last segment of `location`.
    pub id: Option<String>,
}

impl BulkOutcome {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub fn parse_bulk_response(body: &Value) -> Result<Vec<BulkOutcome>> {
    let operations = body
        .get("Operations")
        .and_then(Value::as_array)
        .context("Bulk response has no Operations array")?;
    operations.iter().map(parse_bulk_operation).collect()
}

fn parse_bulk_operation(op: &Value) -> Result<BulkOutcome> {
    // RFC 7644 says a string ("201"); accept a number or {"code": ..} too.
    let status = match op.get("status") {
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Some(Value::Object(o)) => o
            .get("code")
            .and_then(|c| {
                c.as_str()
                    .map(str::to_owned)
                    .or(c.as_u64().map(|n| n.to_string()))
            })
            .and_then(|s| s.parse().ok()),
        _ => None,
    };
    let Some(status) = status else {
        bail!("Bulk operation without a readable status: {op}");
    };
    let id = op
        .pointer("/response/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            op.get("location")
                .and_then(Value::as_str)
                .and_then(|l| l.trim_end_matches('/').rsplit('/').next())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        });
    Ok(BulkOutcome {
        bulk_id: op.get("bulkId").and_then(Value::as_str).map(str::to_owned),
        status,
        id,
    })
}

/// What ServiceProviderConfig says about Bulk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkLimits {
    pub max_operations: usize,
    pub max_payload_size: usize,
}

impl BulkLimits {
    pub fn from_service_provider_config(config: &Value) -> Result<Self> {
        let bulk = config
            .get("bulk")
            .context("no bulk in ServiceProviderConfig")?;
        if bulk.get("supported").and_then(Value::as_bool) == Some(false) {
            bail!("the server says Bulk is not supported");
        }
        let number = |key: &str| {
            bulk.get(key)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .with_context(|| format!("no bulk.{key} in ServiceProviderConfig"))
        };
        Ok(Self {
            max_operations: number("maxOperations")?,
            max_payload_size: number("maxPayloadSize")?,
        })
    }
}

/// `totalResults` of a ListResponse.
pub fn total_results(list: &Value) -> Result<u64> {
    list.get("totalResults")
        .and_then(Value::as_u64)
        .context("ListResponse without totalResults")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_sort_and_match_the_brief() {
        assert_eq!(seeded_user_name(1), "user000001@bench.example");
        assert_eq!(seeded_user_name(100_000), "user100000@bench.example");
    }

    #[test]
    fn reads_bulk_outcomes_in_their_several_shapes() {
        let body = json!({"Operations": [
            {"bulkId": "u1", "status": "201", "location": "https://h/scim/v2/Users/abc"},
            {"bulkId": "u2", "status": 201, "response": {"id": "def"}},
            {"bulkId": "u3", "status": {"code": "409"}},
        ]});
        let outcomes = parse_bulk_response(&body).unwrap();
        assert_eq!(outcomes[0].id.as_deref(), Some("abc"));
        assert_eq!(outcomes[1].id.as_deref(), Some("def"));
        assert_eq!(outcomes[2].status, 409);
        assert!(outcomes[0].is_success() && !outcomes[2].is_success());
        assert_eq!(outcomes[2].bulk_id.as_deref(), Some("u3"));
    }

    #[test]
    fn a_bulk_operation_without_status_is_an_error() {
        assert!(parse_bulk_response(&json!({"Operations": [{"bulkId": "x"}]})).is_err());
        assert!(parse_bulk_response(&json!({})).is_err());
    }

    #[test]
    fn reads_bulk_limits() {
        let config = json!({"bulk": {"supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576}});
        let limits = BulkLimits::from_service_provider_config(&config).unwrap();
        assert_eq!(limits.max_operations, 1000);
        assert_eq!(limits.max_payload_size, 1_048_576);
        let off = json!({"bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0}});
        assert!(BulkLimits::from_service_provider_config(&off).is_err());
    }

    #[test]
    fn a_thousand_small_users_fit_in_one_mebibyte() {
        let users: Vec<(String, Value)> = (1..=1000)
            .map(|n| {
                (
                    format!("u{n}"),
                    user(&seeded_user_name(n), &format!("User {n}")),
                )
            })
            .collect();
        let size = serde_json::to_vec(&bulk_create_users(&users))
            .unwrap()
            .len();
        assert!(size < 1_048_576, "{size} bytes");
    }
}
