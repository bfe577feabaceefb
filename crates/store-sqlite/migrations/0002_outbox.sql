-- The outbox: sends, one row per message, provider ids for receipt matching, receipts that
-- came before their message was known as sent, and callbacks to customers.

CREATE TABLE sends (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel           TEXT    NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
    state             TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'cancelled')),
    source            TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    schedule_at       TEXT,
    client_message_id TEXT,
    callback_url      TEXT,
    test              INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT    NOT NULL
);

CREATE INDEX sends_account ON sends (account_id, id);
CREATE UNIQUE INDEX sends_client_message_id ON sends (account_id, client_message_id)
    WHERE client_message_id IS NOT NULL;

-- A paused send's queued messages get next_attempt_at '9999…' so claims never scan them;
-- resuming sets it back.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    send_id         INTEGER NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL,
    channel         TEXT    NOT NULL,
    recipient       TEXT,
    -- Refused by the server (invalid number, repeat): kept for the report, outside the
    -- one-message-per-number rule.
    refused         INTEGER NOT NULL DEFAULT 0,
    -- No foreign key: deleting a contact keeps its messages (and opt-ins, R14).
    contact_id      INTEGER,
    status          TEXT    NOT NULL,
    reason          TEXT,
    error_code      TEXT,
    segments        INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    lease_until     TEXT,
    created_at      TEXT    NOT NULL,
    sending_at      TEXT,
    sent_at         TEXT,
    done_at         TEXT
);

CREATE UNIQUE INDEX messages_send_recipient ON messages (send_id, recipient) WHERE refused = 0;
CREATE INDEX messages_due ON messages (channel, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX messages_leased ON messages (channel, lease_until) WHERE status = 'sending';
CREATE INDEX messages_send_status ON messages (send_id, status);
CREATE INDEX messages_account ON messages (account_id, recipient);

CREATE TABLE message_refs (
    connection  TEXT    NOT NULL,
    provider_id TEXT    NOT NULL,
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    part        INTEGER NOT NULL,
    status      TEXT,
    PRIMARY KEY (connection, provider_id)
) WITHOUT ROWID;

CREATE INDEX message_refs_message ON message_refs (message_id);

CREATE TABLE pending_receipts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    connection  TEXT NOT NULL,
    -- The id as received and its other forms (hex/decimal), a JSON array.
    provider_ids TEXT NOT NULL,
    status      TEXT NOT NULL,
    error_code  TEXT,
    at          TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE INDEX pending_receipts_connection ON pending_receipts (connection);

CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL,
    message_id      INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    lease_until     TEXT,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    done_at         TEXT
);

CREATE INDEX callbacks_due ON callbacks (next_attempt_at) WHERE status = 'pending';
