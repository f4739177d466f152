//! The domain of Scimitar: tenants, tokens, users, groups and the change log; the storage traits
//! the SQL backends implement; and the services that enforce SCIM's rules on top of them.
//!
//! Nothing here knows about HTTP or SQL: the server calls the services, the services call the
//! traits. Time comes from a [`Clock`] so rules involving time are testable without sleeping.

pub mod clock;
pub mod error;
pub mod limits;
pub mod password;
pub mod resource;
pub mod service;
pub mod store;
pub mod tenant;
pub mod token;

pub use clock::{Clock, SystemClock};
pub use error::{CoreError, StoreError};
pub use limits::Limits;
pub use resource::{
    ChangeOp, ChangeRecord, GroupMembership, ListPage, ListQuery, Member, MemberOp, MemberRef,
    NewResource, PageRequest, PasswordChange, ResourceUpdate, StoredResource,
};
pub use service::{Directory, TenantContext};
pub use store::{DirectoryStore, TenantStore};
pub use tenant::{Tenant, TenantId};
pub use token::{Token, TokenScope};
