//! What a GeoReport v2 path asks for (a resource and a format, as in
//! `services/0102.json`), the answer in that format, and the spec's error
//! list: `[{"code": 404, "description": "…"}]`, or
//! `<errors><error><code>404</code><description>…</description></error></errors>`.

use super::document::Doc;
use crate::ApiError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A format of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json`, `application/json`.
    Json,
    /// `.xml`, `text/xml`: the format the spec requires, so also the one
    /// errors about the format itself are written in.
    Xml,
}

impl Format {
    /// The answer to a request: `result` written in this format.
    pub fn answer(self, result: Result<Reply, Open311Error>) -> Response {
        match result {
            Ok(reply) => self.write(StatusCode::OK, reply.root, &reply.doc),
            Err(error) => self.write(error.status, "errors", &error.doc()),
        }
    }

    fn write(self, status: StatusCode, root: &'static str, doc: &Doc) -> Response {
        let (content_type, body) = match self {
            Format::Json => (
                "application/json; charset=utf-8",
                serde_json::to_vec(doc).expect("documents serialise"),
            ),
            Format::Xml => ("text/xml; charset=utf-8", doc.to_xml(root)),
        };
        (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
    }
}

/// The last path segment of a GeoReport v2 request, such as `0102.json`:
/// the resource named and the format asked for. A segment without a known
/// format is refused with a 400 in XML.
#[derive(Debug)]
pub struct Resource {
    /// The resource: `services`, a service code, a request number …
    pub name: String,
    /// The format asked for.
    pub format: Format,
}

impl Resource {
    /// Splits `segment` at its last dot.
    pub fn parse(segment: &str) -> Result<Resource, Open311Error> {
        let (name, extension) = segment.rsplit_once('.').ok_or_else(|| {
            Open311Error::bad_request(format!("{segment} has no format: append .json or .xml"))
        })?;
        let format = match extension.to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "xml" => Format::Xml,
            other => {
                return Err(Open311Error::bad_request(format!(
                    "format {other} is not supported: use json or xml"
                )));
            }
        };
        Ok(Resource {
            name: name.to_owned(),
            format,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Resource {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| Format::Xml.answer(Err(Open311Error::bad_request(e.body_text()))))?;
        Resource::parse(&segment).map_err(|e| Format::Xml.answer(Err(e)))
    }
}

/// A successful answer (a 200, as in the spec's examples, also for a
/// posted request): the document and the XML root element it goes in.
#[derive(Debug)]
pub struct Reply {
    /// The XML root element, such as `services` or `service_definition`.
    pub root: &'static str,
    /// The document.
    pub doc: Doc,
}

impl Reply {
    /// `doc` under `root`.
    pub fn ok(root: &'static str, doc: Doc) -> Reply {
        Reply { root, doc }
    }
}

/// A failure as the spec lists them: 404 for what does not exist, 403 for
/// a missing or wrong `api_key`, 400 for anything else the client can fix;
/// 5xx when the server fails (logged, never described).
#[derive(Debug)]
pub struct Open311Error {
    status: StatusCode,
    description: String,
}

impl Open311Error {
    /// A request the client must change.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Open311Error {
            status: StatusCode::BAD_REQUEST,
            description: description.into(),
        }
    }

    /// A resource that does not exist.
    pub fn not_found(description: impl Into<String>) -> Self {
        Open311Error {
            status: StatusCode::NOT_FOUND,
            description: description.into(),
        }
    }

    /// A missing or unknown `api_key`.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Open311Error {
            status: StatusCode::FORBIDDEN,
            description: description.into(),
        }
    }

    /// The spec's error list with this one error; its code is the HTTP status.
    fn doc(&self) -> Doc {
        Doc::list(
            "error",
            vec![Doc::Record(vec![
                ("code", Doc::Int(i64::from(self.status.as_u16()))),
                ("description", Doc::Text(self.description.clone())),
            ])],
        )
    }
}

/// Failures of the loop and the store, in the spec's statuses: what the
/// domain refuses (422, 409 in our own API) is a 400 here.
impl From<ApiError> for Open311Error {
    fn from(e: ApiError) -> Self {
        let status = match e.status() {
            s if s.is_server_error() => s,
            s @ (StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => s,
            _ => StatusCode::BAD_REQUEST,
        };
        Open311Error {
            status,
            description: e.message_en().to_owned(),
        }
    }
}

impl From<gongzhi_service::ServiceError> for Open311Error {
    fn from(e: gongzhi_service::ServiceError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<gongzhi_store::StoreError> for Open311Error {
    fn from(e: gongzhi_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_names_a_resource_and_a_format() {
        let r = Resource::parse("20260302-000001.json").unwrap();
        assert_eq!(
            (r.name.as_str(), r.format),
            ("20260302-000001", Format::Json)
        );
        let r = Resource::parse("services.XML").unwrap();
        assert_eq!((r.name.as_str(), r.format), ("services", Format::Xml));
    }

    #[test]
    fn an_unknown_or_missing_format_is_a_400() {
        for segment in ["services.yaml", "services"] {
            let e = Resource::parse(segment).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{segment}");
            assert!(e.description.contains("json"), "{}", e.description);
        }
    }
}
