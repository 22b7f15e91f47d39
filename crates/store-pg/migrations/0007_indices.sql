-- Composite indices: each definition version as written (JSON), the values
-- loaded per period, unit (region) and series (an indicator or a
-- denominator), and each period's computed result (JSON: scores, ranks,
-- changes, warnings and the method that produced them), with its warnings
-- alone beside it for the map, which reads them on every request. Instants are
-- seconds since the Unix epoch.

CREATE TABLE index_definitions (
    code        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE index_values (
    code    TEXT NOT NULL,
    period  TEXT NOT NULL,
    unit    TEXT NOT NULL,
    series  TEXT NOT NULL,
    value   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (code, period, unit, series)
);

CREATE TABLE index_results (
    code         TEXT NOT NULL,
    period       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    body         TEXT NOT NULL,
    warnings     TEXT NOT NULL,
    computed_at  BIGINT NOT NULL,
    PRIMARY KEY (code, period)
);
