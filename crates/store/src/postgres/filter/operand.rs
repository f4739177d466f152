//! One comparison: an SQL expression holding an attribute's value, an operator and a literal.
//!
//! The schema's rules are the SQLite translator's (same operators per type, same literals, same
//! messages); what differs is how PostgreSQL is told: every placeholder carries a cast, `co`,
//! `sw` and `ew` are `LIKE` patterns (escaped in Rust, so user text is never a wildcard) that a
//! trigram index can serve, strings are ordered with `COLLATE "C"` (code point order, as SQLite
//! compares), and a JSON value is typed with `jsonb_typeof` before it is cast. The literal is
//! always a bind, never SQL text.

use scimitar_scim::filter::{CompValue, CompareOp};
use scimitar_scim::schema::{AttrType, AttributeDef};
use scimitar_scim::{ScimError, ScimResult};

use super::{frag, text, Bind, FragmentExt, SqlFragment};
use crate::sqlite::search_doc::{canonical_datetime, fold_case};

/// An SQL expression yielding one value of an attribute (NULL when absent).
#[derive(Debug)]
pub(super) struct Operand {
    /// Typed by the attribute: `boolean` for booleans, `numeric` for numbers, else `text`.
    pub(super) sql: String,
    /// The attribute (or sub-attribute) whose value this is: its type and case rule.
    pub(super) def: &'static AttributeDef,
    /// Canonical name for messages, e.g. `name.givenName`.
    pub(super) label: String,
    /// Fold string literals with `fold_case` (the stored side is folded already).
    pub(super) fold: bool,
    /// The expression can be NULL.
    pub(super) nullable: bool,
    /// The `jsonb` value `sql` was read from, when it comes from a JSON document: `pr` looks
    /// at it, as SQLite's `json_extract` would, whatever its JSON type.
    json: Option<String>,
}

impl Operand {
    /// A column (or other SQL expression) of the attribute's own type.
    pub(super) fn new(sql: impl Into<String>, def: &'static AttributeDef, label: String) -> Self {
        let fold =
            matches!(def.attr_type, AttrType::String | AttrType::Reference) && !def.case_exact;
        Operand {
            sql: sql.into(),
            def,
            label,
            fold,
            nullable: true,
            json: None,
        }
    }
    /// The `jsonb` expression `value`, typed by `def`: a value of the wrong JSON type reads as
    /// NULL rather than failing a cast.
    pub(super) fn json(value: String, def: &'static AttributeDef, label: String) -> Self {
        let sql = match def.attr_type {
            AttrType::Boolean => {
                format!("(CASE WHEN jsonb_typeof({value}) = 'boolean' THEN ({value})::boolean END)")
            }
            AttrType::Integer | AttrType::Decimal => {
                format!("(CASE WHEN jsonb_typeof({value}) = 'number' THEN ({value})::numeric END)")
            }
            _ => format!("({value} #>> '{{}}')"),
        };
        let mut o = Self::new(sql, def, label);
        o.json = Some(value);
        o
    }
    /// Member `key` (a canonical schema name) of the `jsonb` object `parent`, typed by `def`.
    /// Text is read with `->>` directly, the form the planner and readers know best.
    pub(super) fn json_member(
        parent: &str,
        key: &str,
        def: &'static AttributeDef,
        label: String,
    ) -> Self {
        let value = format!("{parent} -> {}", sql_string(key));
        let mut o = Self::json(value, def, label);
        if is_text(def) {
            o.sql = format!("({parent} ->> {})", sql_string(key));
        }
        o
    }
    pub(super) fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }
    /// Compare literals as given, whatever the schema's caseExact says.
    pub(super) fn exact(mut self) -> Self {
        self.fold = false;
        self
    }
    /// The expression in the order SQLite compares it: strings by code point, whatever the
    /// database's collation. DateTimes are canonical fixed-width text, in time order under any
    /// collation, so they keep theirs (and their indexes).
    pub(super) fn ordered(&self) -> String {
        if collated(self.def) {
            format!("({}) COLLATE \"C\"", self.sql)
        } else {
            self.sql.clone()
        }
    }
}

