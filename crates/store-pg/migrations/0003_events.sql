-- The closed loop: versioned configuration documents (the category
-- catalogue and the responsibility list), events with their timelines,
-- the daily sequence behind event numbers, idempotency keys and photos.
--
-- Instants are seconds since the Unix epoch. An event's whole record is the
-- JSON `body` (gongzhi_domain::event::Event); the other columns repeat what
-- queries filter, sort and count by, written from the body on every save.

CREATE TABLE config_versions (
    kind        TEXT NOT NULL CHECK (kind IN ('catalogue', 'responsibility')),
    version     BIGINT NOT NULL CHECK (version > 0),
    document    TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, version)
);

CREATE TABLE event_numbers (
    -- Local date, YYYYMMDD.
    day         TEXT NOT NULL PRIMARY KEY,
    last        BIGINT NOT NULL
);

CREATE TABLE events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    version         BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    category        TEXT NOT NULL,
    state           TEXT NOT NULL,
    suspended       BOOLEAN NOT NULL,
    urgency         TEXT NOT NULL,
    -- Deepest located region, its materialised path (subtree filters) and grid.
    region_code     TEXT NULL,
    region_path     TEXT COLLATE "C" NULL,
    grid_code       TEXT NULL,
    outside         BOOLEAN NOT NULL,
    centre_code     TEXT NULL,
    department      TEXT NULL,
    master          TEXT NULL,
    lng             DOUBLE PRECISION NULL,
    lat             DOUBLE PRECISION NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    closed_at       BIGINT NULL,
    warn_at         BIGINT NULL,
    due_at          BIGINT NULL,
    overdue         BOOLEAN NOT NULL,
    ever_overdue    BOOLEAN NOT NULL,
    satisfaction    SMALLINT NULL,
    resolved_level  SMALLINT NULL,
    -- Number, title, description and address, lower-cased, for text search.
    search_text     TEXT NOT NULL,
    body            TEXT NOT NULL
);

CREATE INDEX events_created ON events (created_at);
-- Statistics read only this index (an index-only scan): a subtree's range
-- of paths with every column they group and count by, never the wide rows.
CREATE INDEX events_region ON events (region_path, created_at) INCLUDE (category, state,
    region_code, channel, department, closed_at, ever_overdue, satisfaction, resolved_level);
CREATE INDEX events_state ON events (state, due_at);
CREATE INDEX events_near ON events (category, lat, lng) WHERE closed_at IS NULL;
CREATE INDEX events_due ON events (due_at) WHERE NOT overdue AND due_at IS NOT NULL;
CREATE INDEX events_master ON events (master) WHERE master IS NOT NULL;

CREATE TABLE event_timeline (
    event_id    BIGINT NOT NULL REFERENCES events (id),
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    action      TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (event_id, seq)
);

CREATE TABLE idempotency_keys (
    key             TEXT NOT NULL PRIMARY KEY,
    request_hash    TEXT NOT NULL,
    event_id        BIGINT NOT NULL REFERENCES events (id),
    created_at      BIGINT NOT NULL
);

CREATE TABLE attachments (
    id              TEXT NOT NULL PRIMARY KEY,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    data            BYTEA NOT NULL,
    created_at      BIGINT NOT NULL
);
