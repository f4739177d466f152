//! Log retention: run logs (`app_runs` and each run's per-object log) older than the retention
//! period are deleted by `scimitar serve`, at start and then every hour, so the database does
//! not grow without end. Each app's newest runs are kept whatever their age (the newest
//! finished one records where the next incremental run starts), and a running run is never
//! touched. The period is `run_log_retention_days` in the config file or
//! `SCIMITAR_RUN_LOG_RETENTION_DAYS` (default 30; 0 keeps everything).

use std::time::Duration;

use scimitar_core::clock::format_timestamp;

/// Days run logs are kept, unless configured.
pub const DEFAULT_DAYS: u64 = 30;
/// Runs of each app kept whatever their age.
const KEEP_PER_APP: i64 = 20;
const EVERY: Duration = Duration::from_secs(3600);

/// Prune now and every hour, until the process ends; `days == 0` keeps everything.
pub fn spawn(apps: std::sync::Arc<dyn scimitar_core::AppStore>, days: u64) {
    if days == 0 {
        return;
    }
    tokio::spawn(async move {
        loop {
            let cut = time::OffsetDateTime::now_utc() - time::Duration::days(days as i64);
            match apps.prune_runs(&format_timestamp(cut), KEEP_PER_APP).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(runs = n, days, "pruned old run logs"),
                Err(e) => tracing::warn!("pruning old run logs failed: {e}"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
