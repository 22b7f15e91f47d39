//! The domain of gongzhi: types and rules with no IO, no SQL and no HTTP.
//!
//! Everything here is deterministic and testable on its own; the store, the
//! HTTP layer and the binary build on these types.

pub mod access;
pub mod actor;
pub mod audit;
pub mod calendar;
pub mod catalogue;
pub mod crs;
pub mod crypto;
pub mod event;
pub mod event_flow;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod identity;
pub mod rates;
pub mod region;
pub mod responsibility;
pub mod seeded;
pub mod sla;
pub mod staff;
pub mod warning;

pub use crs::{Crs, LngLat};
pub use region::{Level, Region, RegionCode, RegionCodeError};
pub use staff::{GridStaff, StaffRole};
