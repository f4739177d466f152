//! What `add` and `replace` write (RFC 7644 §3.5.2.1, §3.5.2.3), for each shape of target: a
//! multi-valued attribute, a single-valued one, a sub-attribute, and a filtered path. The value
//! always goes through the resource normaliser first, so only canonical values are written.
//! `add` and `replace` differ only where the RFC says they do, hence one type for both.

use serde_json::{Map, Value};

use super::elements::{
    as_array, demote_others, drop_derived, entry_from_filter, put_array, put_object, same_element,
    take_array, take_object,
};
use crate::error::{ScimError, ScimResult};
use crate::filter::{matches_value, Filter};
use crate::resource::{normalize_single, normalize_value, Ctx};
use crate::schema::AttributeDef;

/// One `add`/`replace` of `value` into the attribute named `name` (for messages).
pub(super) struct Write<'a> {
    pub value: &'a Value,
    pub replace: bool,
    pub name: &'a str,
    pub cx: &'a Ctx<'a>,
}

impl Write<'_> {
    /// A multi-valued attribute: `replace` swaps all its values; `add` appends those not already
    /// present, and a new primary value demotes the old one. Either way a value is never listed
    /// twice (a member is a member once).
    pub(super) fn multi(&self, map: &mut Map<String, Value>, def: &AttributeDef) -> ScimResult<()> {
        let new = match normalize_value(def, &as_array(self.value), self.name, self.cx)? {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let mut items = take_array(map, def.name);
        if self.replace {
            items.clear();
        }
        let mut touched = Vec::with_capacity(new.len());
        for element in new {
            match items
                .iter()
                .position(|existing| same_element(def, existing, &element))
            {
                Some(i) => touched.push(i),
                None => {
                    items.push(element);
                    touched.push(items.len() - 1);
                }
            }
        }
        demote_others(def, &mut items, &touched);
        put_array(map, def.name, items);
        Ok(())
    }

    /// A single-valued attribute. A complex one is merged: the sub-attributes given replace
    /// theirs and the others stay; under `replace`, a sub-attribute given as `null` is cleared.
    /// `null` for the whole value: `replace` clears the attribute, `add` does nothing.
    pub(super) fn single(
        &self,
        map: &mut Map<String, Value>,
        def: &AttributeDef,
    ) -> ScimResult<()> {
        let new = normalize_single(def, self.value, self.name, self.cx)?;
        if self.value.is_null() {
            if self.replace {
                map.remove(def.name);
            }
            return Ok(());
        }
        if !def.is_complex() {
            set_or_clear(map, def.name, new, self.replace);
            return Ok(());
        }
        let cleared: Vec<&str> = match self.value {
            Value::Object(raw) if self.replace => raw
                .iter()
                .filter(|(_, v)| v.is_null())
                .filter_map(|(k, _)| def.sub(k).map(|s| s.name))
                .collect(),
            _ => Vec::new(),
        };
        let new = match new {
            Some(Value::Object(new)) => new,
            _ if cleared.is_empty() => return Ok(()),
            _ => Map::new(),
        };
        let mut obj = take_object(map, def.name);
        drop_derived(def, &mut obj);
        for key in cleared {
            obj.remove(key);
        }
        obj.extend(new);
        put_object(map, def.name, obj);
        Ok(())
    }

    /// `name.givenName` (single-valued), or `emails.type`: every value, or a new value when
    /// there is none (RFC 7644 §3.5.2.3 treats a missing target as an `add`).
    pub(super) fn sub(
        &self,
        map: &mut Map<String, Value>,
        def: &AttributeDef,
        sub: &AttributeDef,
    ) -> ScimResult<()> {
        let new = normalize_value(
            sub,
            self.value,
            &format!("{}.{}", self.name, sub.name),
            self.cx,
        )?;
        if !def.multi_valued {
            let mut obj = take_object(map, def.name);
            if new.is_some() || self.replace {
                drop_derived(def, &mut obj);
            }
            set_or_clear(&mut obj, sub.name, new, self.replace);
            put_object(map, def.name, obj);
            return Ok(());
        }
        let mut items = take_array(map, def.name);
        if items.is_empty() {
            if let Some(v) = new {
                let mut obj = Map::new();
                obj.insert(sub.name.to_string(), v);
                items.push(Value::Object(obj));
            }
        } else {
            for item in items.iter_mut() {
                if let Some(obj) = item.as_object_mut() {
                    set_or_clear(obj, sub.name, new.clone(), self.replace);
                }
            }
        }
        put_array(map, def.name, items);
        Ok(())
    }

    /// `emails[type eq "work"]` or `emails[type eq "work"].value`: write every matching value.
    /// Without a sub-attribute, `replace` replaces the matching values and `add` merges into
    /// them. When none matches, the policy decides between creating the entry the filter
    /// describes and `400 noTarget` (RFC 7644 §3.5.2.3).
    pub(super) fn filtered(
        &self,
        map: &mut Map<String, Value>,
        def: &AttributeDef,
        filter: &Filter,
        sub: Option<&AttributeDef>,
    ) -> ScimResult<()> {
        let new = match sub {
            Some(s) => {
                normalize_value(s, self.value, &format!("{}.{}", self.name, s.name), self.cx)?
            }
            None => normalize_single(def, self.value, self.name, self.cx)?,
        };
        let mut items = take_array(map, def.name);
        let matched: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, e)| matches_value(def, e, filter))
            .map(|(i, _)| i)
            .collect();
        let touched = if matched.is_empty() {
            match self.create_entry(def, filter, sub, new)? {
                Some(entry) => {
                    items.push(entry);
                    vec![items.len() - 1]
                }
                None => Vec::new(),
            }
        } else {
            for &i in &matched {
                let Some(item) = items.get_mut(i) else {
                    continue;
                };
                match (sub, item) {
                    (Some(s), Value::Object(obj)) => {
                        set_or_clear(obj, s.name, new.clone(), self.replace)
                    }
                    (Some(_), _) => {}
                    (None, item) if self.replace || !def.is_complex() => {
                        *item = new.clone().unwrap_or(Value::Null)
                    }
                    (None, Value::Object(obj)) => {
                        if let Some(Value::Object(n)) = &new {
                            obj.extend(n.clone());
                        }
                    }
                    (None, _) => {}
                }
            }
            // A value replaced by null is gone.
            items.retain(|item| !item.is_null());
            matched
        };
        demote_others(def, &mut items, &touched);
        put_array(map, def.name, items);
        Ok(())
    }

    /// The entry a filtered write creates when nothing matched: the filter's `eq` values plus
    /// the new value (`emails[type eq "work"].value` → `{"type": "work", "value": ...}`).
    fn create_entry(
        &self,
        def: &AttributeDef,
        filter: &Filter,
        sub: Option<&AttributeDef>,
        new: Option<Value>,
    ) -> ScimResult<Option<Value>> {
        let no_target = |why: &str| {
            ScimError::no_target(format!(
                "no value of '{}' matches the filter [{filter}]{why}",
                self.name
            ))
        };
        if !self.cx.policy.filtered_path_no_match_creates {
            return Err(no_target(""));
        }
        let Some(new) = new else { return Ok(None) };
        if !def.is_complex() {
            return Ok(Some(new));
        }
        let mut entry = entry_from_filter(def, filter).ok_or_else(|| {
            no_target(", and a new value can only be built from `eq` comparisons joined by `and`")
        })?;
        match (sub, new) {
            (Some(s), v) => {
                entry.insert(s.name.to_string(), v);
            }
            (None, Value::Object(obj)) => entry.extend(obj),
            (None, _) => {}
        }
        // Type-checks the filter's literals too (`primary eq "x"` cannot be stored).
        normalize_single(def, &Value::Object(entry), self.name, self.cx)
    }
}

/// Set `key` to `new`; with no new value, `replace` clears it and `add` leaves it.
fn set_or_clear(map: &mut Map<String, Value>, key: &str, new: Option<Value>, replace: bool) {
    match new {
        Some(v) => {
            map.insert(key.to_string(), v);
        }
        None if replace => {
            map.remove(key);
        }
        None => {}
    }
}
