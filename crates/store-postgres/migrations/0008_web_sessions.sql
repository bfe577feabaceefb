-- Browser sessions of the web interface. Only the SHA-256 hash of the id in the cookie is
-- kept; a session ends at `expires_at`, at logout, or with its user.

CREATE TABLE web_sessions (
    id_hash    TEXT        NOT NULL,
    user_id    BIGINT      NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT web_sessions_pkey PRIMARY KEY (id_hash),
    CONSTRAINT web_sessions_user_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);
