-- Browser sessions of the web interface. Only the SHA-256 hash of the id in the cookie is
-- kept; a session ends at `expires_at`, at logout, or with its user.

CREATE TABLE web_sessions (
    id_hash    TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL
);

CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
