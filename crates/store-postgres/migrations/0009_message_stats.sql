-- Statistics (R21) count an account's messages by creation time.
CREATE INDEX messages_account_created ON messages (account_id, created_at);
