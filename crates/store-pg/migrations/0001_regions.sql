-- The region tree, from provinces down to micro-grids, with boundaries and
-- the staff of each grid.
--
-- Codes and paths use the "C" collation: they sort by code point whatever
-- the database's locale, and a plain B-tree index on `path` serves prefix
-- queries, both the store's ranges and `path LIKE '/44/4405/%'`.

CREATE TABLE regions (
    -- Statistical division code, or a grid code extending its community's.
    code        TEXT COLLATE "C" PRIMARY KEY,
    -- Name as published, rare characters included.
    name        TEXT NOT NULL,
    -- Depth in the tree: 0 province, 1 city, 2 county, 3 town, 4 community,
    -- 5 grid, 6 micro-grid.
    level       SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 6),
    -- NULL for a province.
    parent_code TEXT COLLATE "C" NULL REFERENCES regions (code),
    -- Materialised path '/44/4405/440507/': a subtree is a path prefix.
    path        TEXT COLLATE "C" NOT NULL,
    -- GeoJSON geometry in WGS-84 (gongzhi_store::boundary::encode).
    boundary    TEXT NULL,
    min_lng     DOUBLE PRECISION NULL,
    min_lat     DOUBLE PRECISION NULL,
    max_lng     DOUBLE PRECISION NULL,
    max_lat     DOUBLE PRECISION NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX regions_path ON regions (path);
CREATE INDEX regions_parent ON regions (parent_code, code);

CREATE TABLE grid_staff (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    grid_code   TEXT COLLATE "C" NOT NULL REFERENCES regions (code),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('leader', 'worker')),
    -- Position among the grid's staff as imported.
    ordinal     INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX grid_staff_grid ON grid_staff (grid_code, ordinal);
