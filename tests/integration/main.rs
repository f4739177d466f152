//! Integration tests: each test spawns the real `scimitar serve` binary on a random port with a
//! fresh SQLite data directory and talks HTTP to it. Client scenarios are named after the client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod admin_api;
mod admin_runs;
mod admin_settings;
mod app_continuous;
mod app_crash;
mod app_faults;
mod app_limits;
mod app_logs;
mod app_oauth;
mod app_plan;
mod app_reconcile;
mod app_replicas;
mod app_scim2_server;
mod app_sync;
mod app_threshold;
mod app_unique;
mod apps;
mod bad_input;
mod bulk;
mod concurrency;
mod crud;
mod entra;
mod expr;
mod isolation;
mod notify;
mod okta;
mod paging;
mod replicas;
