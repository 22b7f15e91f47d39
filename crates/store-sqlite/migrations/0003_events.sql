-- The closed loop: versioned configuration documents (the category
-- catalogue and the responsibility list), events with their timelines,
-- the daily sequence behind event numbers, idempotency keys and photos.
--
-- Instants are seconds since the Unix epoch. An event's whole record is the
-- JSON `body` (gongzhi_domain::event::Event); the other columns repeat what
-- queries filter, sort and count by, written from the body on every save.

CREATE TABLE config_versions (
    kind        TEXT NOT NULL CHECK (kind IN ('catalogue', 'responsibility')),
    version     INTEGER NOT NULL CHECK (version > 0),
    document    TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, version)
) STRICT;

CREATE TABLE event_numbers (
    -- Local date, YYYYMMDD.
    day         TEXT NOT NULL PRIMARY KEY,
    last        INTEGER NOT NULL
) STRICT;

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    version         INTEGER NOT NULL,
    channel         TEXT NOT NULL,
    category        TEXT NOT NULL,
    state           TEXT NOT NULL,
    suspended       INTEGER NOT NULL,
    urgency         TEXT NOT NULL,
    -- Deepest located region, its materialised path (subtree filters) and grid.
    region_code     TEXT NULL,
    region_path     TEXT NULL COLLATE NOCASE,
    grid_code       TEXT NULL,
    outside         INTEGER NOT NULL,
    centre_code     TEXT NULL,
    department      TEXT NULL,
    master          TEXT NULL,
    lng             REAL NULL,
    lat             REAL NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    closed_at       INTEGER NULL,
    warn_at         INTEGER NULL,
    due_at          INTEGER NULL,
    overdue         INTEGER NOT NULL,
    ever_overdue    INTEGER NOT NULL,
    satisfaction    INTEGER NULL,
    resolved_level  INTEGER NULL,
    -- Number, title, description and address, lower-cased, for text search.
    search_text     TEXT NOT NULL,
    body            TEXT NOT NULL
) STRICT;

CREATE INDEX events_created ON events (created_at);
-- Statistics read only this index: a subtree's range of paths with every
-- column they group and count by, never the wide rows.
CREATE INDEX events_region ON events (region_path, created_at, category, state, region_code,
    channel, department, closed_at, ever_overdue, satisfaction, resolved_level);
CREATE INDEX events_state ON events (state, due_at);
CREATE INDEX events_near ON events (category, lat, lng) WHERE closed_at IS NULL;
CREATE INDEX events_due ON events (due_at) WHERE overdue = 0 AND due_at IS NOT NULL;
CREATE INDEX events_master ON events (master) WHERE master IS NOT NULL;

CREATE TABLE event_timeline (
    event_id    INTEGER NOT NULL REFERENCES events (id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    action      TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (event_id, seq)
) STRICT;

CREATE TABLE idempotency_keys (
    key             TEXT NOT NULL PRIMARY KEY,
    request_hash    TEXT NOT NULL,
    event_id        INTEGER NOT NULL REFERENCES events (id),
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE attachments (
    id              TEXT NOT NULL PRIMARY KEY,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    data            BLOB NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;
