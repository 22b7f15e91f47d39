//! What statistics count of an event: the columns they filter, group and
//! count by, without the record. The service keeps these in memory to
//! answer statistics over millions of events at once; they are read from
//! the event as saved, so memory and the database agree.

use gongzhi_domain::calendar::epoch_of_local;
use gongzhi_domain::event::{Channel, Event};
use gongzhi_domain::event_flow::EventState;
use gongzhi_domain::{Level, RegionCode};

/// The counted facts of one event. Instants are seconds since the Unix
/// epoch, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFacts {
    /// The event's identity.
    pub id: i64,
    /// Its version: of two facts of one event, the higher is current.
    pub version: i64,
    /// How it came in.
    pub channel: Channel,
    /// Its category code.
    pub category: String,
    /// Its state.
    pub state: EventState,
    /// The deepest region it was located in.
    pub region: Option<RegionCode>,
    /// Its grid.
    pub grid: Option<RegionCode>,
    /// Flagged outside the jurisdiction.
    pub outside: bool,
    /// The lead department.
    pub department: Option<String>,
    /// When it was reported.
    pub created_at: i64,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// When the running phase turns yellow.
    pub warn_at: Option<i64>,
    /// When the running phase is overdue.
    pub due_at: Option<i64>,
    /// Some phase ran over.
    pub ever_overdue: bool,
    /// The citizen's rating, 1–5.
    pub satisfaction: Option<u8>,
    /// The level it was resolved at.
    pub resolved_level: Option<Level>,
}

impl EventFacts {
    /// The facts of `event` as it is saved.
    pub fn of(event: &Event) -> EventFacts {
        EventFacts {
            id: event.id,
            version: event.version,
            channel: event.channel,
            category: event.category.clone(),
            state: event.flow.state,
            region: event.placement.region.clone(),
            grid: event.placement.grid.clone(),
            outside: event.placement.outside,
            department: event.department.clone(),
            created_at: epoch_of_local(event.created_at),
            closed_at: event.closed_at.map(epoch_of_local),
            warn_at: event.warn_at.map(epoch_of_local),
            due_at: event.due_at.map(epoch_of_local),
            ever_overdue: event.ever_overdue,
            satisfaction: event.flow.satisfaction,
            resolved_level: event.resolved_level,
        }
    }
}
