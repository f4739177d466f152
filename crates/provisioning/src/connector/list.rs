//! Reading an app's ListResponse (RFC 7644 §3.4.2) and deciding where the next page starts.
//!
//! Apps differ in small ways (a missing `Resources` when nothing matched, numbers sent as
//! strings, keys in another case); those are accepted. What is refused is anything that would
//! make matching or paging guess: a body that is not a ListResponse at all. Paging always moves
//! forward and stops at `totalResults`, so a reconcile run ends even against an app that
//! ignores `startIndex`.

use serde_json::Value;

use super::capabilities::{as_u64, get_ci};
use super::error::ConnectorError;
use super::{PageRequest, TargetObject, TargetPage};

/// The parts of a ListResponse the connector uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListResponse {
    pub total_results: u64,
    pub resources: Vec<Value>,
}

impl ListResponse {
    /// Read a ListResponse body; `what` names the request for messages.
    pub fn parse(body: Option<Value>, what: &str) -> Result<ListResponse, ConnectorError> {
        let Some(body) = body else {
            return Err(ConnectorError::InvalidResponse(format!(
                "{what} answered with an empty body, not a ListResponse"
            )));
        };
        if !body.is_object() {
            return Err(ConnectorError::InvalidResponse(format!(
                "{what} answered with a JSON {}, not a ListResponse",
                kind_of(&body)
            )));
        }
        let resources = match get_ci(&body, "Resources") {
            Some(Value::Array(items)) => items.clone(),
            None | Some(Value::Null) => Vec::new(),
            Some(other) => {
                return Err(ConnectorError::InvalidResponse(format!(
                    "{what}: 'Resources' is a JSON {}, not an array",
                    kind_of(other)
                )))
            }
        };
        let total_results = match get_ci(&body, "totalResults") {
            Some(v) => as_u64(v).ok_or_else(|| {
                ConnectorError::InvalidResponse(format!(
                    "{what}: 'totalResults' is not a non-negative integer"
                ))
            })?,
            None if get_ci(&body, "Resources").is_some() => resources.len() as u64,
            None => {
                return Err(ConnectorError::InvalidResponse(format!(
                "{what} answered with neither 'totalResults' nor 'Resources': not a ListResponse"
            )))
            }
        };
        Ok(ListResponse {
            total_results,
            resources,
        })
    }

    /// Every resource as a [`TargetObject`] (each must have an `id`).
    pub fn objects(self) -> Result<Vec<TargetObject>, ConnectorError> {
        self.resources
            .into_iter()
            .map(TargetObject::from_body)
            .collect()
    }

    /// This response as the page `requested`, with the next page to read.
    pub fn into_page(self, requested: PageRequest) -> Result<TargetPage, ConnectorError> {
        let total_results = self.total_results;
        let objects = self.objects()?;
        let next = next_page(requested, objects.len() as u64, total_results);
        Ok(TargetPage {
            objects,
            total_results,
            next,
        })
    }
}

/// The page after one that started at `requested.start_index` and held `returned` objects:
/// none when it was empty or reached `total`. The app's own page size (`itemsPerPage`, a
/// `maxResults` cap) is honoured by moving on by what it returned, not by what was asked.
pub(crate) fn next_page(requested: PageRequest, returned: u64, total: u64) -> Option<PageRequest> {
    if returned == 0 {
        return None;
    }
    let start_index = requested.start_index.max(1).saturating_add(returned);
    (start_index <= total).then_some(PageRequest {
        start_index,
        count: requested.count,
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_list_responses_as_apps_send_them() {
        let empty = ListResponse::parse(Some(json!({"totalResults": 0})), "GET").unwrap();
        assert_eq!((empty.total_results, empty.resources.len()), (0, 0));
        let strings = ListResponse::parse(
            Some(json!({"TotalResults": "2", "resources": [{"id": "a"}, {"id": "b"}]})),
            "GET",
        )
        .unwrap();
        assert_eq!(strings.total_results, 2);
        assert_eq!(strings.objects().unwrap()[1].id, "b");
        let no_total = ListResponse::parse(Some(json!({"Resources": [{"id": 7}]})), "GET").unwrap();
        assert_eq!(no_total.total_results, 1);
        assert_eq!(no_total.objects().unwrap()[0].id, "7");
    }

    #[test]
    fn refuses_what_is_not_a_list_response() {
        for body in [
            None,
            Some(json!([])),
            Some(json!({"id": "x"})),
            Some(json!({"totalResults": -1})),
            Some(json!({"totalResults": 1, "Resources": {"id": "x"}})),
        ] {
            let err = ListResponse::parse(body.clone(), "GET /Users").unwrap_err();
            assert!(
                matches!(&err, ConnectorError::InvalidResponse(d) if d.contains("GET /Users")),
                "{body:?}: {err:?}"
            );
        }
        let missing_id =
            ListResponse::parse(Some(json!({"Resources": [{"userName": "x"}]})), "GET");
        assert!(matches!(
            missing_id.unwrap().objects(),
            Err(ConnectorError::InvalidResponse(_))
        ));
    }

    #[test]
    fn paging_moves_forward_by_what_was_returned_and_stops() {
        let p = |start_index, count| PageRequest { start_index, count };
        assert_eq!(next_page(p(1, 100), 100, 250), Some(p(101, 100)));
        assert_eq!(next_page(p(201, 100), 50, 250), None);
        // The app capped the page at 10 (maxResults): the next page starts after those 10.
        assert_eq!(next_page(p(1, 100), 10, 25), Some(p(11, 100)));
        assert_eq!(next_page(p(21, 100), 5, 25), None);
        // An empty page ends the listing even if totalResults promised more.
        assert_eq!(next_page(p(1, 100), 0, 25), None);
        // startIndex 0 is read as 1.
        assert_eq!(next_page(p(0, 10), 10, 30), Some(p(11, 10)));
    }
}
