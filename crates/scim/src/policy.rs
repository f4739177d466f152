//! The compatibility policy: every leniency towards real clients (Entra ID, Okta) lives here,
//! named, in one place, instead of as special cases scattered through the engine.
//!
//! A tenant runs under one policy. `compatible` (the default) accepts what Entra ID and Okta
//! actually send (PRODUCT.md, "Client behaviour that must work"); `strict` is RFC 7644 to the
//! letter. Code that bends a rule asks the policy first.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatPolicy {
    pub name: &'static str,
    /// PATCH `op` values in any case: `Add`, `Replace`, `Remove` (Entra ID).
    pub case_insensitive_patch_ops: bool,
    /// `"True"` / `"False"` (any case) accepted where a boolean is expected (Entra ID).
    pub string_booleans: bool,
    /// A path-less `replace`/`add` whose value object has dotted or URN-qualified keys such as
    /// `"name.givenName"` (Entra ID with `aadOptscim062020`).
    pub dotted_keys_in_pathless_values: bool,
    /// `{"op":"remove","path":"members","value":[{"value":"id"}]}` removes only the listed
    /// members, never the whole attribute (Entra ID without the flag).
    pub remove_with_value_removes_listed: bool,
    /// `add`/`replace` on a filtered path that matches nothing creates the entry (Entra ID).
    pub filtered_path_no_match_creates: bool,
    /// A bare string where a complex single-valued reference is expected (EnterpriseUser
    /// `manager: "id"`) is read as `{"value": "id"}` (Entra ID).
    pub bare_string_manager: bool,
    /// Read-only attributes in a request body (`id`, `meta`, `groups`, ...) are ignored rather
    /// than rejected (Okta sends `id` and `groups: []`). RFC 7644 §3.5.1 says so for PUT.
    pub ignore_read_only_in_bodies: bool,
    /// A body without `schemas` gets the resource type's schemas filled in.
    pub missing_schemas_filled_in: bool,
    /// Schema URNs that clients list in `schemas` without sending any attribute of theirs;
    /// they are accepted and dropped. Entra ID's documented group and user bodies carry
    /// Microsoft's ADSCIM URNs this way.
    pub ignored_schema_urns: &'static [&'static str],
}

/// The schema URNs Entra ID lists in `schemas` with no attributes behind them.
pub const ENTRA_ADSCIM_URNS: &[&str] = &[
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User",
];

impl CompatPolicy {
    /// What Entra ID and Okta need; the default for every tenant.
    pub const fn compatible() -> Self {
        CompatPolicy {
            name: "compatible",
            case_insensitive_patch_ops: true,
            string_booleans: true,
            dotted_keys_in_pathless_values: true,
            remove_with_value_removes_listed: true,
            filtered_path_no_match_creates: true,
            bare_string_manager: true,
            ignore_read_only_in_bodies: true,
            missing_schemas_filled_in: true,
            ignored_schema_urns: ENTRA_ADSCIM_URNS,
        }
    }

    /// RFC 7644 to the letter.
    pub const fn strict() -> Self {
        CompatPolicy {
            name: "strict",
            case_insensitive_patch_ops: false,
            string_booleans: false,
            dotted_keys_in_pathless_values: false,
            remove_with_value_removes_listed: true,
            filtered_path_no_match_creates: false,
            bare_string_manager: false,
            ignore_read_only_in_bodies: true,
            missing_schemas_filled_in: false,
            ignored_schema_urns: &[],
        }
    }

    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "compatible" => Some(Self::compatible()),
            "strict" => Some(Self::strict()),
            _ => None,
        }
    }
}

impl Default for CompatPolicy {
    fn default() -> Self {
        Self::compatible()
    }
}
