-- The 24-hour customer-service window: who wrote to a business number lately.
CREATE INDEX inbound_messages_window
    ON inbound_messages (to_number, from_number, received_at) WHERE channel = 'whatsapp';
