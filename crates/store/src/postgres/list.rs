//! List queries on PostgreSQL: the same paging and sorting as SQLite (same cursor format), the
//! filter translated by the PostgreSQL dialect of the filter translator. Count and page run in
//! one REPEATABLE READ transaction so they agree.

use scimitar_core::{ListPage, ListQuery, PageRequest, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;
use sqlx::postgres::{PgArguments, Postgres};
use sqlx::query::Query;
use sqlx::Row;

use super::directory::{resource_from_row, SELECT_COLUMNS};
use super::filter_sql::{filter_to_sql, sort_key_sql};
use super::{backend, numbered, PgStore};
use crate::sqlite::filter_sql::Bind;
use crate::sqlite::list::{decode_cursor, encode_cursor, Cursor};
use crate::sqlite::row::table;

fn bind_all<'q>(
    mut q: Query<'q, Postgres, PgArguments>,
    binds: &'q [Bind],
) -> Query<'q, Postgres, PgArguments> {
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

impl PgStore {
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
        let sort = q
            .sort_by
            .as_ref()
            .map(|p| sort_key_sql(kind, p))
            .transpose()?;
        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = match &sort {
            Some(expr) => format!("({expr}) IS NULL, {expr} {dir}, r.seq {dir}"),
            None => "r.seq ASC".to_string(),
        };
        let (count, offset, after_seq) = match &q.page {
            PageRequest::Index { start_index, count } => (*count, start_index.saturating_sub(1), None),
            PageRequest::Cursor { cursor, count } => match cursor.as_deref().map(decode_cursor).transpose()? {
                None => (*count, 0, None),
                Some(Cursor::Offset(o)) => (*count, o, None),
                Some(Cursor::AfterSeq(s)) if sort.is_none() => (*count, 0, Some(s)),
                Some(Cursor::AfterSeq(_)) => {
                    return Err(StoreError::Scim(scimitar_scim::ScimError::new(
                        400,
                        Some(scimitar_scim::ScimType::InvalidCursor),
                        "this cursor belongs to an unsorted listing; repeat the request without sortBy",
                    )))
                }
            },
        };
        let tbl = table(kind);
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let mut items = Vec::new();
        let mut next_cursor = None;
        let mut known_total: Option<u64> = None;
        if count > 0 {
            let mut sql = format!("SELECT {SELECT_COLUMNS} FROM {tbl} r WHERE {where_sql}");
            let mut page_binds = binds.clone();
            if let Some(s) = after_seq {
                sql.push_str(" AND r.seq > ?");
                page_binds.push(Bind::Int(s));
            }
            sql.push_str(&format!(" ORDER BY {order} LIMIT ? OFFSET ?"));
            page_binds.push(Bind::Int(
                i64::try_from(count).unwrap_or(i64::MAX).saturating_add(1),
            ));
            page_binds.push(Bind::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
            let sql = numbered(&sql, 1);
            let rows = bind_all(sqlx::query(&sql), &page_binds)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend)?;
            let more = rows.len() as u64 > count;
            if !more && after_seq.is_none() && (offset == 0 || !rows.is_empty()) {
                known_total = Some(offset + rows.len() as u64);
            }
            let mut last_seq = None;
            for row in rows
                .iter()
                .take(usize::try_from(count).unwrap_or(usize::MAX))
            {
                last_seq = Some(row.try_get::<i64, _>("seq").map_err(backend)?);
                items.push(resource_from_row(kind, row)?);
            }
            if more && matches!(q.page, PageRequest::Cursor { .. }) {
                next_cursor = Some(match (&sort, last_seq) {
                    (None, Some(seq)) => encode_cursor(Cursor::AfterSeq(seq)),
                    _ => encode_cursor(Cursor::Offset(offset + count)),
                });
            }
        }
        let total = match known_total {
            Some(n) => n,
            None => {
                let sql = numbered(
                    &format!("SELECT COUNT(*) AS n FROM {tbl} r WHERE {where_sql}"),
                    1,
                );
                let n: i64 = bind_all(sqlx::query(&sql), &binds)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?
                    .try_get("n")
                    .map_err(backend)?;
                n.max(0) as u64
            }
        };
        if q.with_computed {
            super::members::attach_computed(&mut tx, tenant, kind, &mut items).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(ListPage {
            total_results: total,
            items,
            next_cursor,
        })
    }
}
