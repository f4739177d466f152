//! The core User schema (RFC 7643 §4.1, §8.7.1).

use super::attribute::{multi_value_subs, AttributeDef as A, Mutability::*, Returned, Uniqueness};
use super::{Schema, USER_SCHEMA};

pub(super) fn schema() -> Schema {
    Schema {
        id: USER_SCHEMA,
        name: "User",
        description: "User Account",
        attributes: vec![
            A::string("userName")
                .required()
                .unique(Uniqueness::Server)
                .desc("Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Case-insensitively unique per tenant."),
            A::complex(
                "name",
                vec![
                    A::string("formatted").desc("The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
                    A::string("familyName").desc("The family name of the User."),
                    A::string("givenName").desc("The given name of the User."),
                    A::string("middleName").desc("The middle name(s) of the User."),
                    A::string("honorificPrefix").desc("The honorific prefix(es) of the User."),
                    A::string("honorificSuffix").desc("The honorific suffix(es) of the User."),
                ],
            )
            .desc("The components of the user's real name."),
            A::string("displayName").desc("The name of the User, suitable for display to end-users."),
            A::string("nickName").desc("The casual way to address the user in real life."),
            A::reference("profileUrl", &["external"]).desc("A fully qualified URL pointing to a page representing the User's online profile."),
            A::string("title").desc("The user's title, such as \"Vice President\"."),
            A::string("userType").desc("Used to identify the relationship between the organization and the user."),
            A::string("preferredLanguage").desc("Indicates the User's preferred written or spoken language."),
            A::string("locale").desc("Used to indicate the User's default location for localization."),
            A::string("timezone").desc("The User's time zone in the 'Olson' time zone database format."),
            A::boolean("active").desc("A Boolean value indicating the User's administrative status."),
            A::string("password")
                .mutability(WriteOnly)
                .returned(Returned::Never)
                .desc("The User's cleartext password. Write-only; stored hashed and never returned."),
            A::complex("emails", multi_value_subs(A::string("value").desc("Email addresses for the user."), &["work", "home", "other"], true))
                .multi()
                .desc("Email addresses for the user."),
            A::complex("phoneNumbers", multi_value_subs(A::string("value").desc("Phone number of the User."), &["work", "home", "mobile", "fax", "pager", "other"], true))
                .multi()
                .desc("Phone numbers for the User."),
            A::complex("ims", multi_value_subs(A::string("value").desc("Instant messaging address for the User."), &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"], true))
                .multi()
                .desc("Instant messaging addresses for the User."),
            A::complex("photos", multi_value_subs(A::reference("value", &["external"]).desc("URL of a photo of the User."), &["photo", "thumbnail"], true))
                .multi()
                .desc("URLs of photos of the User."),
            A::complex(
                "addresses",
                vec![
                    A::string("formatted").desc("The full mailing address, formatted for display or use with a mailing label."),
                    A::string("streetAddress").desc("The full street address component."),
                    A::string("locality").desc("The city or locality component."),
                    A::string("region").desc("The state or region component."),
                    A::string("postalCode").desc("The zip code or postal code component."),
                    A::string("country").desc("The country name component."),
                    A::string("type").canonical(&["work", "home", "other"]).desc("A label indicating the attribute's function."),
                    A::boolean("primary").desc("A Boolean value indicating the 'primary' or preferred attribute value."),
                ],
            )
            .multi()
            .desc("A physical mailing address for this User."),
            A::complex(
                "groups",
                vec![
                    A::string("value").mutability(ReadOnly).desc("The identifier of the User's group."),
                    A::reference("$ref", &["User", "Group"]).mutability(ReadOnly).desc("The URI of the corresponding 'Group' resource."),
                    A::string("display").mutability(ReadOnly).desc("A human-readable name."),
                    A::string("type").canonical(&["direct", "indirect"]).mutability(ReadOnly).desc("Either 'direct' or 'indirect'."),
                ],
            )
            .multi()
            .mutability(ReadOnly)
            .desc("A list of groups to which the user belongs, either through direct membership or through nested groups. Computed; read-only."),
            A::complex("entitlements", multi_value_subs(A::string("value").desc("The value of an entitlement."), &[], true))
                .multi()
                .desc("A list of entitlements for the User."),
            A::complex("roles", multi_value_subs(A::string("value").desc("The value of a role."), &[], true))
                .multi()
                .desc("A list of roles for the User."),
            A::complex(
                "x509Certificates",
                multi_value_subs(A::new("value", super::AttrType::Binary).desc("The value of an X.509 certificate."), &[], true),
            )
            .multi()
            .desc("A list of certificates issued to the User."),
        ],
    }
}