/// The value is held as text in SQL.
fn is_text(def: &AttributeDef) -> bool {
    !matches!(
        def.attr_type,
        AttrType::Boolean | AttrType::Integer | AttrType::Decimal
    )
}

/// Ordering comparisons need `COLLATE "C"`.
pub(super) fn collated(def: &AttributeDef) -> bool {
    matches!(
        def.attr_type,
        AttrType::String | AttrType::Reference | AttrType::Binary
    )
}

/// `s` as an SQL string literal (for canonical schema names, never user text).
pub(super) fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `pr`: present and not empty. Never NULL.
pub(super) fn present(o: &Operand) -> SqlFragment {
    let x = &o.sql;
    text(match (&o.json, is_text(o.def), o.nullable) {
        // json_extract's reading: JSON null and "" are absent; anything else is present.
        (Some(j), _, _) => format!("COALESCE({j} NOT IN ('null'::jsonb, '\"\"'::jsonb), FALSE)"),
        (None, true, true) => format!("({x} IS NOT NULL AND {x} <> '')"),
        (None, true, false) => format!("{x} <> ''"),
        (None, false, true) => format!("({x} IS NOT NULL)"),
        (None, false, false) => "TRUE".to_string(),
    })
}

/// A literal as the stored side holds it, and how it is bound.
enum Literal {
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
}

impl Literal {
    fn placeholder(&self) -> &'static str {
        match self {
            Literal::Text(_) => "?::text",
            Literal::Int(_) => "?::bigint",
            Literal::Real(_) => "?::double precision",
            Literal::Bool(_) => "?::boolean",
        }
    }
    /// A boolean travels as the text `true`/`false`: `Bind` has no boolean, and text casts to
    /// boolean where a bigint would not.
    fn bind(self) -> Bind {
        match self {
            Literal::Text(s) => Bind::Text(s),
            Literal::Int(i) => Bind::Int(i),
            Literal::Real(f) => Bind::Real(f),
            Literal::Bool(b) => Bind::Text(b.to_string()),
        }
    }
}

/// `o <op> value` for a non-null literal. `negated`: the result sits under a NOT, so it must
/// never be NULL.
pub(super) fn compare(
    o: &Operand,
    op: CompareOp,
    value: &CompValue,
    negated: bool,
) -> ScimResult<SqlFragment> {
    check_operator(o, op)?;
    let lit = literal(o, value)?;
    if let Literal::Text(s) = &lit {
        if let Some(nul) = s.find('\0') {
            return Ok(with_nul(o, op, &s[..nul], negated));
        }
    }
    let x = &o.sql;
    let p = lit.placeholder();
    let pattern = |prefix: &str, suffix: &str| match &lit {
        Literal::Text(s) => frag(
            format!("{x} LIKE ({prefix}?::text{suffix})"),
            vec![Bind::Text(like_escape(s))],
        ),
        // check_operator allows co/sw/ew on text types only.
        _ => text("FALSE"),
    };
    let f = match op {
        CompareOp::Eq => frag(format!("{x} = {p}"), vec![lit.bind()]),
        // `ne` is `not eq`: an absent value is "not equal".
        CompareOp::Ne if o.nullable => {
            frag(format!("({x} IS NULL OR {x} <> {p})"), vec![lit.bind()])
        }
        CompareOp::Ne => frag(format!("{x} <> {p}"), vec![lit.bind()]),
        CompareOp::Co => pattern("'%' || ", " || '%'"),
        CompareOp::Sw => pattern("", " || '%'"),
        CompareOp::Ew => pattern("'%' || ", ""),
        CompareOp::Gt => frag(format!("{} > {p}", o.ordered()), vec![lit.bind()]),
        CompareOp::Ge => frag(format!("{} >= {p}", o.ordered()), vec![lit.bind()]),
        CompareOp::Lt => frag(format!("{} < {p}", o.ordered()), vec![lit.bind()]),
        CompareOp::Le => frag(format!("{} <= {p}", o.ordered()), vec![lit.bind()]),
    };
    Ok(if negated && o.nullable && op != CompareOp::Ne {
        f.wrap("COALESCE(", ", FALSE)")
    } else {
        f
    })
}

