//! The OpenAPI 3.1 document and Swagger UI, both served from the binary.

use crate::AppState;
use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document of the HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(title = "gongzhi 共治 API", description = "Municipal social-governance platform: regions, grids and point lookup."),
    paths(
        crate::ops::healthz,
        crate::ops::readyz,
        crate::ops::metrics,
        crate::regions::list,
        crate::regions::search,
        crate::regions::one,
        crate::regions::children,
        crate::locate::locate,
    ),
    tags(
        (name = "regions", description = "区域与网格 Regions and grids"),
        (name = "ops", description = "运维 Operations"),
    )
)]
pub struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
