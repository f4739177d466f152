//! List queries: the filter runs in SQL (indexed columns, JSON1 for the rest); sorting and both
//! paging styles — index (`startIndex`/`count`) and cursor (RFC 9865) — happen in SQL as well.
//! The count and the page are read in one job, inside one read transaction, so they agree.

use base64::Engine;
use rusqlite::{params_from_iter, Connection};
use scimitar_core::{ListPage, ListQuery, PageRequest, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;
use scimitar_scim::{ScimError, ScimType};

use super::filter_sql::{filter_to_sql, sort_key_sql, Bind};
use super::row::{resource_from_row, sql_value, table, SELECT_COLUMNS};
use super::{backend, members};

/// Cursor contents: after a sequence number (unsorted) or at an offset (sorted).
pub(crate) enum Cursor {
    AfterSeq(i64),
    Offset(u64),
}

pub(crate) fn encode_cursor(c: Cursor) -> String {
    let raw = match c {
        Cursor::AfterSeq(s) => format!("s{s}"),
        Cursor::Offset(o) => format!("o{o}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn invalid_cursor(detail: String) -> StoreError {
    StoreError::Scim(ScimError::new(400, Some(ScimType::InvalidCursor), detail))
}

pub(crate) fn decode_cursor(s: &str) -> Result<Cursor, StoreError> {
    let bad = || invalid_cursor(format!("cursor '{s}' is not one this server issued"));
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

pub(crate) fn list(
    conn: &Connection,
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
        PageRequest::Cursor { cursor, count } => {
            match cursor.as_deref().map(decode_cursor).transpose()? {
                None => (*count, 0, None),
                Some(Cursor::Offset(o)) => (*count, o, None),
                Some(Cursor::AfterSeq(s)) if sort.is_none() => (*count, 0, Some(s)),
                Some(Cursor::AfterSeq(_)) => return Err(invalid_cursor(
                    "this cursor belongs to an unsorted listing; repeat the request without sortBy"
                        .into(),
                )),
            }
        }
    };
    let tbl = table(kind);
    let mut items = Vec::new();
    let mut next_cursor = None;
    // The total is known without counting when the page is not full and either starts at the
    // beginning or holds rows: an account lookup is then one statement, not two.
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
        let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
        let rows = stmt
            .query_map(params_from_iter(page_binds.iter().map(sql_value)), |r| {
                Ok((r.get::<_, i64>(0)?, resource_from_row(kind, r)?))
            })
            .map_err(backend)?;
        let mut fetched = Vec::new();
        for row in rows {
            fetched.push(row.map_err(backend)?);
        }
        let more = fetched.len() as u64 > count;
        if !more && after_seq.is_none() && (offset == 0 || !fetched.is_empty()) {
            known_total = Some(offset + fetched.len() as u64);
        }
        fetched.truncate(usize::try_from(count).unwrap_or(usize::MAX));
        let last_seq = fetched.last().map(|(seq, _)| *seq);
        items = fetched.into_iter().map(|(_, r)| r).collect();
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
            let count_sql = format!("SELECT COUNT(*) FROM {tbl} r WHERE {where_sql}");
            let n: i64 = conn
                .prepare_cached(&count_sql)
                .and_then(|mut s| {
                    s.query_row(params_from_iter(binds.iter().map(sql_value)), |r| r.get(0))
                })
                .map_err(backend)?;
            n.max(0) as u64
        }
    };
    if q.with_computed {
        members::attach_computed(conn, tenant, kind, &mut items)?;
    }
    Ok(ListPage {
        total_results: total,
        items,
        next_cursor,
    })
}
