-- The WhatsApp add-on per account (R1–R4), the account's inbound callback URL, and
-- callbacks that forward inbound messages (a callback is about a message or an inbound
-- message, never both).

CREATE TABLE whatsapp_addons (
    account_id       BIGINT      NOT NULL,
    package          TEXT        NOT NULL,
    activated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    activated_by     BIGINT,
    -- The setup is expected by then (working days, R3). Whether the add-on is active is
    -- derived from the account's WhatsApp business numbers (R4).
    expected_on      DATE        NOT NULL,
    previous_package TEXT,
    opt_ins_reset_at TIMESTAMPTZ,
    CONSTRAINT whatsapp_addons_pkey PRIMARY KEY (account_id),
    CONSTRAINT whatsapp_addons_account_fkey FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT whatsapp_addons_user_fkey FOREIGN KEY (activated_by)
        REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT whatsapp_addons_package_check CHECK (package IN ('small', 'medium', 'large')),
    CONSTRAINT whatsapp_addons_previous_check
        CHECK (previous_package IN ('small', 'medium', 'large'))
);

ALTER TABLE accounts ADD COLUMN inbound_callback_url TEXT;

ALTER TABLE callbacks
    ALTER COLUMN message_id DROP NOT NULL,
    ADD COLUMN inbound_id BIGINT,
    ADD CONSTRAINT callbacks_inbound_fkey FOREIGN KEY (inbound_id)
        REFERENCES inbound_messages (id) ON DELETE CASCADE,
    DROP CONSTRAINT callbacks_kind_check,
    ADD CONSTRAINT callbacks_kind_check CHECK (kind IN ('delivery_report', 'inbound')),
    ADD CONSTRAINT callbacks_subject_check CHECK ((message_id IS NULL) <> (inbound_id IS NULL));

-- An inbound message is forwarded once, however often its provider delivers it.
CREATE UNIQUE INDEX callbacks_inbound_idx ON callbacks (inbound_id) WHERE inbound_id IS NOT NULL;
