//! Scoping filters as data: serde for every type (so the admin API and the app configuration
//! carry them as they are), and a TOML document form:
//!
//! ```toml
//! [[filters]]
//! clauses = [
//!     { attribute = "department", operator = "EQUALS", value = "Sales" },
//!     { attribute = "active", operator = "IS TRUE" },
//! ]
//!
//! [[filters]]
//! clauses = [{ attribute = "employeeNumber", operator = "Greater_Than", value = 1000000 }]
//! ```
//!
//! Filters are OR-ed, clauses AND-ed. Operators are read in any case; Greater_Than values may be
//! TOML integers or text. A clause is checked as it is read (value present when needed, regex
//! compiles), unknown keys are errors, and errors name the line.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::operator::{Operand, ScopingOperator};
use super::{ClauseValue, ScopeError, ScopingClause, ScopingFilter, ScopingFilters};

/// A clause as it is written.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClause {
    attribute: String,
    operator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<RawValue>,
}

/// A clause value: text, or a whole number for the Greater_Than operators.
pub(super) enum RawValue {
    Text(String),
    Integer(i64),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFilter {
    clauses: Vec<ScopingClause>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    filters: ScopingFilters,
}

impl TryFrom<RawClause> for ScopingClause {
    type Error = ScopeError;

    fn try_from(raw: RawClause) -> Result<Self, Self::Error> {
        let operator = ScopingOperator::parse(&raw.operator).ok_or_else(|| ScopeError::Clause {
            attribute: raw.attribute.clone(),
            message: format!(
                "unknown operator {:?}; the operators are {}",
                raw.operator,
                ScopingOperator::names()
            ),
        })?;
        let value = raw.value.map(|v| match v {
            RawValue::Text(s) => s,
            RawValue::Integer(i) => i.to_string(),
        });
        ScopingClause::new(&raw.attribute, operator, value.as_deref())
    }
}

impl From<ScopingClause> for RawClause {
    fn from(clause: ScopingClause) -> Self {
        let value = match (&clause.value, clause.operator.operand()) {
            (ClauseValue::Integer(i), _) => Some(RawValue::Integer(*i)),
            (_, Operand::None) => None,
            _ => clause.value().map(RawValue::Text),
        };
        RawClause {
            attribute: clause.attribute.text,
            operator: clause.operator.name().to_string(),
            value,
        }
    }
}

impl TryFrom<RawFilter> for ScopingFilter {
    type Error = ScopeError;

    fn try_from(raw: RawFilter) -> Result<Self, Self::Error> {
        ScopingFilter::new(raw.clauses)
    }
}

impl From<ScopingFilter> for RawFilter {
    fn from(filter: ScopingFilter) -> Self {
        RawFilter {
            clauses: filter.clauses,
        }
    }
}

/// A clause is checked while its table is being read, so a bad clause is reported at its own
/// line rather than at the start of the list that holds it.
impl<'de> Deserialize<'de> for ScopingClause {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ClauseVisitor;

        impl<'de> Visitor<'de> for ClauseVisitor {
            type Value = ScopingClause;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a clause: { attribute, operator, value }")
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ScopingClause, A::Error> {
                let raw = RawClause::deserialize(de::value::MapAccessDeserializer::new(map))?;
                ScopingClause::try_from(raw).map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_map(ClauseVisitor)
    }
}

impl Serialize for RawValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RawValue::Text(s) => serializer.serialize_str(s),
            RawValue::Integer(i) => serializer.serialize_i64(*i),
        }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawValueVisitor;

        impl Visitor<'_> for RawValueVisitor {
            type Value = RawValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text, or a whole number")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
                Ok(RawValue::Text(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
                Ok(RawValue::Integer(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
                i64::try_from(v)
                    .map(RawValue::Integer)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
        }

        deserializer.deserialize_any(RawValueVisitor)
    }
}

impl ScopingFilters {
    /// The filters as a TOML document (see the module documentation).
    pub fn to_toml(&self) -> Result<String, ScopeError> {
        toml::to_string(&Document {
            filters: self.clone(),
        })
        .map_err(|e| ScopeError::Toml(format!("cannot write the filters as TOML: {e}")))
    }

    /// Read a TOML document; errors name the line.
    pub fn from_toml(text: &str) -> Result<ScopingFilters, ScopeError> {
        toml::from_str::<Document>(text)
            .map(|d| d.filters)
            .map_err(|e| ScopeError::Toml(e.to_string().trim().to_string()))
    }
}
