//! List queries: the filter runs in SQL (indexed columns, JSON1 for the rest); sorting and both
//! paging styles — index (`startIndex`/`count`) and cursor (RFC 9865) — happen in SQL as well.

use base64::Engine;
use scimitar_core::{ListPage, ListQuery, PageRequest, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;
use scimitar_scim::{ScimError, ScimType};
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Row, Sqlite};

use super::filter_sql::{filter_to_sql, sort_key_sql, Bind};
use super::row::{resource_from_row, table, SELECT_COLUMNS};
use super::{backend, SqliteStore};

fn bind_all<'q>(
    mut q: Query<'q, Sqlite, SqliteArguments<'q>>,
    binds: &'q [Bind],
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Int(i) => q.bind(*i),
            Bind::Real(f) => q.bind(*f),
            Bind::Null => q.bind(Option::<String>::None),
        };
    }
    q
}

/// Cursor contents: after a sequence number (unsorted) or at an offset (sorted).
enum Cursor {
    AfterSeq(i64),
    Offset(u64),
}

fn encode_cursor(c: Cursor) -> String {
    let raw = match c {
        Cursor::AfterSeq(s) => format!("s{s}"),
        Cursor::Offset(o) => format!("o{o}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(s: &str) -> Result<Cursor, StoreError> {
    let bad = || {
        StoreError::Scim(ScimError::new(
            400,
            Some(ScimType::InvalidCursor),
            format!("cursor '{s}' is not one this server issued"),
        ))
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    match raw.split_at_checked(1) {
        Some(("s", n)) => n.parse().map(Cursor::AfterSeq).map_err(|_| bad()),
        Some(("o", n)) => n.parse().map(Cursor::Offset).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

impl SqliteStore {
    pub(crate) async fn list_resources(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        q: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let mut where_sql = String::from("r.tenant_id = ?");
        let mut binds = vec![Bind::Int(tenant.0)];
        if let Some(f) = &q.filter {
            let frag = filter_to_sql(kind, f)?;
            where_sql.push_str(" AND (");
            where_sql.push_str(&frag.sql);
            where_sql.push(')');
            binds.extend(frag.binds);
        }
        let tbl = table(kind);
        let mut conn = self.read.acquire().await.map_err(backend)?;
        let count_sql = format!("SELECT COUNT(*) AS n FROM {tbl} r WHERE {where_sql}");
        let total: i64 = bind_all(sqlx::query::<Sqlite>(&count_sql), &binds)
            .fetch_one(&mut *conn)
            .await
            .map_err(backend)?
            .try_get("n")
            .map_err(backend)?;

        let sort = match &q.sort_by {
            Some(p) => Some(sort_key_sql(kind, p)?),
            None => None,
        };
        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = match &sort {
            Some(expr) => format!("{expr} {dir}, r.seq {dir}"),
            None => "r.seq ASC".to_string(),
        };
        let (count, offset, after_seq) =
            match &q.page {
                PageRequest::Index { start_index, count } => {
                    (*count, start_index.saturating_sub(1), None)
                }
                PageRequest::Cursor { cursor, count } => {
                    match cursor.as_deref().map(decode_cursor).transpose()? {
                        None => (*count, 0, None),
                        Some(Cursor::Offset(o)) => (*count, o, None),
                        Some(Cursor::AfterSeq(s)) if sort.is_none() => (*count, 0, Some(s)),
                        Some(Cursor::AfterSeq(_)) => return Err(StoreError::Scim(ScimError::new(
                            400,
                            Some(ScimType::InvalidCursor),
                            "this cursor belongs to an unsorted listing; repeat the same sortBy",
                        ))),
                    }
                }
            };
        let mut items = Vec::new();
        let mut next_cursor = None;
        if count > 0 {
            let mut sql = format!("SELECT {SELECT_COLUMNS} FROM {tbl} r WHERE {where_sql}");
            let mut page_binds = binds;
            if let Some(s) = after_seq {
                sql.push_str(" AND r.seq > ?");
                page_binds.push(Bind::Int(s));
            }
            let offset_i = i64::try_from(offset).unwrap_or(i64::MAX);
            sql.push_str(&format!(" ORDER BY {order} LIMIT ? OFFSET ?"));
            page_binds.push(Bind::Int(count as i64 + 1));
            page_binds.push(Bind::Int(offset_i));
            let rows = bind_all(sqlx::query::<Sqlite>(&sql), &page_binds)
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?;
            let more = rows.len() as u64 > count;
            let mut last_seq = 0i64;
            for row in rows.iter().take(count as usize) {
                last_seq = row.try_get("seq").map_err(backend)?;
                items.push(resource_from_row(kind, row)?);
            }
            if more && matches!(q.page, PageRequest::Cursor { .. }) {
                next_cursor = Some(match sort {
                    None => encode_cursor(Cursor::AfterSeq(last_seq)),
                    Some(_) => encode_cursor(Cursor::Offset(offset + count)),
                });
            }
        }
        if q.with_members && kind == ResourceKind::Group {
            for item in &mut items {
                item.members = Some(super::members::list(&mut conn, tenant, &item.id).await?);
            }
        }
        Ok(ListPage {
            total_results: total.max(0) as u64,
            items,
            next_cursor,
        })
    }
}
