-- The opt-in widget (R8): one per account, found by a random public id, its look as JSON
-- (bote_store::WidgetLook). Visitors' requests go to the consent ledger as
-- `widget_request` entries, so the ledger's event check is widened.

CREATE TABLE widgets (
    account_id BIGINT      NOT NULL,
    public_id  TEXT        NOT NULL,
    look       JSONB       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT widgets_pkey PRIMARY KEY (account_id),
    CONSTRAINT widgets_account_fkey FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT widgets_public_id_key UNIQUE (public_id)
);

ALTER TABLE consent_ledger DROP CONSTRAINT consent_ledger_event_check;
ALTER TABLE consent_ledger ADD CONSTRAINT consent_ledger_event_check
    CHECK (event IN ('opt_in', 'refused', 'revoked', 'group_joined', 'group_left',
                     'widget_request'));
