-- The opt-in widget (R8): one per account, found by a random public id, its look as JSON
-- (bote_store::WidgetLook). Visitors' requests go to the consent ledger as
-- `widget_request` entries, so the ledger's event check is widened (SQLite changes a CHECK
-- only by rebuilding the table).

CREATE TABLE widgets (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    public_id  TEXT    NOT NULL UNIQUE,
    look       TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

CREATE TABLE consent_ledger_widened (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number          TEXT    NOT NULL,
    event           TEXT    NOT NULL
        CHECK (event IN ('opt_in', 'refused', 'revoked', 'group_joined', 'group_left',
                         'widget_request')),
    source          TEXT    NOT NULL,
    reference       TEXT,
    text            TEXT,
    business_number TEXT,
    group_code      TEXT,
    at              TEXT    NOT NULL
);

INSERT INTO consent_ledger_widened
    (id, account_id, number, event, source, reference, text, business_number, group_code, at)
SELECT id, account_id, number, event, source, reference, text, business_number, group_code, at
FROM consent_ledger;

DROP TABLE consent_ledger;
ALTER TABLE consent_ledger_widened RENAME TO consent_ledger;

CREATE INDEX consent_ledger_number ON consent_ledger (account_id, number, id);

-- Proof of consent is never rewritten.
CREATE TRIGGER consent_ledger_no_update BEFORE UPDATE ON consent_ledger
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;
