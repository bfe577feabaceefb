-- The account whose business number reported a receipt that no message matched yet (WhatsApp
-- status webhooks name it; SMPP receipts do not). When the message's ids are recorded, the
-- receipt applies only if the message is that account's.
ALTER TABLE pending_receipts ADD COLUMN account_id bigint;
