-- Accounts, users, API tokens, contacts and groups.
--
-- Timestamps are TEXT in one fixed-width UTC form (`2025-01-31T12:34:56.123456Z`) so that
-- they compare correctly as strings. Ids never get reused (AUTOINCREMENT): later tables keep
-- ids of deleted rows in their history.

CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL CHECK (kind IN ('business', 'test')),
    trial_ends_at   TEXT,
    verified_number TEXT,
    created_at      TEXT    NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    username      TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'member', 'account_manager')),
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    -- Account managers belong to no account; everyone else to exactly one.
    CHECK ((role = 'account_manager') = (account_id IS NULL))
);

CREATE INDEX users_account ON users (account_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    scope      TEXT    NOT NULL CHECK (scope IN ('read_only', 'send', 'full')),
    prefix     TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    revoked_at TEXT
);

CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    first_name      TEXT,
    last_name       TEXT,
    sms_number      TEXT,
    whatsapp_number TEXT,
    -- A JSON object of custom fields, string to string.
    fields          TEXT    NOT NULL DEFAULT '{}',
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE INDEX contacts_account ON contacts (account_id);
CREATE UNIQUE INDEX contacts_sms_number ON contacts (account_id, sms_number)
    WHERE sms_number IS NOT NULL;
CREATE UNIQUE INDEX contacts_whatsapp_number ON contacts (account_id, whatsapp_number)
    WHERE whatsapp_number IS NOT NULL;

CREATE TABLE groups (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    -- Stored upper-case, so the unique key is case-insensitive.
    code       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    UNIQUE (account_id, code)
);

CREATE TABLE group_members (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (group_id, contact_id)
) WITHOUT ROWID;

CREATE INDEX group_members_contact ON group_members (contact_id);
