//! Photos over HTTP: upload checked for type and size, download by id.
//! The id is the SHA-256 of the bytes, so the same photo sent twice (a
//! retry) is stored once.

use crate::caller::Caller;
use crate::extract::Path;
use crate::{ApiError, AppState};
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Json, Router, extract::State, routing::get, routing::post};
use gongzhi_domain::access::Permission;
use gongzhi_service::ServiceError;
use gongzhi_store::Attachment;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/attachments", post(upload))
        .route("/attachments/{id}", get(download))
}

/// The image type of `data`, read from its first bytes, whatever the
/// request claims.
fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A stored photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    /// Its id, to list in a report or a step.
    pub id: String,
    /// Its type, as read from the bytes.
    pub content_type: &'static str,
    /// Its size in bytes.
    pub size: usize,
}

/// Stores a photo sent as the raw request body (JPEG, PNG or WebP, at
/// most 8 MiB).
#[utoipa::path(post, path = "/api/v1/attachments", tag = "events",
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = Uploaded), (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
    if !caller.may(Permission::ReportEvents) {
        caller
            .require(Permission::ActOnEvents)
            .map_err(ServiceError::from)?;
    }
    if body.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::too_large(body.len(), MAX_PHOTO_BYTES));
    }
    let content_type = sniff(&body).ok_or_else(|| {
        ApiError::unsupported_media(format!("the {} bytes sent are not one", body.len()))
    })?;
    let id = hex::encode(Sha256::digest(&body));
    let attachment = Attachment {
        id: id.clone(),
        content_type: content_type.into(),
        data: body.to_vec(),
        created_at: (state.now)(),
    };
    state.store.put_attachment(&attachment).await?;
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            id,
            content_type,
            size: body.len(),
        }),
    ))
}

/// A stored photo.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "events",
    params(("id" = String, Path, description = "Attachment id")),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    caller
        .require(Permission::ReadEvents)
        .map_err(ServiceError::from)?;
    let found = state
        .store
        .attachment(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("附件", "attachment", &id))?;
    Ok((
        [
            (header::CONTENT_TYPE, found.content_type),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
        ],
        found.data,
    ))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_are_read_from_the_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b""), None);
    }
}
