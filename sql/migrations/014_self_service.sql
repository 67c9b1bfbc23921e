-- 014: self-service accounts: e-mail verification, links sent by mail (verification, password
-- reset, e-mail change), sign-up invites, zones open to users, named update tokens, API tokens.
-- Secrets (link secrets, invite codes, API tokens) are stored as their hex SHA-256 only.

-- Accounts made before this migration (by the operator) count as verified; sign-up inserts false.
ALTER TABLE accounts ADD COLUMN verified boolean NOT NULL DEFAULT true;
CREATE INDEX accounts_email_idx ON accounts (lower(email));

-- Zones whose names free accounts may pick (admin zone public ZONE on).
ALTER TABLE zones ADD COLUMN public boolean NOT NULL DEFAULT false;

-- The name a user gave an update token ("router", "nas"), shown in the token list.
ALTER TABLE tokens ADD COLUMN name text NOT NULL DEFAULT '' CHECK (length(name) <= 64);

CREATE TABLE api_tokens (
    id         bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       text NOT NULL DEFAULT '' CHECK (length(name) <= 64),
    digest     text NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used  timestamptz
);
CREATE INDEX api_tokens_account_id_idx ON api_tokens (account_id);

CREATE TABLE invites (
    id         bigserial PRIMARY KEY,
    digest     text NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    used_by    bigint REFERENCES accounts (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A link is usable while used_at is NULL and expires_at is in the future. Any password change
-- deletes the account's outstanding links.
CREATE TABLE account_links (
    id         bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('verify', 'reset', 'change-email')),
    digest     text NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),
    new_email  text NOT NULL DEFAULT '' CHECK (length(new_email) <= 254),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_links_account_id_idx ON account_links (account_id);
