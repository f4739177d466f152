//! Connection-owning threads. SQLite calls are synchronous and fast (microseconds), so each
//! store operation runs as ONE job on a thread that owns its connection, with all its
//! statements back to back, and hands its result to the async caller once. (An async driver
//! that crosses threads for every statement and row spent more CPU on hand-offs than SQLite
//! spent on the queries.)
//!
//! Readers: a few threads with read-only connections take jobs from one queue.
//! Writer: one thread with the only read-write connection. It takes every job waiting in its
//! queue, runs them in one `BEGIN IMMEDIATE` transaction, each inside its own SAVEPOINT (a job
//! that fails rolls back alone), commits once, and only then tells each caller its outcome —
//! group commit: under load, many writes share one commit. A job that panics is reported as
//! an error and never takes the thread down.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use scimitar_core::StoreError;

use super::backend;

type ReadJob = Box<dyn FnOnce(&Connection) + Send>;
/// Runs against the writer connection inside the group transaction; returns how to deliver
/// the result once the commit outcome is known.
type WriteJob = Box<dyn FnOnce(&Connection) -> Deliver + Send>;
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;

/// Most jobs committed together.
const MAX_GROUP: usize = 512;

pub(crate) struct Pool {
    readers: flume::Sender<ReadJob>,
    writer: flume::Sender<WriteJob>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -8000; \
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

fn panic_error() -> StoreError {
    StoreError::Backend("a storage job panicked; see the log".into())
}

impl Pool {
    /// Open the writer (running `prepare` on it first: WAL mode, migrations) and the readers.
    pub(crate) fn open(
        path: PathBuf,
        readers: usize,
        prepare: impl FnOnce(&mut Connection) -> Result<(), String>,
    ) -> Result<Pool, String> {
        let mut writer = Connection::open(&path).map_err(|e| e.to_string())?;
        writer
            .execute_batch("PRAGMA journal_mode = WAL;")
            .map_err(|e| e.to_string())?;
        configure(&writer).map_err(|e| e.to_string())?;
        prepare(&mut writer)?;
        let (read_tx, read_rx) = flume::unbounded::<ReadJob>();
        for i in 0..readers {
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(|e| e.to_string())?;
            configure(&conn).map_err(|e| e.to_string())?;
            let rx = read_rx.clone();
            std::thread::Builder::new()
                .name(format!("sqlite-read-{i}"))
                .spawn(move || {
                    while let Ok(job) = rx.recv() {
                        job(&conn);
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        let (write_tx, write_rx) = flume::unbounded::<WriteJob>();
        std::thread::Builder::new()
            .name("sqlite-write".into())
            .spawn(move || writer_loop(&writer, &write_rx))
            .map_err(|e| e.to_string())?;
        Ok(Pool {
            readers: read_tx,
            writer: write_tx,
        })
    }

    /// Run `f` on a reader connection.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = tx.send(in_read_transaction(conn, f));
        });
        self.readers
            .send(job)
            .map_err(|_| StoreError::Backend("the reader threads are gone".into()))?;
        rx.await
            .map_err(|_| StoreError::Backend("a reader thread dropped a job".into()))?
    }

    /// Run `f` in the writer's transaction (in its own savepoint); resolves after the commit.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let result = in_savepoint(conn, f);
            Box::new(move |commit: Result<(), String>| {
                let _ = tx.send(match commit {
                    Ok(()) => result,
                    Err(msg) => Err(StoreError::Backend(format!("commit failed: {msg}"))),
                });
            })
        });
        self.writer
            .send(job)
            .map_err(|_| StoreError::Backend("the writer thread is gone".into()))?;
        rx.await
            .map_err(|_| StoreError::Backend("the writer thread dropped a job".into()))?
    }
}

/// One read transaction for the whole job: its statements see one snapshot (a count and its
/// page agree), and the WAL read lock is taken once instead of once per statement.
fn in_read_transaction<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("BEGIN").map_err(backend)?;
    let result = catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or_else(|_| Err(panic_error()));
    if let Err(e) = conn.execute_batch("COMMIT") {
        let _ = conn.execute_batch("ROLLBACK");
        return Err(backend(e));
    }
    result
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("SAVEPOINT job").map_err(backend)?;
    let result = catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or_else(|_| Err(panic_error()));
    match result {
        Ok(v) => {
            conn.execute_batch("RELEASE job").map_err(backend)?;
            Ok(v)
        }
        Err(e) => {
            if let Err(rollback) = conn.execute_batch("ROLLBACK TO job; RELEASE job") {
                tracing::error!(error = %rollback, "rolling back a failed write job");
            }
            Err(e)
        }
    }
}

fn writer_loop(conn: &Connection, jobs: &flume::Receiver<WriteJob>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        // If the write lock cannot be had (another process holds it past busy_timeout), each
        // job's SAVEPOINT still runs as its own transaction and reports its own failure.
        let grouped = match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "cannot begin a write transaction");
                false
            }
        };
        let delivers: Vec<Deliver> = group.into_iter().map(|job| job(conn)).collect();
        let outcome = if grouped {
            match conn.execute_batch("COMMIT") {
                Ok(()) => Ok(()),
                Err(e) => {
                    tracing::error!(error = %e, "group commit failed; rolling back");
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(e.to_string())
                }
            }
        } else {
            Ok(())
        };
        for deliver in delivers {
            deliver(outcome.clone());
        }
    }
}
