-- The store's revision (Store::revision): one number, grown by every batch
-- that changes what is stored, inside the batch's transaction, so that a
-- running server can tell from it alone that its point index is stale.

CREATE TABLE store_revision (
    -- Always 1: the table holds one row.
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    value       BIGINT NOT NULL
);

INSERT INTO store_revision (id, value) VALUES (1, 0);
