-- 015: web sessions (auth/session.hpp). The browser holds a random 256-bit id; only its SHA-256
-- is stored, so a copy of this table logs nobody in. Both lifetimes are checked when a session
-- is used (the gateway's configuration, not the row, says how long they are).
CREATE TABLE web_sessions (
    digest     text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
);
CREATE INDEX web_sessions_account_id_idx ON web_sessions (account_id);
CREATE INDEX web_sessions_last_seen_idx ON web_sessions (last_seen);
CREATE INDEX web_sessions_created_at_idx ON web_sessions (created_at);
