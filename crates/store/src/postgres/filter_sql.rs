//! SCIM filters (RFC 7644 §3.4.2.2) as PostgreSQL `WHERE` fragments with bound parameters.
//!
//! Why: PostgreSQL must answer every filter exactly as SQLite does (the same matches, the same
//! `400 invalidFilter` details) while its indexes work: `co`/`sw`/`ew` on `userName`,
//! `displayName` and `emails.value` are `LIKE` patterns the pg_trgm GIN indexes serve. The
//! modules mirror `sqlite::filter_sql` one for one; its header lists the semantics, which hold
//! here too.
//!
//! What it must never do: put user text into SQL text, or use the jsonb `?`, `?|`, `?&`
//! operators (every `?` is renumbered `$n`). Literals are [`Bind`]s, each placeholder cast
//! (`?::text`, `?::bigint`, `?::double precision`, `?::boolean`) so PostgreSQL never guesses a
//! type; only canonical schema names are formatted into SQL, as quoted string literals.
//!
//! PostgreSQL's differences: conditions are booleans, not 0/1; strings are ordered by code point
//! (`COLLATE "C"`) whatever the database's collation; JSON values are typed by `jsonb_typeof`
//! before a cast, so a comparison never raises; a literal holding NUL, which PostgreSQL text
//! cannot, is settled in Rust (see `operand`).

#[path = "filter/operand.rs"]
mod operand;
#[path = "filter/sort.rs"]
mod sort;
#[path = "filter/source.rs"]
mod source;
#[path = "filter/target.rs"]
mod target;
#[cfg(test)]
#[path = "filter/tests.rs"]
mod tests;
#[cfg(test)]
#[path = "filter/tests_errors.rs"]
mod tests_errors;
#[cfg(test)]
#[path = "filter/tests_eval.rs"]
mod tests_eval;
#[cfg(test)]
#[path = "filter/tests_explain.rs"]
mod tests_explain;
#[cfg(test)]
#[path = "filter/tests_fixture.rs"]
mod tests_fixture;
#[cfg(test)]
#[path = "filter/tests_groups.rs"]
mod tests_groups;
#[cfg(test)]
#[path = "filter/tests_users.rs"]
mod tests_users;

use scimitar_scim::filter::{AttrPath, CompValue, CompareOp, Filter};
use scimitar_scim::schema::{resource_type, AttributeDef, ResourceKind, ResourceType};
use scimitar_scim::{ScimError, ScimResult};

use self::operand::{compare, present};
use self::source::Source;
use self::target::{resolve, PathError, Target};

pub use self::sort::sort_key_sql;
/// The fragment types are the SQLite translator's, so the stores bind them the same way.
pub use crate::sqlite::filter_sql::{Bind, SqlFragment};

/// A fragment from SQL text and its binds; [`text`] has none.
fn frag(sql: impl Into<String>, binds: Vec<Bind>) -> SqlFragment {
    SqlFragment {
        sql: sql.into(),
        binds,
    }
}
fn text(sql: impl Into<String>) -> SqlFragment {
    frag(sql, Vec::new())
}

/// Building on fragments (the SQLite type's own helpers are private to its module):
/// `prefix || self || suffix` and `(self <op> other)`, binds in text order.
trait FragmentExt: Sized {
    fn wrap(self, prefix: &str, suffix: &str) -> Self;
    fn join(self, op: &str, other: Self) -> Self;
    fn not(self) -> Self {
        self.wrap("NOT (", ")")
    }
}

impl FragmentExt for SqlFragment {
    fn wrap(self, prefix: &str, suffix: &str) -> Self {
        frag(format!("{prefix}{}{suffix}", self.sql), self.binds)
    }
    fn join(mut self, op: &str, other: SqlFragment) -> Self {
        self.sql = format!("({} {op} {})", self.sql, other.sql);
        self.binds.extend(other.binds);
        self
    }
}

/// As on SQLite; a run of one operator (`a or b or c ...`) is one level (a balanced tree).
const MAX_DEPTH: usize = 64;

/// Translate `filter` to a fragment over the main table aliased `r` (`users r` or `groups r`),
/// placeholders written `?` in bind order (the caller renumbers them `$1..$n`). The caller adds
/// `r.tenant_id = $n` itself.
pub fn filter_to_sql(kind: ResourceKind, filter: &Filter) -> ScimResult<SqlFragment> {
    if depth(filter) > MAX_DEPTH {
        return Err(ScimError::invalid_filter(format!(
            "filter is nested too deeply (more than {MAX_DEPTH} levels)"
        )));
    }
    Translator {
        rt: resource_type(kind),
    }
    .filter(filter, &Scope::Resource, false)
}

