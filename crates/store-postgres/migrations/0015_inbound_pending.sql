-- Inbound messages not yet through keywords, opt-ins and forwarding: `process_after` is
-- set when a message is stored, and is the end of the lease of whoever processes it; a
-- worker takes over once it has passed (a crash between storing and processing). NULL:
-- processed, or nothing to process (repeats, unrouted messages, rows from before).
ALTER TABLE inbound_messages ADD COLUMN process_after timestamptz;
CREATE INDEX inbound_messages_pending
    ON inbound_messages (process_after, id) WHERE process_after IS NOT NULL;
