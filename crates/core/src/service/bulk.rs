//! Bulk (RFC 7644 §3.7): operations with `bulkId` references resolved in any order, cycles
//! detected, `failOnErrors`, and `maxOperations` enforced. Each operation runs through the same
//! service methods as its single-request form, so the rules are identical.

use std::collections::{HashMap, HashSet};

use scimitar_scim::projection::Projection;
use scimitar_scim::schema::{ResourceKind, BULK_RESPONSE_SCHEMA};
use scimitar_scim::{ScimError, ScimResult, ScimType};
use serde_json::{json, Map, Value};

use super::render::{etag_for, location, parse_etag};
use super::{Directory, TenantContext};
use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone)]
struct BulkOperation {
    method: Method,
    bulk_id: Option<String>,
    version: Option<String>,
    kind: ResourceKind,
    /// The id part of the path (may be `bulkId:x`), absent for POST.
    target: Option<String>,
    data: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct BulkRequest {
    fail_on_errors: Option<usize>,
    operations: Vec<BulkOperation>,
}

/// The BulkResponse body.
pub type BulkOutcome = Value;

fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn parse_path(path: &str) -> ScimResult<(ResourceKind, Option<String>)> {
    let trimmed = path.trim_start_matches('/');
    let mut parts = trimmed.splitn(2, '/');
    let kind = match parts.next() {
        Some(p) if p.eq_ignore_ascii_case("Users") => ResourceKind::User,
        Some(p) if p.eq_ignore_ascii_case("Groups") => ResourceKind::Group,
        _ => {
            return Err(ScimError::invalid_value(format!(
                "bulk operation path '{path}' must start with /Users or /Groups"
            )))
        }
    };
    let id = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
    if id.as_deref().is_some_and(|i| i.contains('/')) {
        return Err(ScimError::invalid_value(format!(
            "bulk operation path '{path}' is not a resource path"
        )));
    }
    Ok((kind, id))
}

impl BulkRequest {
    pub fn parse(body: &Value, max_operations: usize) -> ScimResult<Self> {
        let obj = body
            .as_object()
            .ok_or_else(|| ScimError::invalid_syntax("a BulkRequest must be a JSON object"))?;
        let ops = field(obj, "Operations")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ScimError::invalid_syntax("a BulkRequest needs an 'Operations' array")
            })?;
        if ops.len() > max_operations {
            return Err(ScimError::new(
                413,
                Some(ScimType::TooMany),
                format!(
                    "the request has {} operations; maxOperations is {max_operations}",
                    ops.len()
                ),
            ));
        }
        let fail_on_errors = match field(obj, "failOnErrors") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                ScimError::invalid_value("failOnErrors must be a positive integer")
            })? as usize),
        };
        let mut operations = Vec::with_capacity(ops.len());
        let mut seen = HashSet::new();
        for (i, op) in ops.iter().enumerate() {
            let o = op.as_object().ok_or_else(|| {
                ScimError::invalid_syntax(format!("operation {i} is not an object"))
            })?;
            let method = match field(o, "method")
                .and_then(Value::as_str)
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                Some("POST") => Method::Post,
                Some("PUT") => Method::Put,
                Some("PATCH") => Method::Patch,
                Some("DELETE") => Method::Delete,
                other => {
                    return Err(ScimError::invalid_value(format!(
                        "operation {i}: method must be POST, PUT, PATCH or DELETE, not {other:?}"
                    )))
                }
            };
            let path = field(o, "path").and_then(Value::as_str).ok_or_else(|| {
                ScimError::invalid_value(format!("operation {i}: 'path' is required"))
            })?;
            let (kind, target) = parse_path(path)?;
            if (method == Method::Post) != target.is_none() {
                return Err(ScimError::invalid_value(format!(
                    "operation {i}: {} needs {}",
                    method.as_str(),
                    if method == Method::Post {
                        "a path like /Users"
                    } else {
                        "a path like /Users/{id}"
                    }
                )));
            }
            let bulk_id = field(o, "bulkId")
                .and_then(Value::as_str)
                .map(str::to_string);
            if method == Method::Post && bulk_id.is_none() {
                return Err(ScimError::invalid_value(format!(
                    "operation {i}: POST needs a bulkId"
                )));
            }
            if let Some(b) = &bulk_id {
                if !seen.insert(b.clone()) {
                    return Err(ScimError::invalid_value(format!(
                        "bulkId '{b}' is used twice"
                    )));
                }
            }
            let data = field(o, "data").cloned();
            if method != Method::Delete && data.is_none() {
                return Err(ScimError::invalid_value(format!(
                    "operation {i}: 'data' is required"
                )));
            }
            let version = field(o, "version")
                .and_then(Value::as_str)
                .map(str::to_string);
            operations.push(BulkOperation {
                method,
                bulk_id,
                version,
                kind,
                target,
                data,
            });
        }
        Ok(BulkRequest {
            fail_on_errors,
            operations,
        })
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix("bulkId:") {
                out.push(id.to_string());
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn substitute(v: &mut Value, ids: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix("bulkId:").and_then(|b| ids.get(b)) {
                *s = id.clone();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, ids)),
        Value::Object(o) => o.values_mut().for_each(|x| substitute(x, ids)),
        _ => {}
    }
}