/// Nesting depth, counting a run of one operator as one level.
fn depth(filter: &Filter) -> usize {
    match filter {
        Filter::And(..) | Filter::Or(..) => {
            let mut terms = Vec::new();
            chain(filter, matches!(filter, Filter::And(..)), &mut terms);
            1 + terms.into_iter().map(depth).max().unwrap_or(0)
        }
        Filter::Not(a) => 1 + depth(a),
        Filter::ValuePath { filter, .. } => 1 + depth(filter),
        Filter::Compare { .. } | Filter::Present(_) => 1,
    }
}

/// The operands of a run of `and` (or of `or`): `a and (b and c)` gives `[a, b, c]`.
fn chain<'f>(f: &'f Filter, is_and: bool, out: &mut Vec<&'f Filter>) {
    match (f, is_and) {
        (Filter::And(a, b), true) | (Filter::Or(a, b), false) => {
            chain(a, is_and, out);
            chain(b, is_and, out);
        }
        _ => out.push(f),
    }
}

/// `(a op b)` nested as a balanced tree, binds in text order. `None` only for no operands.
fn balanced(mut frags: Vec<SqlFragment>, op: &str) -> Option<SqlFragment> {
    if frags.len() <= 1 {
        return frags.pop();
    }
    let right = frags.split_off(frags.len() / 2);
    Some(balanced(frags, op)?.join(op, balanced(right, op)?))
}

/// Where the paths of a (sub-)filter are resolved.
enum Scope<'a> {
    /// Paths name attributes of the resource.
    Resource,
    /// Inside `attr[...]` of a multi-valued attribute: paths name sub-attributes of one element.
    Element {
        src: &'a Source,
        attr: &'static AttributeDef,
        label: &'a str,
    },
    /// Inside `attr[...]` of a single-valued complex attribute: `attr[sub op v]` is
    /// `attr.sub op v`.
    Within { outer: &'a AttrPath },
}

struct Translator {
    rt: &'static ResourceType,
}

impl Translator {
    /// `negated`: the fragment sits under a `NOT`, so leaves must yield 0/1, never NULL.
    fn filter(&self, f: &Filter, scope: &Scope<'_>, negated: bool) -> ScimResult<SqlFragment> {
        match f {
            Filter::And(..) | Filter::Or(..) => {
                let is_and = matches!(f, Filter::And(..));
                let mut terms = Vec::new();
                chain(f, is_and, &mut terms);
                let frags = terms
                    .into_iter()
                    .map(|t| self.filter(t, scope, negated))
                    .collect::<ScimResult<Vec<_>>>()?;
                balanced(frags, if is_and { "AND" } else { "OR" }).ok_or_else(ScimError::internal)
            }
            Filter::Not(a) => Ok(self.filter(a, scope, true)?.not()),
            Filter::Present(path) => self.present(path, scope),
            Filter::Compare {
                path,
                op,
                value: CompValue::Null,
            } => match op {
                CompareOp::Eq => Ok(self.present(path, scope)?.not()),
                CompareOp::Ne => self.present(path, scope),
                // Nothing is greater than, or contains, null (as in the evaluator); the path
                // must still be valid.
                _ => self.present(path, scope).map(|_| text("FALSE")),
            },
            Filter::Compare { path, op, value } => self.compare(path, *op, value, scope, negated),
            Filter::ValuePath { path, filter } => match scope {
                Scope::Resource => self.value_path(path, filter, negated),
                _ => Err(ScimError::invalid_filter(format!(
                    "value filters cannot be nested: '{path}[...]' inside another value filter"
                ))),
            },
        }
    }

    /// `pr`, which is NULL-free by construction.
    fn present(&self, path: &AttrPath, scope: &Scope<'_>) -> ScimResult<SqlFragment> {
        match scope {
            Scope::Resource => match self.target(path)? {
                Target::Value(o) => Ok(present(&o)),
                Target::Whole { present, .. } => Ok(text(present)),
                Target::Elements { src, sub: None, .. } => Ok(src.non_empty()),
                Target::Elements {
                    src,
                    attr,
                    sub: Some(sub),
                    label,
                } => {
                    let o = src
                        .element(attr, Some(sub), &label)
                        .map_err(PathError::for_filter)?;
                    Ok(src.exists(present(&o)))
                }
            },
            Scope::Element { src, attr, label } => {
                let sub = element_sub(attr, path, label)?;
                Ok(present(
                    &src.element(attr, Some(sub), label)
                        .map_err(PathError::for_filter)?,
                ))
            }
            Scope::Within { outer } => self.present(&within(outer, path)?, &Scope::Resource),
        }
    }

