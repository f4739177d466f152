//! The elements of a multi-valued attribute, wherever they are stored: a JSON array in
//! `r.search`, the `group_members` rows of a group, or the groups a user belongs to directly or
//! through nested groups (a recursive query over `group_members`).
//!
//! Every condition on elements runs inside one subquery per filter leaf (or per value filter), so
//! "one element satisfies all of it" holds; where an index can find the candidates for
//! `value eq "x"` (`user_emails`, the member index), [`Source::has_value`] says how.

use scimitar_scim::schema::AttributeDef;

use super::super::search_doc::fold_case;
use super::operand::Operand;
use super::target::PathError;
use super::{Bind, SqlFragment};

/// The groups user `r` is in: direct memberships, then the groups containing those groups.
/// `UNION` (not `UNION ALL`) so a membership cycle terminates.
const USER_GROUPS: &str = "WITH RECURSIVE anc(gid) AS (\
     SELECT m.group_id FROM group_members m WHERE m.member_id = r.id AND m.member_type = 'User' \
     UNION SELECT m.group_id FROM anc CROSS JOIN group_members m ON m.member_id = anc.gid \
     WHERE m.member_type = 'Group') ";

/// Users under group `?`, directly or through nested groups: the same closure walked downwards,
/// which starts from one group and so uses the primary key instead of visiting every user.
const USERS_UNDER: &str = "r.id IN (WITH RECURSIVE sub(gid) AS (SELECT ? \
     UNION SELECT m.member_id FROM sub CROSS JOIN group_members m ON m.group_id = sub.gid \
     WHERE m.member_type = 'Group') \
     SELECT m.member_id FROM sub CROSS JOIN group_members m ON m.group_id = sub.gid \
     WHERE m.member_type = 'User')";

/// The closure joined to the groups themselves (for `display`), never another tenant's.
const USER_GROUPS_JOIN: &str = "anc JOIN groups g ON g.id = anc.gid AND g.tenant_id = r.tenant_id";

/// `groups.type`: `direct` when the user is a member of the group itself.
const USER_GROUPS_TYPE: &str = "CASE WHEN EXISTS (SELECT 1 FROM group_members d \
     WHERE d.group_id = anc.gid AND d.member_id = r.id) THEN 'direct' ELSE 'indirect' END";

#[derive(Debug)]
pub(super) enum Source {
    /// The JSON array at `path` (an SQL string literal) in `r.search`; `emails` when it is
    /// User.emails, whose values are also rows of `user_emails`.
    Json { path: String, emails: bool },
    /// The members of group `r`.
    Members,
    /// The groups of user `r`, direct and indirect.
    UserGroups,
}

impl Source {
    /// `EXISTS` an element satisfying `cond` (written with [`Source::element`] operands).
    pub(super) fn exists(&self, cond: SqlFragment) -> SqlFragment {
        match self {
            Source::Json { path, .. } => cond.wrap(
                &format!("EXISTS (SELECT 1 FROM json_each(r.search, {path}) j WHERE "),
                ")",
            ),
            Source::Members => cond.wrap(
                "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = r.id AND (",
                "))",
            ),
            Source::UserGroups => cond.wrap(
                &format!("EXISTS ({USER_GROUPS}SELECT 1 FROM {USER_GROUPS_JOIN} WHERE ("),
                "))",
            ),
        }
    }

    /// A NULL-free condition: the attribute has at least one element.
    pub(super) fn non_empty(&self) -> SqlFragment {
        SqlFragment::text(match self {
            Source::Json { path, .. } => json_present(&format!("r.search, {path}")),
            Source::Members => {
                "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = r.id)".into()
            }
            Source::UserGroups => "EXISTS (SELECT 1 FROM group_members m \
                 WHERE m.member_id = r.id AND m.member_type = 'User')"
                .into(),
        })
    }

