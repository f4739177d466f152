//! Schemas and resource types, and attribute lookup by (possibly URN-qualified) name.

use super::attribute::AttributeDef;
use super::{common_attributes, schema_by_id};

#[derive(Debug, Clone)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResourceType {
    pub kind: ResourceKind,
    pub name: &'static str,
    pub endpoint: &'static str,
    pub description: &'static str,
    pub schema: &'static str,
    /// Extension schema URNs and whether each is required.
    pub extensions: Vec<(&'static str, bool)>,
}

/// Where an attribute lives: in the core schema (top-level JSON key) or in an extension
/// (under the extension URN key).
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    /// `None` for core and common attributes; the extension URN otherwise.
    pub extension: Option<&'static str>,
    pub def: &'a AttributeDef,
}

impl ResourceType {
    pub fn core_schema(&self) -> &'static Schema {
        // The registry always contains the schemas its resource types name.
        match schema_by_id(self.schema) {
            Some(s) => s,
            None => unreachable!("resource type names an unknown schema"),
        }
    }

    /// Extension schemas of this resource type.
    pub fn extension_schemas(&self) -> impl Iterator<Item = &'static Schema> + '_ {
        self.extensions
            .iter()
            .filter_map(|(urn, _)| schema_by_id(urn))
    }

    /// Whether `urn` is this resource type's core schema or one of its extensions.
    pub fn knows_schema(&self, urn: &str) -> bool {
        self.schema.eq_ignore_ascii_case(urn)
            || self
                .extensions
                .iter()
                .any(|(u, _)| u.eq_ignore_ascii_case(urn))
    }

    /// The extension URN matching `urn` case-insensitively, in canonical spelling.
    pub fn extension_urn(&self, urn: &str) -> Option<&'static str> {
        self.extensions
            .iter()
            .map(|(u, _)| *u)
            .find(|u| u.eq_ignore_ascii_case(urn))
    }

    /// Look up a top-level attribute. `urn` is the schema URN prefix if the name was qualified.
    pub fn attribute(&self, urn: Option<&str>, name: &str) -> Option<Located<'static>> {
        match urn {
            None => self.unqualified(name),
            Some(u) if u.eq_ignore_ascii_case(self.schema) => self.unqualified(name),
            Some(u) => {
                let ext = self.extension_urn(u)?;
                let def = schema_by_id(ext)?.attribute(name)?;
                Some(Located {
                    extension: Some(ext),
                    def,
                })
            }
        }
    }

    fn unqualified(&self, name: &str) -> Option<Located<'static>> {
        if let Some(def) = common_attributes()
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
        {
            return Some(Located {
                extension: None,
                def,
            });
        }
        self.core_schema().attribute(name).map(|def| Located {
            extension: None,
            def,
        })
    }

    /// Iterate all top-level attributes, core first, then each extension's.
    pub fn all_attributes(&self) -> Vec<Located<'static>> {
        let mut out: Vec<Located<'static>> = common_attributes()
            .iter()
            .map(|def| Located {
                extension: None,
                def,
            })
            .collect();
        out.extend(self.core_schema().attributes.iter().map(|def| Located {
            extension: None,
            def,
        }));
        for ext in self.extension_schemas() {
            out.extend(ext.attributes.iter().map(|def| Located {
                extension: Some(ext.id),
                def,
            }));
        }
        out
    }
}
