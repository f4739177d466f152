//! One attribute definition and its characteristics (RFC 7643 §2.2, §7).

/// RFC 7643 §2.3 data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// An attribute definition. Built with the small constructors below so the schema files read
/// like the RFC's tables.
#[derive(Debug, Clone)]
pub struct AttributeDef {
    pub name: &'static str,
    pub attr_type: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: Vec<&'static str>,
    pub reference_types: Vec<&'static str>,
    pub sub_attributes: Vec<AttributeDef>,
}

impl AttributeDef {
    pub fn new(name: &'static str, attr_type: AttrType) -> Self {
        AttributeDef {
            name,
            attr_type,
            multi_valued: false,
            description: "",
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: vec![],
            reference_types: vec![],
            sub_attributes: vec![],
        }
    }
    pub fn string(name: &'static str) -> Self {
        Self::new(name, AttrType::String)
    }
    pub fn boolean(name: &'static str) -> Self {
        Self::new(name, AttrType::Boolean)
    }
    pub fn datetime(name: &'static str) -> Self {
        Self::new(name, AttrType::DateTime)
    }
    pub fn reference(name: &'static str, types: &[&'static str]) -> Self {
        let mut a = Self::new(name, AttrType::Reference);
        a.reference_types = types.to_vec();
        a
    }
    pub fn complex(name: &'static str, subs: Vec<AttributeDef>) -> Self {
        let mut a = Self::new(name, AttrType::Complex);
        a.sub_attributes = subs;
        a
    }
    pub fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub fn desc(mut self, d: &'static str) -> Self {
        self.description = d;
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    pub fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    pub fn unique(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    pub fn canonical(mut self, values: &[&'static str]) -> Self {
        self.canonical_values = values.to_vec();
        self
    }

    /// The sub-attribute named `name` (case-insensitive).
    pub fn sub(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn is_complex(&self) -> bool {
        self.attr_type == AttrType::Complex
    }
}

/// The standard sub-attributes of a multi-valued complex attribute (RFC 7643 §2.4).
pub fn multi_value_subs(
    value: AttributeDef,
    types: &[&'static str],
    with_display: bool,
) -> Vec<AttributeDef> {
    let mut subs = vec![value];
    if with_display {
        subs.push(
            AttributeDef::string("display")
                .desc("A human-readable name, primarily used for display purposes."),
        );
    }
    subs.push(
        AttributeDef::string("type")
            .canonical(types)
            .desc("A label indicating the attribute's function."),
    );
    subs.push(
        AttributeDef::boolean("primary")
            .desc("A Boolean value indicating the 'primary' or preferred attribute value."),
    );
    subs
}

pub(crate) fn common_attributes() -> Vec<AttributeDef> {
    use Mutability::*;
    vec![
        AttributeDef::string("id")
            .case_exact()
            .mutability(ReadOnly)
            .returned(Returned::Always)
            .unique(Uniqueness::Server)
            .desc("Unique identifier for the SCIM resource as defined by the Service Provider."),
        AttributeDef::string("externalId")
            .case_exact()
            .desc("A String that is an identifier for the resource as defined by the provisioning client."),
        AttributeDef::complex(
            "meta",
            vec![
                AttributeDef::string("resourceType").case_exact().mutability(ReadOnly),
                AttributeDef::datetime("created").mutability(ReadOnly),
                AttributeDef::datetime("lastModified").mutability(ReadOnly),
                AttributeDef::reference("location", &["uri"]).case_exact().mutability(ReadOnly),
                AttributeDef::string("version").case_exact().mutability(ReadOnly),
            ],
        )
        .mutability(ReadOnly)
        .desc("A complex attribute containing resource metadata."),
    ]
}
