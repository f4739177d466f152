//! Scoping filters: which directory objects an app receives, with Entra ID's clause operators
//! (clauses AND-ed within a filter, filters OR-ed).
