//! The domain of Scimitar: tenants, tokens, users, groups, the change log and connected apps;
//! the storage traits the SQL backends implement; and the services that enforce the rules on
//! top of them.
//!
//! Nothing here knows about HTTP or SQL: the server calls the services, the services call the
//! traits. Time comes from a [`Clock`] so rules involving time are testable without sleeping.

pub mod app;
pub mod clock;
pub mod error;
pub mod limits;
pub mod oauth;
pub mod password;
pub mod resource;
pub mod secret;
pub mod service;
pub mod store;
pub mod tenant;
pub mod token;

pub use app::{
    AppAuth, AppChange, AppLink, AppName, AppRecord, AppState, Assignment, Deprovision,
    EscrowEntry, RunObjectLog, RunRecord,
};
pub use clock::{Clock, SystemClock};
pub use error::{CoreError, StoreError};
pub use limits::Limits;
pub use oauth::{ClientAuth, OAuthGrant, OAuthSettings};
pub use resource::{
    ChangeOp, ChangeRecord, GroupMembership, ListPage, ListQuery, Member, MemberOp, MemberRef,
    NewResource, PageRequest, PasswordChange, ResourceUpdate, StoredResource,
};
pub use secret::{SecretError, SecretKey};
pub use service::{Directory, TenantContext};
pub use store::{AppStore, DirectoryStore, TenantStore};
pub use tenant::{Tenant, TenantId};
pub use token::{Token, TokenScope};
