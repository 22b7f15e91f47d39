-- Accounts: users with their role and jurisdiction, sign-in sessions, API
-- tokens for other systems and citizens' one-time codes. Secrets are kept
-- only as hashes (Argon2id for passwords, SHA-256 for random tokens and
-- codes); phone numbers only sealed (SM4), with a keyed hash (HMAC-SM3) to
-- find them. Events gain the keyed hash of their reporter's phone, so a
-- citizen's own reports are found without decrypting any. Instants are
-- seconds since the Unix epoch.

CREATE TABLE users (
    id              TEXT NOT NULL PRIMARY KEY,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    region_code     TEXT NULL,
    department      TEXT NULL,
    -- JSON array of grid codes.
    grids           TEXT NOT NULL,
    phone_sealed    TEXT NULL,
    phone_key       TEXT NULL,
    password_hash   TEXT NULL,
    must_change     BOOLEAN NOT NULL,
    failures        BIGINT NOT NULL,
    locked_until    BIGINT NULL,
    disabled        BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX users_phone ON users (phone_key) WHERE phone_key IS NOT NULL;

CREATE TABLE sessions (
    token_hash      TEXT NOT NULL PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    csrf_hash       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    seen_at         BIGINT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id              TEXT NOT NULL PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT NULL
);

CREATE TABLE one_time_codes (
    phone_key       TEXT NOT NULL PRIMARY KEY,
    code_hash       TEXT NOT NULL,
    sent_at         BIGINT NOT NULL,
    attempts        BIGINT NOT NULL
);

ALTER TABLE events ADD COLUMN reporter_key TEXT NULL;
CREATE INDEX events_reporter ON events (reporter_key) WHERE reporter_key IS NOT NULL;
