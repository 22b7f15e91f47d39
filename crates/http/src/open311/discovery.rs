//! The Open311 service discovery document: where the GeoReport v2
//! endpoint is, in which formats, and since when its services (the
//! catalogue in force) are what they are.

use super::document::Doc;
use super::format::{Open311Error, Reply};
use crate::AppState;
use crate::views::instant;
use gongzhi_store::ConfigKind;

/// `GET discovery`: one production endpoint at `{origin}/open311/v2`.
pub async fn document(state: &AppState, origin: &str) -> Result<Reply, Open311Error> {
    let rules = state.service.rules();
    let changeset = state
        .store
        .config_version(ConfigKind::Catalogue, rules.catalogue_version)
        .await?
        .map(|v| instant(v.created_at));
    let endpoint = Doc::Record(vec![
        (
            "specification",
            Doc::Text("http://wiki.open311.org/GeoReport_v2".into()),
        ),
        ("url", Doc::Text(format!("{origin}/open311/v2"))),
        ("changeset", Doc::text(changeset.clone())),
        ("type", Doc::Text("production".into())),
        (
            "formats",
            Doc::list(
                "format",
                vec![
                    Doc::Text("application/json".into()),
                    Doc::Text("text/xml".into()),
                ],
            ),
        ),
    ]);
    Ok(Reply::ok(
        "discovery",
        Doc::Record(vec![
            ("changeset", Doc::text(changeset)),
            (
                "contact",
                Doc::Text("The city's social governance command centre (指挥中心).".into()),
            ),
            (
                "key_service",
                Doc::Text(
                    "API keys for posting requests are issued by the platform's \
                     administrator."
                        .into(),
                ),
            ),
            ("endpoints", Doc::list("endpoint", vec![endpoint])),
        ]),
    ))
}
