-- Emails sent to an account's owners, one per kind and account (bote_store::MailKind).

CREATE TABLE account_mails (
    account_id BIGINT      NOT NULL,
    kind       TEXT        NOT NULL,
    recipients TEXT        NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT account_mails_pkey PRIMARY KEY (account_id, kind),
    CONSTRAINT account_mails_account_fkey FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT account_mails_kind_check CHECK (kind IN ('whatsapp_activated', 'trial_ending'))
);
