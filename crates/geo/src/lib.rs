//! The spatial side of gongzhi, free of databases and HTTP: reading boundary
//! and grid files ([`read`]), checking polygons ([`validate`]), moving them
//! between coordinate systems ([`convert`]), deriving
//! town, community and grid polygons inside real county boundaries
//! ([`gridgen`]), and answering which grid holds a point ([`locator`]).
//!
//! All geometry here is in WGS-84 degrees unless a function says otherwise.

pub mod convert;
pub mod gridgen;
pub mod locator;
pub mod read;
mod repair;
pub mod validate;
