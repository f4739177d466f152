//! The errors of the mapping layer. Each says which mapping it is about (object kind, position
//! in the list, target path) and what to change; expression errors keep their caret, TOML errors
//! their line. They are shown by the CLI, the admin API and the provisioning logs.

use scimitar_scim::schema::ResourceKind;

use crate::expr::{EvalError, ParseError};

/// A mapping set that cannot be used, or an object that cannot be mapped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MappingError {
    /// One mapping breaks a rule (unknown target, constant used for matching, ...).
    #[error("{} mapping {index} (target {target:?}): {message}", kind.as_str())]
    Invalid {
        kind: ResourceKind,
        /// 1-based position in the object's list of mappings.
        index: usize,
        target: String,
        message: String,
    },
    /// One mapping's source expression does not parse.
    #[error("{} mapping {index} (target {target:?}): the source does not parse: {error}", kind.as_str())]
    Expression {
        kind: ResourceKind,
        index: usize,
        target: String,
        error: ParseError,
    },
    /// A rule about the whole list of one object kind (no matching attribute, ...).
    #[error("{} mappings: {message}", kind.as_str())]
    Set { kind: ResourceKind, message: String },
    /// An error found in a TOML document, with the line it is on.
    #[error("line {line}: {error}")]
    AtLine {
        line: usize,
        error: Box<MappingError>,
    },
    /// The TOML document itself is wrong (syntax, unknown key, missing key); the toml parser's
    /// message names the line and column.
    #[error("{0}")]
    Toml(String),
    /// One object's value for one target could not be computed.
    #[error("mapping to {target:?}: {message}")]
    Value { target: String, message: String },
    /// One object's expression failed.
    #[error("mapping to {target:?}: {error}")]
    Evaluation { target: String, error: EvalError },
    /// `SelectUniqueValue` candidates are still undecided; the engine must pick one first
    /// ([`MappedObject::choose`](super::MappedObject::choose)).
    #[error(
        "mapping to {target:?}: SelectUniqueValue offered {count} candidates and none was chosen \
         yet; the engine picks the first one the app does not have"
    )]
    UndecidedCandidates { target: String, count: usize },
    /// The create body breaks a rule of the target schema (a required attribute is missing).
    #[error("cannot build the SCIM body: {0}")]
    Body(String),
}

impl MappingError {
    /// The same error, located on `line` of a TOML document.
    pub(crate) fn at_line(self, line: usize) -> MappingError {
        match self {
            already @ MappingError::AtLine { .. } => already,
            error => MappingError::AtLine {
                line,
                error: Box::new(error),
            },
        }
    }

    /// The error without its line, for tests and callers that show the line elsewhere.
    pub fn inner(&self) -> &MappingError {
        match self {
            MappingError::AtLine { error, .. } => error.inner(),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn invalid() -> MappingError {
        MappingError::Invalid {
            kind: ResourceKind::Group,
            index: 2,
            target: "members".to_string(),
            message: "boom".to_string(),
        }
    }

    #[test]
    fn a_line_is_added_once_and_the_first_one_stays() {
        let located = invalid().at_line(7).at_line(9);
        assert_eq!(
            located.to_string(),
            "line 7: Group mapping 2 (target \"members\"): boom"
        );
        assert_eq!(located.inner(), &invalid());
        assert_eq!(invalid().inner(), &invalid());
    }

    #[test]
    fn messages_name_the_kind_and_the_target() {
        let set = MappingError::Set {
            kind: ResourceKind::User,
            message: "no mapping is marked for matching".to_string(),
        };
        assert_eq!(
            set.to_string(),
            "User mappings: no mapping is marked for matching"
        );
        let undecided = MappingError::UndecidedCandidates {
            target: "userName".to_string(),
            count: 3,
        };
        assert!(undecided
            .to_string()
            .starts_with("mapping to \"userName\": SelectUniqueValue offered 3 candidates"));
        let value = MappingError::Value {
            target: "active".to_string(),
            message: "has no value".to_string(),
        };
        assert_eq!(value.to_string(), "mapping to \"active\": has no value");
    }
}
