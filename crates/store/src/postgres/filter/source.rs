//! The elements of a multi-valued attribute, wherever they are stored: a JSON array in
//! `r.search`, the `group_members` rows of a group, or the groups a user belongs to directly or
//! through nested groups (a recursive query over `group_members`).
//!
//! Every condition on elements runs inside one subquery per filter leaf (or per value filter), so
//! "one element satisfies all of it" holds. Where an index can find the candidates (`user_emails`
//! by value or by trigram, the member index) the condition is an uncorrelated `IN`, which
//! PostgreSQL runs once (a semi-join, or a hashed subplan under `OR`).

use scimitar_scim::schema::AttributeDef;

use super::operand::{collated, sql_string, Operand};
use super::target::PathError;
use super::{frag, text, Bind, FragmentExt, SqlFragment};
use crate::sqlite::search_doc::fold_case;

/// The groups user `r` is in: direct memberships, then the groups containing those groups.
/// `UNION` (not `UNION ALL`) so a membership cycle terminates.
const USER_GROUPS: &str = "WITH RECURSIVE anc(gid) AS (\
     SELECT m.group_id FROM group_members m WHERE m.member_id = r.id AND m.member_type = 'User' \
     UNION SELECT m.group_id FROM anc JOIN group_members m ON m.member_id = anc.gid \
     WHERE m.member_type = 'Group') ";

/// Users under group `?`, directly or through nested groups: the same closure walked downwards,
/// which starts from one group and so uses the primary key instead of visiting every user.
const USERS_UNDER: &str = "r.id IN (WITH RECURSIVE sub(gid) AS (SELECT ?::text \
     UNION SELECT m.member_id FROM sub JOIN group_members m ON m.group_id = sub.gid \
     WHERE m.member_type = 'Group') \
     SELECT m.member_id FROM sub JOIN group_members m ON m.group_id = sub.gid \
     WHERE m.member_type = 'User')";

/// The closure joined to the groups themselves (for `display`), never another tenant's.
const USER_GROUPS_JOIN: &str = "anc JOIN groups g ON g.id = anc.gid AND g.tenant_id = r.tenant_id";

/// `groups.type`: `direct` when the user is a member of the group itself.
const USER_GROUPS_TYPE: &str = "CASE WHEN EXISTS (SELECT 1 FROM group_members d \
     WHERE d.group_id = anc.gid AND d.member_id = r.id) THEN 'direct' ELSE 'indirect' END";

#[derive(Debug)]
pub(super) enum Source {
    /// The JSON array `array` (a `jsonb` expression over `r.search`); `emails` when it is
    /// User.emails, whose values are also rows of `user_emails`.
    Json { array: String, emails: bool },
    /// The members of group `r`.
    Members,
    /// The groups of user `r`, direct and indirect.
    UserGroups,
}

