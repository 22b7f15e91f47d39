-- The duplicate search reads only this index: every column it filters,
-- orders and returns, so a hotspot with hundreds of open reports costs an
-- index range and no table lookups.
DROP INDEX events_near;
CREATE INDEX events_near ON events (category, lat, lng, created_at, state, number, title)
    WHERE closed_at IS NULL;
