-- The unprocessed mark of inbound messages (0015) in a narrow table of its own, as on
-- PostgreSQL (where clearing a column of the wide row rewrote every index entry of it):
-- storing a message inserts its mark, processing deletes it.
CREATE TABLE inbound_pending (
    inbound_id    INTEGER PRIMARY KEY REFERENCES inbound_messages (id) ON DELETE CASCADE,
    process_after TEXT NOT NULL
);
INSERT INTO inbound_pending (inbound_id, process_after)
    SELECT id, process_after FROM inbound_messages WHERE process_after IS NOT NULL;
CREATE INDEX inbound_pending_due ON inbound_pending (process_after, inbound_id);
DROP INDEX inbound_messages_pending;
ALTER TABLE inbound_messages DROP COLUMN process_after;
