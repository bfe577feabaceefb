-- Send slots shared by every bote process (SMPP connections' and WhatsApp numbers'
-- messages per second): the time of each rate's next free slot, in microseconds since
-- the Unix epoch by the database's clock.
CREATE TABLE send_slots (
    key     TEXT   PRIMARY KEY,
    next_us BIGINT NOT NULL
);