impl Source {
    /// `EXISTS` an element satisfying `cond` (written with [`Source::element`] operands).
    pub(super) fn exists(&self, cond: SqlFragment) -> SqlFragment {
        match self {
            Source::Json { array, .. } => cond.wrap(
                &format!("EXISTS (SELECT 1 FROM {} j WHERE ", elements(array)),
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
        text(match self {
            Source::Json { array, .. } => json_present(array),
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
                Source::Json { .. } => Ok(Operand::json("j.value".into(), attr, label.into())),
                _ => self.element(attr, attr.sub("value"), label),
            };
        };
        let label = format!("{label}.{}", sub.name);
        let op = |sql: &str| Ok(Operand::new(sql, sub, label.clone()).not_null());
        match (self, sub.name) {
            (Source::Json { .. }, name) => Ok(Operand::json_member("j.value", name, sub, label)),
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
            Source::Json { emails: false, .. } => None,
            // No stored text holds a NUL (see `operand::with_nul`); binding one would fail.
            _ if literal.contains('\0') => Some(text("FALSE")),
            // Uncorrelated on purpose: one seek on the value index (which does not lead with
            // the tenant, unknown to this fragment); `r.tenant_id = ?` keeps the caller's
            // tenant only.
            Source::Json { emails: true, .. } => Some(frag(
                "r.seq IN (SELECT e.user_seq FROM user_emails e WHERE e.value_ci = ?::text)",
                vec![Bind::Text(fold_case(literal))],
            )),
            Source::Members => Some(frag(
                "r.id IN (SELECT m.group_id FROM group_members m WHERE m.member_id = ?::text)",
                vec![Bind::Text(literal.to_string())],
            )),
            Source::UserGroups => Some(frag(USERS_UNDER, vec![Bind::Text(literal.to_string())])),
        }
    }

    /// For User.emails, the `value_ci` of a `user_emails` row, standing for `element`: the
    /// table holds one folded row per email value, and its trigram index serves co/sw/ew.
    pub(super) fn value_row(&self, element: &Operand) -> Option<Operand> {
        match self {
            Source::Json { emails: true, .. } => {
                Some(Operand::new("e.value_ci", element.def, element.label.clone()).not_null())
            }
            _ => None,
        }
    }

    /// Users with a `user_emails` row satisfying `cond` (on [`Source::value_row`]). NULL-free.
    /// Seqs are unique across tenants, so another tenant's row never matches `r`.
    pub(super) fn value_rows(&self, cond: SqlFragment) -> SqlFragment {
        cond.wrap("r.seq IN (SELECT e.user_seq FROM user_emails e WHERE ", ")")
    }

    /// A scalar subquery for sorting: `sub` of the primary element (or else the first one).
    pub(super) fn first(
        &self,
        attr: &'static AttributeDef,
        sub: Option<&'static AttributeDef>,
        label: &str,
    ) -> Result<String, PathError> {
        let o = self.element(attr, sub, label)?;
        let elem = &o.sql;
        let query = match self {
            Source::Json { array, .. } => {
                // json_extract(..) IS NOT 1: JSON true and the number 1 both read as 1.
                let order = match attr.sub("primary") {
                    Some(p) => format!(
                        "COALESCE(j.value -> {} IN ('true'::jsonb, '1'::jsonb), FALSE) DESC, j.n",
                        sql_string(p.name)
                    ),
                    None => "j.n".to_string(),
                };
                format!(
                    "(SELECT {elem} FROM {} WITH ORDINALITY j(value, n) ORDER BY {order} LIMIT 1)",
                    elements(array)
                )
            }
            Source::Members => format!(
                "(SELECT {elem} FROM group_members m WHERE m.group_id = r.id \
                 ORDER BY m.member_id COLLATE \"C\" LIMIT 1)"
            ),
            Source::UserGroups => format!(
                "({USER_GROUPS}SELECT {elem} FROM {USER_GROUPS_JOIN} \
                 ORDER BY anc.gid COLLATE \"C\" LIMIT 1)"
            ),
        };
        Ok(if collated(o.def) {
            format!("{query} COLLATE \"C\"")
        } else {
            query
        })
    }
}

/// `base -> 'a' -> 'b'`: the `jsonb` value at `segments` (canonical schema names) under `base`.
pub(super) fn json_at(base: &str, segments: &[&str]) -> String {
    let mut p = base.to_string();
    for s in segments {
        p.push_str(" -> ");
        p.push_str(&sql_string(s));
    }
    p
}

/// The elements of the `jsonb` array `array` as a set-returning call with one `value` column
/// (aliased by the caller); nothing when it is absent or not an array, so it never raises.
fn elements(array: &str) -> String {
    format!("jsonb_array_elements(CASE jsonb_typeof({array}) WHEN 'array' THEN {array} END)")
}

/// A NULL-free condition: the `jsonb` array or object `value` has a member that is present as
/// `pr` sees it (not null, not "", not `[]`), where an object member (an element of `emails`,
/// `manager` in an extension) counts only if one of its own members is present. Two levels are
/// all SCIM's shapes have. A scalar counts as its own single member, as SQLite's `json_each`
/// reads it.
pub(super) fn json_present(value: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM (SELECT a.value FROM {} a \
         UNION ALL SELECT o.value FROM jsonb_each(CASE jsonb_typeof({value}) \
         WHEN 'object' THEN {value} END) o \
         UNION ALL SELECT {value} WHERE jsonb_typeof({value}) NOT IN ('array', 'object')) o(v) \
         WHERE CASE jsonb_typeof(o.v) \
         WHEN 'object' THEN EXISTS (SELECT 1 FROM jsonb_each(o.v) k WHERE {}) ELSE {} END)",
        elements(value),
        scalar_present("k.value"),
        scalar_present("o.v")
    )
}

/// A NULL-free condition on the non-NULL `jsonb` value `v`.
fn scalar_present(v: &str) -> String {
    format!(
        "CASE jsonb_typeof({v}) WHEN 'null' THEN FALSE WHEN 'string' THEN {v} <> '\"\"'::jsonb \
         WHEN 'array' THEN {v} <> '[]'::jsonb WHEN 'object' THEN {v} <> '{{}}'::jsonb \
         ELSE TRUE END"
    )
}
