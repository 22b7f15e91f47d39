//! The OpenAPI 3.1 document and Swagger UI, both served from the binary.

use crate::AppState;
use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document of the HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(title = "gongzhi 共治 API", description = "Municipal social-governance platform: regions, grids, point lookup and the closed loop of events."),
    paths(
        crate::ops::healthz,
        crate::ops::readyz,
        crate::ops::metrics,
        crate::regions::list,
        crate::regions::search,
        crate::regions::one,
        crate::regions::children,
        crate::locate::locate,
        crate::events::report,
        crate::events::list,
        crate::events::one,
        crate::events::timeline,
        crate::events::duplicates,
        crate::events::act,
        crate::events::reporter,
        crate::session::sign_in,
        crate::session::me,
        crate::session::sign_out,
        crate::session::send_code,
        crate::session::sign_in_with_code,
        crate::session::change_password,
        crate::session::users,
        crate::session::create_user,
        crate::session::update_user,
        crate::session::issue_token,
        crate::session::revoke_token,
        crate::attachments::upload,
        crate::attachments::download,
        crate::stats::stats,
        crate::map::regions,
        crate::map::events,
        crate::map::settings,
        crate::indices::list,
        crate::indices::define,
        crate::indices::definition,
        crate::indices::load,
        crate::indices::compute,
        crate::indices::scores,
        crate::indices::lists,
        crate::indices::warnings,
        crate::indices::export,
        crate::rules::catalogue,
        crate::rules::catalogue_version,
        crate::rules::put_catalogue,
        crate::rules::put_entry,
        crate::rules::responsibility,
        crate::rules::put_responsibility,
    ),
    tags(
        (name = "regions", description = "区域与网格 Regions and grids"),
        (name = "events", description = "事件与诉求闭环 Events and the closed loop"),
        (name = "rules", description = "事项清单与权责清单 Catalogue and responsibility list"),
        (name = "map", description = "民情地图 The map"),
        (name = "session", description = "登录与会话 Signing in"),
        (name = "users", description = "用户与令牌 Users and API tokens"),
        (name = "ops", description = "运维 Operations"),
    )
)]
pub struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
