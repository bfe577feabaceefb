-- Emails sent to an account's owners, one per kind and account (bote_store::MailKind).

CREATE TABLE account_mails (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('whatsapp_activated', 'trial_ending')),
    recipients TEXT    NOT NULL,
    sent_at    TEXT    NOT NULL,
    PRIMARY KEY (account_id, kind)
);
