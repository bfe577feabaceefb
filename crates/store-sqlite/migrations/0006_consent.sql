-- Consent (R6–R14): active opt-ins, the append-only consent ledger, keyword settings.

-- One row per active opt-in; revoking deletes it (the ledger keeps the history). No
-- foreign key to contacts: contact management never changes opt-ins (R14).
CREATE TABLE opt_ins (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number          TEXT    NOT NULL,
    business_number TEXT,
    source          TEXT    NOT NULL,
    given_at        TEXT    NOT NULL,
    UNIQUE (account_id, number)
);

CREATE TABLE consent_ledger (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number          TEXT    NOT NULL,
    event           TEXT    NOT NULL
        CHECK (event IN ('opt_in', 'refused', 'revoked', 'group_joined', 'group_left')),
    source          TEXT    NOT NULL,
    reference       TEXT,
    text            TEXT,
    business_number TEXT,
    group_code      TEXT,
    at              TEXT    NOT NULL
);

CREATE INDEX consent_ledger_number ON consent_ledger (account_id, number, id);

-- Proof of consent is never rewritten.
CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;

CREATE TABLE keyword_settings (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    -- bote_store::KeywordSettings as JSON.
    settings   TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
