//! Who is calling. Until accounts and sessions exist, the caller states
//! their identity in headers: `X-Actor-Id`, `X-Actor-Role` (a role's
//! machine name) and, for department staff, `X-Actor-Department`. A request
//! without them is an anonymous citizen. The domain checks every step
//! against the role and department given here.

use crate::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use gongzhi_domain::actor::{Actor, Role};

/// The caller of a request.
pub struct Caller(pub Actor);

fn header<'a>(parts: &'a Parts, name: &str) -> Result<Option<&'a str>, ApiError> {
    parts
        .headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::invalid_parameter(name, "is not visible ASCII"))
        })
        .transpose()
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let role = match header(parts, "x-actor-role")? {
            None => Role::Citizen,
            Some(name) => Role::parse(name)
                .filter(|r| *r != Role::System)
                .ok_or_else(|| {
                    let roles: Vec<&str> = Role::ALL
                        .iter()
                        .filter(|r| **r != Role::System)
                        .map(|r| r.as_str())
                        .collect();
                    ApiError::invalid_parameter(
                        "x-actor-role",
                        format!("{name:?} is not one of {}", roles.join(", ")),
                    )
                })?,
        };
        let id = header(parts, "x-actor-id")?
            .unwrap_or("anonymous")
            .to_owned();
        let department = header(parts, "x-actor-department")?.map(str::to_owned);
        Ok(Caller(Actor {
            name: id.clone(),
            id,
            role,
            department,
        }))
    }
}