/// A text literal with a NUL, which PostgreSQL text cannot hold, so no stored value has one:
/// nothing equals, contains, starts or ends with it, everything is "not equal", and a stored
/// value orders after it exactly when it orders after the part before the NUL, `before`.
fn with_nul(o: &Operand, op: CompareOp, before: &str, negated: bool) -> SqlFragment {
    let bind = vec![Bind::Text(before.to_string())];
    let f = match op {
        CompareOp::Eq | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => return text("FALSE"),
        CompareOp::Ne => return text("TRUE"),
        CompareOp::Gt | CompareOp::Ge => frag(format!("{} > ?::text", o.ordered()), bind),
        CompareOp::Lt | CompareOp::Le => frag(format!("{} <= ?::text", o.ordered()), bind),
    };
    if negated && o.nullable {
        f.wrap("COALESCE(", ", FALSE)")
    } else {
        f
    }
}

/// `s` as a LIKE pattern matching itself only (backslash is the default escape character).
pub(super) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn check_operator(o: &Operand, op: CompareOp) -> ScimResult<()> {
    use CompareOp::*;
    let t = o.def.attr_type;
    let allowed = match t {
        AttrType::String | AttrType::Reference => true,
        AttrType::Binary => !matches!(op, Gt | Ge | Lt | Le),
        AttrType::Boolean => matches!(op, Eq | Ne),
        AttrType::Integer | AttrType::Decimal | AttrType::DateTime => !matches!(op, Co | Sw | Ew),
        AttrType::Complex => false,
    };
    if allowed {
        return Ok(());
    }
    if t == AttrType::Complex {
        return Err(ScimError::invalid_filter(format!(
            "attribute '{}' is complex: compare one of its sub-attributes instead",
            o.label
        )));
    }
    Err(ScimError::invalid_filter(format!(
        "operator {} is not defined for {} attribute '{}'",
        op.as_str(),
        t.as_str(),
        o.label
    )))
}

/// The literal as the stored side holds it: folded, canonicalised, or a boolean.
fn literal(o: &Operand, value: &CompValue) -> ScimResult<Literal> {
    let t = o.def.attr_type;
    let mismatch = || {
        let article = if t == AttrType::Integer { "an" } else { "a" };
        ScimError::invalid_filter(format!(
            "attribute '{}' is {article} {}: {value} is not {article} {}",
            o.label,
            t.as_str(),
            t.as_str()
        ))
    };
    match (t, value) {
        (AttrType::Boolean, CompValue::Bool(b)) => Ok(Literal::Bool(*b)),
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("true") => {
            Ok(Literal::Bool(true))
        }
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("false") => {
            Ok(Literal::Bool(false))
        }
        (AttrType::Integer | AttrType::Decimal, CompValue::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Literal::Int(i)),
            None => n.as_f64().map(Literal::Real).ok_or_else(mismatch),
        },
        (AttrType::DateTime, CompValue::Str(s)) => match canonical_datetime(s) {
            Some(c) => Ok(Literal::Text(c)),
            None => Err(ScimError::invalid_filter(format!(
                "{value} is not a dateTime (attribute '{}' expects RFC 3339, \
                 e.g. \"2024-01-31T12:00:00Z\")",
                o.label
            ))),
        },
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::Str(s)) => {
            Ok(Literal::Text(if o.fold { fold_case(s) } else { s.clone() }))
        }
        _ => Err(mismatch()),
    }
}
