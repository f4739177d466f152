//! Applying one PATCH operation to a [`ResourceDoc`]: from the path (or the keys of a path-less
//! value) to targets, then `remove` here and `add`/`replace` in `write` (RFC 7644 §3.5.2.1–3).
//! Every value a client supplies goes through the resource normaliser before it is written, so
//! the document only ever holds canonical values. Errors leave the document in an unspecified
//! state: the caller works on a copy and throws it away.

use serde_json::{Map, Value};

use super::elements::{
    as_array, drop_derived, listed_matches, put_array, put_object, take_array, take_object,
};
use super::target::{resolve, resolve_value_key, AttrTarget, Target};
use super::write::Write;
use super::{PatchOpKind, PatchOperation};
use crate::error::{ScimError, ScimResult};
use crate::filter::matches_value;
use crate::resource::{describe, lookup, normalize_value, Ctx, ResourceDoc};
use crate::schema::ResourceType;

pub(super) fn apply_operation(
    rt: &ResourceType,
    doc: &mut ResourceDoc,
    op: &PatchOperation,
    cx: &Ctx<'_>,
) -> ScimResult<()> {
    let value = op.value.as_ref();
    let target = match &op.path {
        Some(path) => resolve(rt, path)?,
        None if op.op == PatchOpKind::Remove => {
            return Err(ScimError::no_target(
                "remove needs a 'path' naming what to remove",
            ))
        }
        None => return apply_pathless(rt, doc, op.op, required(op.op, value)?, cx),
    };
    match target {
        Target::Extension(urn) => apply_extension(rt, doc, op.op, urn, value, cx),
        Target::Attr(t) => apply_attr(doc, op.op, &t, value, cx),
    }
}

fn required(op: PatchOpKind, value: Option<&Value>) -> ScimResult<&Value> {
    value.ok_or_else(|| ScimError::invalid_value(format!("{} needs a 'value'", op.as_str())))
}

/// `add`/`replace` without a path: the value is an object of attributes, each applied in turn.
fn apply_pathless(
    rt: &ResourceType,
    doc: &mut ResourceDoc,
    op: PatchOpKind,
    value: &Value,
    cx: &Ctx<'_>,
) -> ScimResult<()> {
    let obj = match value {
        Value::Object(obj) => obj,
        Value::Null => return Ok(()),
        other => {
            return Err(ScimError::invalid_value(format!(
                "{} without a path needs an object of attributes as its value, got {}",
                op.as_str(),
                describe(other)
            )))
        }
    };
    for (key, v) in obj {
        match resolve_value_key(rt, key, cx)? {
            None => {}
            Some(Target::Extension(urn)) => apply_extension(rt, doc, op, urn, Some(v), cx)?,
            Some(Target::Attr(t)) => apply_attr(doc, op, &t, Some(v), cx)?,
        }
    }
    Ok(())
}

/// A whole extension: `remove` drops it; `add`/`replace` apply each attribute of the value.
fn apply_extension(
    rt: &ResourceType,
    doc: &mut ResourceDoc,
    op: PatchOpKind,
    urn: &'static str,
    value: Option<&Value>,
    cx: &Ctx<'_>,
) -> ScimResult<()> {
    if op == PatchOpKind::Remove {
        doc.remove_extension(urn);
        return Ok(());
    }
    let obj = match required(op, value)? {
        Value::Object(obj) => obj,
        Value::Null => {
            if op == PatchOpKind::Replace {
                doc.remove_extension(urn);
            }
            return Ok(());
        }
        other => {
            return Err(ScimError::invalid_value(format!(
                "'{urn}' must be an object of extension attributes, got {}",
                describe(other)
            )))
        }
    };
    for (key, v) in obj {
        if key.eq_ignore_ascii_case("schemas") && crate::resource::names_only(v, urn) {
            continue;
        }
        let loc = lookup(rt, Some(urn), key).ok_or_else(|| cx.unknown(&format!("{urn}:{key}")))?;
        let t = AttrTarget::whole(loc);
        if cx.admit(loc.def, &t.name())? {
            apply_attr(doc, op, &t, Some(v), cx)?;
        }
    }
    Ok(())
}

fn apply_attr(
    doc: &mut ResourceDoc,
    op: PatchOpKind,
    t: &AttrTarget,
    value: Option<&Value>,
    cx: &Ctx<'_>,
) -> ScimResult<()> {
    let map = doc.slot(t.loc.extension);
    let def = t.loc.def;
    let name = t.name();
    if op == PatchOpKind::Remove {
        return remove(map, t, value, cx);
    }
    let w = Write {
        value: required(op, value)?,
        replace: op == PatchOpKind::Replace,
        name: &name,
        cx,
    };
    match (&t.filter, t.sub) {
        (None, None) if def.multi_valued => w.multi(map, def),
        (None, None) => w.single(map, def),
        (None, Some(sub)) => w.sub(map, def, sub),
        (Some(filter), sub) => w.filtered(map, def, filter, sub),
    }
}

/// `remove`: the attribute, a sub-attribute, the values a filter matches, or (with a value
/// list, under the policy) only the listed values.
fn remove(
    map: &mut Map<String, Value>,
    t: &AttrTarget,
    value: Option<&Value>,
    cx: &Ctx<'_>,
) -> ScimResult<()> {
    let def = t.loc.def;
    let listed = value.filter(|v| !v.is_null());
    match (&t.filter, t.sub) {
        (None, None) => match listed {
            Some(v) if def.multi_valued && cx.policy.remove_with_value_removes_listed => {
                let listed = match normalize_value(def, &as_array(v), &t.name(), cx)? {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                let mut items = take_array(map, def.name);
                items.retain(|e| !listed.iter().any(|l| listed_matches(def, l, e)));
                put_array(map, def.name, items);
            }
            _ => {
                map.remove(def.name);
            }
        },
        (None, Some(sub)) if !def.multi_valued => {
            let mut obj = take_object(map, def.name);
            drop_derived(def, &mut obj);
            obj.remove(sub.name);
            put_object(map, def.name, obj);
        }
        (filter, sub) => {
            let mut items = take_array(map, def.name);
            let selected = |e: &Value| !matches!(filter, Some(f) if !matches_value(def, e, f));
            match sub {
                None => items.retain(|e| !selected(e)),
                Some(sub) => {
                    for item in items.iter_mut() {
                        if selected(item) {
                            if let Some(obj) = item.as_object_mut() {
                                obj.remove(sub.name);
                            }
                        }
                    }
                    items.retain(|e| !matches!(e, Value::Object(o) if o.is_empty()));
                }
            }
            put_array(map, def.name, items);
        }
    }
    Ok(())
}
