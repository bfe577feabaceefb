-- WhatsApp Cloud API numbers: the credentials a business number sends and receives with
-- (all three or none; the phone number id is `provider_ref`) and its send rate. The
-- secrets are kept as given: the access token is sent to Meta and the app secret keys
-- the webhook's HMAC, so neither can be hashed.
ALTER TABLE business_numbers ADD COLUMN access_token TEXT;
ALTER TABLE business_numbers ADD COLUMN app_secret TEXT;
ALTER TABLE business_numbers ADD COLUMN verify_token TEXT;
ALTER TABLE business_numbers ADD COLUMN messages_per_second INTEGER NOT NULL DEFAULT 80
    CHECK (messages_per_second BETWEEN 1 AND 1000);

-- The webhook finds its number by the phone number id.
CREATE UNIQUE INDEX business_numbers_phone_number_id
    ON business_numbers (provider_ref) WHERE channel = 'whatsapp' AND provider_ref IS NOT NULL;
