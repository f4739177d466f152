//! Limits that are advertised in ServiceProviderConfig and enforced: nothing over a limit is
//! truncated silently; it is a clear 4xx.

use scimitar_scim::filter::FilterLimits;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted request body, in bytes (`maxPayloadSize`).
    pub max_payload_size: usize,
    /// Most operations in one Bulk request (`bulk.maxOperations`).
    pub bulk_max_operations: usize,
    /// Largest page a list or search returns (`filter.maxResults`).
    pub max_page_size: u64,
    /// Page size when the client gives no `count`.
    pub default_page_size: u64,
    pub filter: FilterLimits,
    /// Most member values one PATCH operation may add or remove.
    pub max_members_per_op: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_payload_size: 1024 * 1024,
            bulk_max_operations: 1000,
            max_page_size: 1000,
            default_page_size: 100,
            filter: FilterLimits::default(),
            max_members_per_op: 10_000,
        }
    }
}
