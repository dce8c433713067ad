-- The current place is kept on the resident row (since when, why); residence_history holds
-- the closed periods, so registering a resident writes one row, not two.
ALTER TABLE residents ADD COLUMN place_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE residents ADD COLUMN place_reason TEXT NOT NULL DEFAULT '';
UPDATE residents SET
    place_since = COALESCE((SELECT MAX(h.from_at) FROM residence_history h
                            WHERE h.resident_id = residents.id AND h.to_at IS NULL), created_at),
    place_reason = COALESCE((SELECT MAX(h.reason) FROM residence_history h
                             WHERE h.resident_id = residents.id AND h.to_at IS NULL), '');
DELETE FROM residence_history WHERE to_at IS NULL;