    /// A comparison with a non-null literal.
    fn compare(
        &self,
        path: &AttrPath,
        op: CompareOp,
        value: &CompValue,
        scope: &Scope<'_>,
        negated: bool,
    ) -> ScimResult<SqlFragment> {
        match scope {
            Scope::Resource => match self.target(path)? {
                Target::Value(o) => compare(&o, op, value, negated),
                // `manager eq "id"` compares `manager.value`, as the evaluator does.
                Target::Whole {
                    attr: Some(def), ..
                } if def.sub("value").is_some() => {
                    let of_value = AttrPath {
                        sub_attr: Some("value".into()),
                        ..path.clone()
                    };
                    self.compare(&of_value, op, value, scope, negated)
                }
                Target::Whole { label, .. } => Err(complex_compared(&label)),
                Target::Elements {
                    src,
                    attr,
                    sub,
                    label,
                } => {
                    if op == CompareOp::Ne {
                        let eq = self.compare(path, CompareOp::Eq, value, scope, true)?;
                        return Ok(eq.not());
                    }
                    let sub = match sub {
                        Some(sub) => Some(sub),
                        None if attr.is_complex() => {
                            Some(attr.sub("value").ok_or_else(|| complex_compared(&label))?)
                        }
                        None => None,
                    };
                    let o = src
                        .element(attr, sub, &label)
                        .map_err(PathError::for_filter)?;
                    let is_value = match sub {
                        Some(s) => s.name == "value",
                        None => true,
                    };
                    if let (true, CompareOp::Eq, CompValue::Str(s)) = (is_value, op, value) {
                        if let Some(indexed) = src.has_value(s) {
                            // Validate the literal exactly as the generic route would.
                            compare(&o, op, value, negated)?;
                            return Ok(indexed);
                        }
                    }
                    // `emails co "@x"`: the rows of `user_emails`, where a trigram index helps.
                    if let (true, Some(row)) = (is_value, src.value_row(&o)) {
                        return Ok(src.value_rows(compare(&row, op, value, false)?));
                    }
                    Ok(src.exists(compare(&o, op, value, false)?))
                }
            },
            Scope::Element { src, attr, label } => {
                let sub = element_sub(attr, path, label)?;
                compare(
                    &src.element(attr, Some(sub), label)
                        .map_err(PathError::for_filter)?,
                    op,
                    value,
                    negated,
                )
            }
            Scope::Within { outer } => {
                self.compare(&within(outer, path)?, op, value, &Scope::Resource, negated)
            }
        }
    }

    /// `attr[filter]`: one element must satisfy the whole inner filter.
    fn value_path(
        &self,
        path: &AttrPath,
        inner: &Filter,
        negated: bool,
    ) -> ScimResult<SqlFragment> {
        match self.target(path)? {
            Target::Elements {
                src,
                attr,
                sub: None,
                label,
            } if attr.is_complex() => {
                let scope = Scope::Element {
                    src: &src,
                    attr,
                    label: &label,
                };
                let cond = self.filter(inner, &scope, false)?;
                let exists = src.exists(cond);
                // A conjunct `value eq "x"` lets an index find the candidates first.
                match pinned_value(inner).and_then(|v| src.has_value(&v)) {
                    Some(indexed) => Ok(indexed.join("AND", exists)),
                    None => Ok(exists),
                }
            }
            Target::Whole { attr: Some(_), .. } => {
                self.filter(inner, &Scope::Within { outer: path }, negated)
            }
            _ => Err(ScimError::invalid_filter(format!(
                "'{path}[...]' is not valid: a value filter must follow a complex attribute"
            ))),
        }
    }

    fn target(&self, path: &AttrPath) -> ScimResult<Target> {
        let resolved = resolve(self.rt, path).map_err(PathError::for_filter)?;
        target::target(self.rt.kind, resolved).map_err(PathError::for_filter)
    }
}

/// The sub-attribute an inner path of `attr[...]` names.
fn element_sub(
    attr: &'static AttributeDef,
    path: &AttrPath,
    label: &str,
) -> ScimResult<&'static AttributeDef> {
    let unknown =
        || ScimError::invalid_filter(format!("unknown attribute '{label}.{path}' in filter"));
    if path.urn.is_some() || path.sub_attr.is_some() {
        return Err(unknown());
    }
    attr.sub(&path.name).ok_or_else(unknown)
}

/// `outer[inner ...]` on a single-valued complex attribute reads as `outer.inner`.
fn within(outer: &AttrPath, inner: &AttrPath) -> ScimResult<AttrPath> {
    if inner.urn.is_some() || inner.sub_attr.is_some() {
        return Err(ScimError::invalid_filter(format!(
            "unknown attribute '{outer}.{inner}' in filter"
        )));
    }
    Ok(AttrPath {
        urn: outer.urn.clone(),
        name: outer.name.clone(),
        sub_attr: Some(inner.name.clone()),
    })
}

/// The literal of a top-level conjunct `value eq "x"` of a value filter, if there is one.
fn pinned_value(f: &Filter) -> Option<String> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(s),
        } if path.urn.is_none()
            && path.sub_attr.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            Some(s.clone())
        }
        Filter::And(a, b) => pinned_value(a).or_else(|| pinned_value(b)),
        _ => None,
    }
}

fn complex_compared(label: &str) -> ScimError {
    ScimError::invalid_filter(format!(
        "attribute '{label}' is complex: compare one of its sub-attributes instead"
    ))
}
