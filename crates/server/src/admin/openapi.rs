//! The admin API's OpenAPI 3.1 document, generated from the handlers' annotations (utoipa), so
//! it cannot drift from the routes it describes.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{apps, assignments, connection, oauth, run_logs, runs, settings};

#[derive(OpenApi)]
#[openapi(
    info(title = "Scimitar admin API", description = "Connected apps and provisioning. Authenticate with an admin-scoped token: `scimitar token create --tenant T --scope admin`."),
    paths(
        apps::list_apps, apps::create_app, apps::show_app, apps::delete_app,
        connection::change_app, connection::test_app, connection::app_schema,
        connection::start_app, connection::stop_app, oauth::authorize_app,
        assignments::list_assignments, assignments::add_assignment,
        assignments::remove_assignment,
        settings::get_mappings, settings::put_mappings, settings::get_scope, settings::put_scope,
        runs::plan, runs::sync, runs::approve_deletes, runs::reconcile, runs::provision,
        run_logs::list_runs, run_logs::latest_run, run_logs::show_run,
    ),
    components(schemas(
        apps::NewApp, apps::NewAuth, apps::AppOut, apps::NotificationsOut, connection::AppChanges,
        connection::NotificationsChange,
        oauth::NewOAuth, oauth::AuthorizationOut,
        connection::TestReport, assignments::Target, assignments::AssignmentOut,
        settings::MappingsImported, settings::Scope, runs::RunRequest, runs::PlansOut, runs::ReconcileRequest, runs::ReconcileOut,
        runs::SyncOut, runs::ProvisionRequest, runs::ProvisionOut,
        run_logs::RunOut, run_logs::RunObjectOut, run_logs::RunLog,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "apps", description = "Connected apps: connection, test, discovery, start and stop"),
        (name = "assignments", description = "Who an app receives"),
        (name = "settings", description = "Attribute mappings (TOML) and scoping filters"),
        (name = "runs", description = "Plans, runs, on-demand provisioning and run logs"),
    )
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
