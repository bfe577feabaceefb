-- Each claim of a message gets a new token, kept here while the message is `sending`:
-- an outcome applies only with the token of the claim it came from, so a dispatcher that
-- was slow past its lease cannot overwrite what a later claim established. A claim
-- increments it, so a message's tokens never repeat.
ALTER TABLE messages ADD COLUMN claim_token BIGINT NOT NULL DEFAULT 0;
