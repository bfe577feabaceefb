-- Business numbers (SMS numbers and short codes, WhatsApp numbers) and the messages people
-- send to them.

CREATE TABLE business_numbers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    channel      TEXT    NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
    number       TEXT    NOT NULL,
    provider_ref TEXT,
    created_at   TEXT    NOT NULL,
    UNIQUE (channel, number)
);

CREATE INDEX business_numbers_account ON business_numbers (account_id);

-- Kept also when no business number matched (account_id NULL); a provider's message id
-- is recorded once per connection, since providers deliver again after failures.
CREATE TABLE inbound_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    channel     TEXT    NOT NULL CHECK (channel IN ('sms', 'whatsapp')),
    connection  TEXT    NOT NULL,
    from_number TEXT    NOT NULL,
    to_number   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    text        TEXT,
    provider_id TEXT,
    received_at TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE UNIQUE INDEX inbound_messages_provider_id
    ON inbound_messages (channel, connection, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX inbound_messages_account ON inbound_messages (account_id, id);
