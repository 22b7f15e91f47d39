-- The region tree, from provinces down to micro-grids, with boundaries and
-- the staff of each grid.

CREATE TABLE regions (
    -- Statistical division code, or a grid code extending its community's.
    code        TEXT NOT NULL PRIMARY KEY,
    -- Name as published, rare characters included.
    name        TEXT NOT NULL,
    -- Depth in the tree: 0 province, 1 city, 2 county, 3 town, 4 community,
    -- 5 grid, 6 micro-grid.
    level       INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
    -- NULL for a province.
    parent_code TEXT NULL REFERENCES regions (code),
    -- Materialised path '/44/4405/440507/': a subtree is a path prefix.
    -- Paths hold only digits and slashes, which NOCASE orders as BINARY does;
    -- NOCASE lets SQLite's LIKE optimisation serve `path LIKE '/44/4405/%'`
    -- from the index, as it serves the range queries of the store.
    path        TEXT NOT NULL COLLATE NOCASE,
    -- GeoJSON geometry in WGS-84 (gongzhi_store::boundary::encode).
    boundary    TEXT NULL,
    min_lng     REAL NULL,
    min_lat     REAL NULL,
    max_lng     REAL NULL,
    max_lat     REAL NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX regions_path ON regions (path);
CREATE INDEX regions_parent ON regions (parent_code, code);

CREATE TABLE grid_staff (
    id          INTEGER PRIMARY KEY,
    grid_code   TEXT NOT NULL REFERENCES regions (code),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('leader', 'worker')),
    -- Position among the grid's staff as imported.
    ordinal     INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX grid_staff_grid ON grid_staff (grid_code, ordinal);