fn error_result(op: &BulkOperation, e: &ScimError) -> Value {
    let mut r = json!({"method": op.method.as_str(), "status": e.status.to_string(), "response": e.to_json()});
    if let (Some(b), Some(o)) = (&op.bulk_id, r.as_object_mut()) {
        o.insert("bulkId".into(), json!(b));
    }
    r
}

impl Directory {
    pub async fn bulk(&self, ctx: &TenantContext, req: BulkRequest) -> CoreResult<BulkOutcome> {
        let ops = &req.operations;
        let index_of: HashMap<&str, usize> = ops
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.bulk_id.as_deref().map(|b| (b, i)))
            .collect();
        // Dependencies: op i needs op j's created id.
        let mut deps: Vec<Vec<usize>> = vec![vec![]; ops.len()];
        let mut results: Vec<Option<Value>> = vec![None; ops.len()];
        for (i, op) in ops.iter().enumerate() {
            let mut refs = Vec::new();
            if let Some(d) = &op.data {
                collect_refs(d, &mut refs);
            }
            if let Some(t) = op.target.as_ref().and_then(|t| t.strip_prefix("bulkId:")) {
                refs.push(t.to_string());
            }
            for r in refs {
                match index_of.get(r.as_str()) {
                    Some(&j) if ops[j].method == Method::Post => deps[i].push(j),
                    _ => {
                        results[i] = Some(error_result(
                            op,
                            &ScimError::invalid_value(format!(
                                "bulkId '{r}' does not name a POST in this request"
                            )),
                        ))
                    }
                }
            }
        }
        let mut order = topological_order(&deps);
        let in_order: HashSet<usize> = order.iter().copied().collect();
        // Operations caught in a cycle are reported (and counted for failOnErrors) after the
        // rest, with a 409 that says why.
        order.extend((0..ops.len()).filter(|i| !in_order.contains(i)));
        for (i, _) in deps.iter().enumerate() {
            if !in_order.contains(&i) && results[i].is_none() {
                results[i] = Some(error_result(
                    &ops[i],
                    &ScimError::new(
                        409,
                        None,
                        "circular bulkId references; break the cycle into separate operations",
                    ),
                ));
            }
        }
        let mut created: HashMap<String, String> = HashMap::new();
        let mut errors = 0usize;
        let mut executed: Vec<bool> = vec![false; ops.len()];
        for i in order {
            if req.fail_on_errors.is_some_and(|n| errors >= n) {
                break;
            }
            executed[i] = true;
            if let Some(r) = &results[i] {
                if r.get("status")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.starts_with('2'))
                {
                    errors += 1;
                }
                continue;
            }
            if let Some(&j) = deps[i].iter().find(|&&j| {
                !ops[j]
                    .bulk_id
                    .as_ref()
                    .is_some_and(|b| created.contains_key(b))
            }) {
                let e = ScimError::new(
                    409,
                    None,
                    format!(
                        "depends on bulkId '{}', which failed",
                        ops[j].bulk_id.as_deref().unwrap_or_default()
                    ),
                );
                results[i] = Some(error_result(&ops[i], &e));
                errors += 1;
                continue;
            }
            let mut op = ops[i].clone();
            if let Some(d) = op.data.as_mut() {
                substitute(d, &created);
            }
            if let Some(t) = op.target.as_mut() {
                if let Some(id) = t.strip_prefix("bulkId:").and_then(|b| created.get(b)) {
                    *t = id.clone();
                }
            }
            match self.bulk_one(ctx, &op).await {
                Ok((status, id, version)) => {
                    if let (Some(b), Method::Post) = (&op.bulk_id, op.method) {
                        created.insert(b.clone(), id.clone());
                    }
                    let mut r = json!({"method": op.method.as_str(), "status": status.to_string()});
                    if let Some(o) = r.as_object_mut() {
                        if let Some(b) = &op.bulk_id {
                            o.insert("bulkId".into(), json!(b));
                        }
                        if op.method != Method::Delete {
                            o.insert("location".into(), json!(location(ctx, op.kind, &id)));
                            o.insert("version".into(), json!(etag_for(version)));
                        }
                    }
                    results[i] = Some(r);
                }
                Err(CoreError::Scim(e)) => {
                    results[i] = Some(error_result(&op, &e));
                    errors += 1;
                }
                Err(e) => return Err(e),
            }
        }
        let out: Vec<Value> = results
            .into_iter()
            .zip(executed)
            .filter_map(|(r, ran)| if ran { r } else { None })
            .collect();
        Ok(json!({"schemas": [BULK_RESPONSE_SCHEMA], "Operations": out}))
    }

    async fn bulk_one(
        &self,
        ctx: &TenantContext,
        op: &BulkOperation,
    ) -> CoreResult<(u16, String, i64)> {
        let none = Projection::none();
        let if_match = match &op.version {
            None => None,
            Some(v) => match parse_etag(v) {
                Some(v) => v,
                None => {
                    return Err(ScimError::precondition_failed(format!(
                        "version '{v}' does not match"
                    ))
                    .into())
                }
            },
        };
        let null = Value::Null;
        let data = op.data.as_ref().unwrap_or(&null);
        let target = op.target.as_deref().unwrap_or_default();
        match op.method {
            Method::Post => {
                let w = self.create(ctx, op.kind, data, &none).await?;
                Ok((201, w.id, w.version))
            }
            Method::Put => {
                let w = self
                    .replace(ctx, op.kind, target, data, if_match, &none)
                    .await?;
                Ok((200, w.id, w.version))
            }
            Method::Patch => {
                let w = self
                    .patch(ctx, op.kind, target, data, if_match, &none, false)
                    .await?;
                Ok((200, w.id, w.version))
            }
            Method::Delete => {
                self.delete(ctx, op.kind, target, if_match).await?;
                Ok((204, target.to_string(), 0))
            }
        }
    }
}

/// Kahn's algorithm, preferring request order; operations in a cycle are left out.
fn topological_order(deps: &[Vec<usize>]) -> Vec<usize> {
    let n = deps.len();
    let mut remaining: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![vec![]; n];
    for (i, d) in deps.iter().enumerate() {
        for &j in d {
            dependents[j].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&i| remaining[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &k in &dependents[i] {
            remaining[k] -= 1;
            if remaining[k] == 0 {
                ready.insert(k);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_follows_dependencies_and_leaves_out_cycles() {
        // 0 needs 2; 1 and 3 need each other.
        let deps = vec![vec![2], vec![3], vec![], vec![1]];
        assert_eq!(topological_order(&deps), vec![2, 0]);
    }

    #[test]
    fn too_many_operations_is_413() {
        let ops: Vec<Value> = (0..3)
            .map(|i| json!({"method":"POST","path":"/Users","bulkId":format!("b{i}"),"data":{}}))
            .collect();
        let e = BulkRequest::parse(&json!({"Operations": ops}), 2).unwrap_err();
        assert_eq!(e.status, 413);
    }
}
