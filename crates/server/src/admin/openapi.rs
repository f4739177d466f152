//! The admin API's OpenAPI 3.1 document, generated from the handlers' annotations (utoipa), so
//! it cannot drift from the routes it describes.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::apps;

#[derive(OpenApi)]
#[openapi(
    info(title = "Scimitar admin API", description = "Connected apps and provisioning. Authenticate with an admin-scoped token: `scimitar token create --tenant T --scope admin`."),
    paths(apps::list_apps, apps::create_app, apps::show_app, apps::delete_app),
    components(schemas(apps::NewApp, apps::NewAuth, apps::AppOut)),
    modifiers(&BearerAuth),
    tags((name = "apps", description = "Connected apps"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
