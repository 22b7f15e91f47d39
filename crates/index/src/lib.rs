//! Composite governance indices, as Guangzhou's 红棉指数 and Zhuhai's 平安+
//! compute them: a [`Definition`] written as data is checked into a
//! [`Tree`]; [`compute`] runs the pipeline (denominate → impute → treat
//! outliers → normalise → weight → aggregate → rank → change) over a series
//! of periods, in the way of the JRC's COINr, whose ASEM example the tests
//! reproduce; [`warn`] turns scores, targets and event surges into
//! three-colour warnings with reasons; [`stability`] reports how ranks move
//! when weights are perturbed.
//!
//! Pure computation: no IO, no clock.

pub mod compute;
pub mod definition;
mod error;
pub mod period;
pub mod sheet;
pub mod stability;
pub mod stats;
pub mod steps;
mod tree;
pub mod warn;
pub mod weights;

pub use compute::{Method, PeriodInput, PeriodResult, compute};
pub use definition::Definition;
pub use error::{DataError, DefinitionError};
pub use tree::{AhpResult, Tree};