    /// The value compared within one element: sub-attribute `sub` of a complex attribute, or the
    /// element itself for a simple multi-valued attribute (`sub` is `None`). `label` is the
    /// attribute's canonical name.
    pub(super) fn element(
        &self,
        attr: &'static AttributeDef,
        sub: Option<&'static AttributeDef>,
        label: &str,
    ) -> Result<Operand, PathError> {
        let Some(sub) = sub else {
            return match self {
                Source::Json { .. } => Ok(Operand::new("j.value", attr, label.to_string())),
                _ => self.element(attr, attr.sub("value"), label),
            };
        };
        let label = format!("{label}.{}", sub.name);
        let op = |sql: &str| Ok(Operand::new(sql, sub, label.clone()).not_null());
        match (self, sub.name) {
            (Source::Json { .. }, name) => {
                let sql = format!("json_extract(j.value, {})", json_path(&[name]));
                Ok(Operand::new(sql, sub, label))
            }
            // Ids are server-generated and compared exactly, like `id`.
            (Source::Members, "value") => op("m.member_id").map(Operand::exact),
            // Stored as 'User'/'Group'; `type` is caseExact=false, so compare folded (ASCII).
            (Source::Members, "type") => op("lower(m.member_type)"),
            (Source::UserGroups, "value") => op("anc.gid").map(Operand::exact),
            (Source::UserGroups, "display") => op("g.display_name_ci"),
            (Source::UserGroups, "type") => op(USER_GROUPS_TYPE),
            _ => Err(PathError::NotFilterable(label)),
        }
    }

    /// A condition equivalent to "some element's `value` equals `literal`" that an index can
    /// answer, where one exists.
    pub(super) fn has_value(&self, literal: &str) -> Option<SqlFragment> {
        match self {
            // Uncorrelated on purpose: evaluated once, whatever plan SQLite picks. The index
            // leads with tenant_id, which this fragment does not know, so it seeks once per
            // tenant (few, on SQLite); `r.tenant_id = ?` keeps the caller's tenant only.
            Source::Json { emails: true, .. } => Some(SqlFragment::new(
                "r.seq IN (SELECT e.user_seq FROM user_emails e \
                 WHERE e.tenant_id IN (SELECT t.id FROM tenants t) AND e.value_ci = ?)",
                vec![Bind::Text(fold_case(literal))],
            )),
            Source::Json { .. } => None,
            Source::Members => Some(SqlFragment::new(
                "r.id IN (SELECT m.group_id FROM group_members m WHERE m.member_id = ?)",
                vec![Bind::Text(literal.to_string())],
            )),
            Source::UserGroups => Some(SqlFragment::new(
                USERS_UNDER,
                vec![Bind::Text(literal.to_string())],
            )),
        }
    }

    /// A scalar subquery for sorting: `sub` of the primary element (or else the first one).
    pub(super) fn first(
        &self,
        attr: &'static AttributeDef,
        sub: Option<&'static AttributeDef>,
        label: &str,
    ) -> Result<String, PathError> {
        let elem = self.element(attr, sub, label)?.sql;
        Ok(match self {
            Source::Json { path, .. } => {
                let order = match attr.sub("primary") {
                    Some(p) => format!(
                        "json_extract(j.value, {}) IS NOT 1, j.key",
                        json_path(&[p.name])
                    ),
                    None => "j.key".to_string(),
                };
                format!(
                    "(SELECT {elem} FROM json_each(r.search, {path}) j ORDER BY {order} LIMIT 1)"
                )
            }
            Source::Members => format!(
                "(SELECT {elem} FROM group_members m WHERE m.group_id = r.id \
                 ORDER BY m.member_id LIMIT 1)"
            ),
            Source::UserGroups => format!(
                "({USER_GROUPS}SELECT {elem} FROM {USER_GROUPS_JOIN} ORDER BY anc.gid LIMIT 1)"
            ),
        })
    }
}

/// An SQLite JSON path over canonical schema names, as an SQL string literal: `'$."a"."b"'`.
/// Segments are quoted because URNs contain `:` and `.`; schema names never contain `"`.
pub(super) fn json_path(segments: &[&str]) -> String {
    let mut p = String::from("'$");
    for s in segments {
        p.push_str(".\"");
        p.push_str(&s.replace('\'', "''"));
        p.push('"');
    }
    p.push('\'');
    p
}

/// A NULL-free condition: the JSON array or object `json_each({args})` walks has a member that
/// is present as `pr` sees it (not null, not "", not `[]`), where an object member (an element
/// of `emails`, `manager` in an extension) counts only if one of its own members is present.
/// Two levels are all SCIM's shapes have.
pub(super) fn json_present(args: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM json_each({args}) o WHERE CASE o.type \
         WHEN 'object' THEN EXISTS (SELECT 1 FROM json_each(o.value) k WHERE {}) \
         ELSE {} END)",
        scalar_present("k"),
        scalar_present("o")
    )
}

/// A NULL-free condition on the `json_each` row `alias`.
fn scalar_present(alias: &str) -> String {
    format!(
        "CASE {alias}.type WHEN 'null' THEN 0 WHEN 'text' THEN {alias}.value <> '' \
         WHEN 'array' THEN {alias}.value <> '[]' WHEN 'object' THEN {alias}.value <> '{{}}' \
         ELSE 1 END"
    )
}
