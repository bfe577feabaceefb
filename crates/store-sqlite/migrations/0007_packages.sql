-- The WhatsApp add-on per account (R1–R4), the account's inbound callback URL, and
-- callbacks that forward inbound messages (a callback is about a message or an inbound
-- message, never both).

CREATE TABLE whatsapp_addons (
    account_id       INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    package          TEXT    NOT NULL CHECK (package IN ('small', 'medium', 'large')),
    activated_at     TEXT    NOT NULL,
    activated_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- A date (YYYY-MM-DD): the setup is expected by then (working days, R3). Whether the
    -- add-on is active is derived from the account's WhatsApp business numbers (R4).
    expected_on      TEXT    NOT NULL,
    previous_package TEXT    CHECK (previous_package IN ('small', 'medium', 'large')),
    opt_ins_reset_at TEXT
);

ALTER TABLE accounts ADD COLUMN inbound_callback_url TEXT;

-- SQLite cannot drop NOT NULL from a column: the table is rebuilt. Nothing references it.
CREATE TABLE callbacks_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL,
    message_id      INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    inbound_id      INTEGER REFERENCES inbound_messages (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('delivery_report', 'inbound')),
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    lease_until     TEXT,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    done_at         TEXT,
    CHECK ((message_id IS NULL) <> (inbound_id IS NULL))
);

INSERT INTO callbacks_new (id, account_id, message_id, url, kind, status, attempts,
    next_attempt_at, lease_until, last_error, created_at, done_at)
SELECT id, account_id, message_id, url, kind, status, attempts, next_attempt_at,
    lease_until, last_error, created_at, done_at
FROM callbacks;

DROP TABLE callbacks;
ALTER TABLE callbacks_new RENAME TO callbacks;

CREATE INDEX callbacks_due ON callbacks (next_attempt_at) WHERE status = 'pending';
-- An inbound message is forwarded once, however often its provider delivers it.
CREATE UNIQUE INDEX callbacks_inbound ON callbacks (inbound_id) WHERE inbound_id IS NOT NULL;
