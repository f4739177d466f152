//! The data that crosses the storage traits: stored resources, writes, list queries, members
//! and change records. Storage-agnostic.

use scimitar_scim::filter::{AttrPath, Filter};
use scimitar_scim::schema::ResourceKind;
use serde_json::Value;

/// A resource as stored: canonical attribute JSON (with `schemas`, without `id`, `meta`,
/// `password`, `User.groups`, `Group.members`) plus server-assigned fields.
#[derive(Debug, Clone)]
pub struct StoredResource {
    pub kind: ResourceKind,
    pub id: String,
    pub data: Value,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
    /// Group members, when the read asked for computed attributes.
    pub members: Option<Vec<Member>>,
    /// A user's groups (direct and indirect), when the read asked for computed attributes.
    pub groups: Option<Vec<GroupMembership>>,
}

/// One member of a group, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub value: String,
    pub kind: ResourceKind,
    pub display: Option<String>,
}

/// A member reference in a write: the id and, if the client said, its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    pub value: String,
    pub kind: Option<ResourceKind>,
}

/// A user's group, direct or through nested groups (User.groups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMembership {
    pub group_id: String,
    pub display: String,
    pub direct: bool,
}

/// One membership change; a write applies a list of them in order, in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberOp {
    Add(Vec<MemberRef>),
    Remove(Vec<String>),
    ReplaceAll(Vec<MemberRef>),
}

#[derive(Debug, Clone)]
pub struct NewResource {
    pub kind: ResourceKind,
    pub id: String,
    pub data: Value,
    pub password_hash: Option<String>,
    pub members: Vec<MemberRef>,
    pub now: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    Keep,
    Set(String),
}

#[derive(Debug, Clone)]
pub struct ResourceUpdate {
    /// Write only if the stored version is still this one (If-Match, or optimistic PATCH).
    pub expected_version: Option<i64>,
    /// The new attribute document, or `None` to leave it (a members-only PATCH).
    pub data: Option<Value>,
    pub password: PasswordChange,
    pub members: Vec<MemberOp>,
    pub now: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageRequest {
    /// RFC 7644 index paging; `start_index` is 1-based.
    Index { start_index: u64, count: u64 },
    /// RFC 9865 cursor paging; `cursor` is `None` for the first page.
    Cursor { cursor: Option<String>, count: u64 },
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub sort_by: Option<AttrPath>,
    pub descending: bool,
    pub page: PageRequest,
    /// Load the computed attribute: members of groups, groups of users (false when the
    /// projection excludes it).
    pub with_computed: bool,
}

#[derive(Debug, Clone)]
pub struct ListPage {
    pub total_results: u64,
    pub items: Vec<StoredResource>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Create,
    Update,
    Delete,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Create => "create",
            ChangeOp::Update => "update",
            ChangeOp::Delete => "delete",
        }
    }
}

/// One entry of the per-tenant change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    pub position: i64,
    pub kind: ResourceKind,
    pub resource_id: String,
    pub op: ChangeOp,
    pub at: String,
}
