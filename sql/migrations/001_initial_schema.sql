-- 001: accounts, zones, hosts and update tokens.
-- Names are stored lower-case without the trailing dot, exactly as DnsName::str() prints them.

CREATE TABLE accounts (
    id              bigserial PRIMARY KEY,
    username        text NOT NULL CHECK (length(username) BETWEEN 1 AND 255),
    password_hash   text NOT NULL,
    email           text NOT NULL DEFAULT '',
    plan            text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'domain')),
    dynamic_updates boolean NOT NULL DEFAULT false,
    expires_at      timestamptz,
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Usernames are unique and looked up case-insensitively.
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));

CREATE TABLE zones (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL UNIQUE
                   CHECK (name <> '' AND name = lower(name) AND right(name, 1) <> '.'),
    server_address text NOT NULL CHECK (server_address <> ''),
    server_port    integer NOT NULL DEFAULT 53 CHECK (server_port BETWEEN 1 AND 65535),
    tsig_key_name  text NOT NULL CHECK (tsig_key_name <> ''),
    tsig_algorithm text NOT NULL CHECK (tsig_algorithm IN
                   ('hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512')),
    tsig_secret    text NOT NULL CHECK (tsig_secret <> ''),  -- base64 of the key bytes
    default_ttl    integer NOT NULL DEFAULT 60 CHECK (default_ttl >= 0),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hosts (
    id         bigserial PRIMARY KEY,
    -- RESTRICT, not CASCADE: a host row mirrors records in DNS, so removing a zone or an
    -- account must not silently forget them; callers clear DNS and delete hosts explicitly.
    zone_id    bigint NOT NULL REFERENCES zones (id) ON DELETE RESTRICT,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    name       text NOT NULL UNIQUE
               CHECK (name <> '' AND name = lower(name) AND right(name, 1) <> '.'),
    ttl        integer NOT NULL CHECK (ttl >= 0),
    -- The addresses BIND acknowledged (NULL: no record of that family).
    ipv4       inet CHECK (family(ipv4) = 4 AND masklen(ipv4) = 32),
    ipv6       inet CHECK (family(ipv6) = 6 AND masklen(ipv6) = 128),
    last_seen  timestamptz,
    updated_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Target of tokens' (host_id, account_id) key: a token may only name a host of its account.
    UNIQUE (id, account_id)
);
CREATE INDEX hosts_account_id_idx ON hosts (account_id);
CREATE INDEX hosts_zone_id_idx ON hosts (zone_id);

CREATE TABLE tokens (
    id         bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    host_id    bigint,  -- NULL: the token may update every host of the account
    digest     text NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),  -- hex SHA-256
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used  timestamptz,
    FOREIGN KEY (host_id, account_id) REFERENCES hosts (id, account_id) ON DELETE CASCADE
);
CREATE INDEX tokens_account_id_idx ON tokens (account_id);
CREATE INDEX tokens_host_id_idx ON tokens (host_id);
