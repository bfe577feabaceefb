-- The unprocessed mark of inbound messages (0015) in a narrow table of its own. Clearing it
-- was an UPDATE of the wide `inbound_messages` row that changed an indexed column, so
-- PostgreSQL could not update in place and every index of the table got a new entry for
-- each processed message (27 µs a row); now it is the DELETE of a two-column row.
CREATE TABLE inbound_pending (
    inbound_id    bigint PRIMARY KEY REFERENCES inbound_messages (id) ON DELETE CASCADE,
    process_after timestamptz NOT NULL
);
INSERT INTO inbound_pending (inbound_id, process_after)
    SELECT id, process_after FROM inbound_messages WHERE process_after IS NOT NULL;
CREATE INDEX inbound_pending_due ON inbound_pending (process_after, inbound_id);
DROP INDEX inbound_messages_pending;
ALTER TABLE inbound_messages DROP COLUMN process_after;
