//! List queries on PostgreSQL: the same paging and sorting as SQLite (same cursor format), the
//! filter translated by the PostgreSQL dialect of the filter translator. Each list is one
//! statement, so the page, its computed attributes and its count come from one snapshot: a first
//! page that holds every match proves the total by itself; otherwise the count rides along as a
//! subquery.

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
        if count == 0 {
            let total = count_only(self, tbl, &where_sql, &binds).await?;
            return Ok(ListPage {
                total_results: total,
                items: Vec::new(),
                next_cursor: None,
            });
        }
        let computed = if q.with_computed {
            format!(", {}", super::members::computed_column(kind))
        } else {
            String::new()
        };
        // The page, as one statement; `with_total` adds the count as an uncorrelated subquery,
        // which PostgreSQL runs once, in the same snapshot as the page.
        let page = |with_total: bool| {
            let mut sql = format!("SELECT {SELECT_COLUMNS}{computed}");
            let mut page_binds = Vec::new();
            if with_total {
                sql.push_str(&format!(
                    ", (SELECT COUNT(*) FROM {tbl} r WHERE {where_sql}) AS total"
                ));
                page_binds.extend(binds.iter().cloned());
            }
            sql.push_str(&format!(" FROM {tbl} r WHERE {where_sql}"));
            page_binds.extend(binds.iter().cloned());
            if let Some(s) = after_seq {
                sql.push_str(" AND r.seq > ?");
                page_binds.push(Bind::Int(s));
            }
            let offset_bind = Bind::Int(i64::try_from(offset).unwrap_or(i64::MAX));
            let limit_bind = Bind::Int(i64::try_from(count).unwrap_or(i64::MAX).saturating_add(1));
            if sort.is_none() && offset > 0 {
                // A deep page in seq order: find its first seq on the index alone, instead of
                // reading (and converting) every document before it.
                sql.push_str(&format!(
                    " AND r.seq >= (SELECT r.seq FROM {tbl} r WHERE {where_sql} \
                     ORDER BY r.seq LIMIT 1 OFFSET ?) ORDER BY {order} LIMIT ?"
                ));
                page_binds.extend(binds.iter().cloned());
                page_binds.push(offset_bind);
                page_binds.push(limit_bind);
            } else {
                sql.push_str(&format!(" ORDER BY {order} LIMIT ? OFFSET ?"));
                page_binds.push(limit_bind);
                page_binds.push(offset_bind);
            }
            (numbered(&sql, 1), page_binds)
        };
        // A first page that holds every match proves the total without counting: one statement.
        let alone = offset == 0 && after_seq.is_none();
        let mut rows = Vec::new();
        let mut total = None;
        if alone {
            let (sql, page_binds) = page(false);
            rows = bind_all(sqlx::query(&sql), &page_binds)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            if rows.len() as u64 <= count {
                total = Some(rows.len() as u64);
            }
        }
        if total.is_none() {
            let (sql, page_binds) = page(true);
            rows = bind_all(sqlx::query(&sql), &page_binds)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            total = match rows.first() {
                Some(row) => Some(row.try_get::<i64, _>("total").map_err(backend)?.max(0) as u64),
                // Past the end: no row carries the count.
                None => Some(count_only(self, tbl, &where_sql, &binds).await?),
            };
        }
        let more = rows.len() as u64 > count;
        let mut items = Vec::new();
        let mut last_seq = None;
        for row in rows
            .iter()
            .take(usize::try_from(count).unwrap_or(usize::MAX))
        {
            last_seq = Some(row.try_get::<i64, _>("seq").map_err(backend)?);
            let mut item = resource_from_row(kind, row)?;
            if q.with_computed {
                super::members::read_computed(row, &mut item)?;
            }
            items.push(item);
        }
        let mut next_cursor = None;
        if more && matches!(q.page, PageRequest::Cursor { .. }) {
            next_cursor = Some(match (&sort, last_seq) {
                (None, Some(seq)) => encode_cursor(Cursor::AfterSeq(seq)),
                _ => encode_cursor(Cursor::Offset(offset + count)),
            });
        }
        let total = total.unwrap_or_default();
        Ok(ListPage {
            total_results: total,
            items,
            next_cursor,
        })
    }
}

/// The number of matches alone (a `count=0` request, or a page past the end).
async fn count_only(
    store: &PgStore,
    tbl: &str,
    where_sql: &str,
    binds: &[Bind],
) -> Result<u64, StoreError> {
    let sql = numbered(
        &format!("SELECT COUNT(*) AS n FROM {tbl} r WHERE {where_sql}"),
        1,
    );
    let n: i64 = bind_all(sqlx::query(&sql), binds)
        .fetch_one(&store.pool)
        .await
        .map_err(backend)?
        .try_get("n")
        .map_err(backend)?;
    Ok(n.max(0) as u64)
}
