-- Each account's own time zone, an IANA name (NULL: the server's `default_time_zone`), and
-- each user's email address (NULL: none; an owner whose user name is an address is written
-- to there).
ALTER TABLE accounts ADD COLUMN time_zone TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
