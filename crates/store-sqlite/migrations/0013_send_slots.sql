-- Send slots shared by every bote process on this file (SMPP connections' and WhatsApp
-- numbers' messages per second): the time of each rate's next free slot, in microseconds
-- since the Unix epoch.
CREATE TABLE send_slots (
    key     TEXT    PRIMARY KEY,
    next_us INTEGER NOT NULL
);
