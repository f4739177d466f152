//! What an evaluation needs from the world, and what it gives back.
//!
//! An expression is pure: it reads the source object's attributes, the time, fresh GUIDs and
//! random numbers only through an [`EvalContext`], so the engine decides where they come from
//! and tests can fix them. [`Outcome`] says what the engine should do with the target attribute;
//! "do not flow" and "try these candidates" are outcomes, not errors.

use time::OffsetDateTime;
use uuid::Uuid;

use super::ast::AttributeRef;
use super::error::AttributeError;
use super::value::Value;

/// The source object and the environment an expression is evaluated in.
///
/// The crate provides [`ScimSource`](super::ScimSource) over a SCIM User or Group; a test or a
/// preview can implement this over anything.
pub trait EvalContext {
    /// The value of the attribute `reference` names on the source object. An attribute the
    /// object does not have is `Value::Null`, not an error; an error is for a reference that
    /// cannot be read at all (a filter on an attribute that has no sub-attributes, say).
    fn attribute(&self, reference: &AttributeRef) -> Result<Value, AttributeError>;

    /// The current time, for `Now()` and for date parts a `FormatDateTime` input lacks.
    fn now(&self) -> OffsetDateTime;

    /// A new GUID, for `Guid()`.
    fn new_guid(&self) -> Uuid;

    /// A uniformly random 64-bit number, for `RandomString`. Generated passwords come from it,
    /// so a real context must use a cryptographically secure generator.
    fn random_u64(&self) -> u64;
}

/// What evaluating a mapping expression tells the engine to do with the target attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Flow this value. `Value::Null` means the source has no value: the engine clears the
    /// target attribute or leaves it out, as the mapping's null policy says.
    Value(Value),
    /// `IgnoreFlowIfNullOrEmpty` found nothing: leave the target attribute out of this flow
    /// entirely, whatever its current value.
    Ignore,
    /// `SelectUniqueValue`: the non-empty candidate values, in order and without repeats; the
    /// engine uses the first one the target app does not have yet (and escrows the object when
    /// there is none).
    Candidates(Vec<String>),
}

impl Outcome {
    /// The value to flow, if this outcome is one.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Outcome::Value(v) => Some(v),
            _ => None,
        }
    }
}
