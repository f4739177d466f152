//! SCIM filters (RFC 7644 §3.4.2.2) as SQLite `WHERE` fragments with bound parameters.
//!
//! Why: a list or search must never load a tenant's rows into memory to filter them. The
//! translator resolves every attribute path against the resource type's schema, picks the
//! indexed column or membership table where one exists, and otherwise reads the `search`
//! document (see `search_doc`) with JSON1, so case rules and dateTime order match the schema.
//!
//! What it must never do: put user text into SQL text. Literals always travel as [`Bind`]s; the
//! only names formatted into SQL are canonical schema names, never the spelling in the filter.
//!
//! Semantics worth knowing (the in-memory evaluator should agree):
//! - a leaf on an absent attribute is false, and `not (...)` of it is true (leaves are made
//!   NULL-free under `not`);
//! - `x ne v` is `not (x eq v)`: it matches resources where `x` is absent and, for a multi-valued
//!   attribute, resources where no value equals `v`;
//! - `x eq null` is `not (x pr)`, `x ne null` is `x pr`, and any other operator with null is
//!   false;
//! - `pr` is "present and not empty": not null, not "", not `[]`, and for an object (an element
//!   of `emails`, `name`, an extension) some member present, checked two levels deep, which is
//!   as deep as SCIM's shapes go;
//! - a complex attribute compared without a sub-attribute compares its `value`
//!   (`emails eq "a@x"`, `manager eq "id"`);
//! - other comparisons on a multi-valued attribute match when any value matches, and a value
//!   filter (`emails[type eq "work" and value co "@x"]`) needs one element satisfying all of it;
//! - `members.value`, `groups.value` (and `members`, `groups`) compare resource ids exactly, like
//!   `id`; `groups` covers direct and indirect (nested) membership; `groups.display` is the
//!   group's displayName and `groups.type` is `direct` or `indirect`; `members.display`,
//!   `members.$ref`, `groups.$ref` and `meta.location` cannot be filtered (they are rendered from
//!   the request's base URL or other rows) and answer `400 invalidFilter`;
//! - co, sw and ew are defined for strings, references and binaries only; gt, ge, lt and le are
//!   not defined for booleans and binaries.

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

/// A value bound to one `?` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
    Real(f64),
    Null,
}

/// SQL text with `?` placeholders and their values, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SqlFragment {
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl SqlFragment {
    fn new(sql: impl Into<String>, binds: Vec<Bind>) -> Self {
        SqlFragment {
            sql: sql.into(),
            binds,
        }
    }
    fn text(sql: impl Into<String>) -> Self {
        Self::new(sql, Vec::new())
    }
    /// `prefix || self || suffix`, keeping the binds.
    fn wrap(self, prefix: &str, suffix: &str) -> Self {
        SqlFragment {
            sql: format!("{prefix}{}{suffix}", self.sql),
            binds: self.binds,
        }
    }
    /// `(self <op> other)`, binds in text order.
    fn join(mut self, op: &str, other: SqlFragment) -> Self {
        self.sql = format!("({} {op} {})", self.sql, other.sql);
        self.binds.extend(other.binds);
        self
    }
    fn not(self) -> Self {
        self.wrap("NOT (", ")")
    }
}

/// Deeper filters are refused: SQLite limits expression depth (1000), and every level of
/// nesting costs a few levels of SQL. A run of one operator (`a or b or c ...`) is one level: it
/// is written as a balanced tree, so its SQL depth grows with the logarithm of its length.
const MAX_DEPTH: usize = 64;

/// Translate `filter` to a fragment over the main table aliased `r` (`users r` or `groups r`).
/// The caller adds `r.tenant_id = ?` itself.
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
                _ => self.present(path, scope).map(|_| SqlFragment::text("0")),
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
                Target::Whole { present, .. } => Ok(SqlFragment::text(present)),
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
