-- 004: the update log and per-host fault accounting.
--
-- update_log has no foreign keys on purpose: the log outlives removed hosts and accounts, and a
-- foreign-key check would take a share lock on the host row, which the request path holds FOR
-- UPDATE across a DNS round trip; the background writer must never wait on it in random order.

CREATE TABLE update_log (
    id           bigserial PRIMARY KEY,
    logged_at    timestamptz NOT NULL,
    account_id   bigint,  -- NULL: the request did not authenticate (or named no account)
    username     text NOT NULL DEFAULT '' CHECK (length(username) <= 255),  -- as presented
    host_id      bigint,  -- NULL: no host of that account was named
    hostname     text NOT NULL DEFAULT '' CHECK (length(hostname) <= 255),  -- as presented
    client       inet NOT NULL,
    user_agent   text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 256),
    dialect      text NOT NULL CHECK (dialect <> '' AND length(dialect) <= 32),
    outcome      text NOT NULL CHECK (length(outcome) <= 64),  -- the dialect's word
    fault        text NOT NULL CHECK (fault IN ('none', 'client', 'server', 'auth')),
    detail       text NOT NULL DEFAULT '' CHECK (length(detail) <= 256),
    ipv4_changed boolean NOT NULL DEFAULT false,
    ipv6_changed boolean NOT NULL DEFAULT false,
    tls          boolean NOT NULL
);
-- "admin log --host H --since T" and "--account A --since T", newest first.
CREATE INDEX update_log_host_idx ON update_log (host_id, logged_at) WHERE host_id IS NOT NULL;
CREATE INDEX update_log_account_idx ON update_log (account_id, logged_at)
    WHERE account_id IS NOT NULL;
-- Pruning by age, and the unfiltered log.
CREATE INDEX update_log_logged_at_idx ON update_log (logged_at);

-- Fault accounting per host, maintained by the update-log writer. "Last update" is the last
-- change BIND acknowledged for that family; last_update_tls says whether the request carrying
-- the latest change came over TLS.
ALTER TABLE hosts
    ADD COLUMN client_faults    bigint NOT NULL DEFAULT 0,
    ADD COLUMN server_faults    bigint NOT NULL DEFAULT 0,
    ADD COLUMN auth_faults      bigint NOT NULL DEFAULT 0,
    ADD COLUMN last_fault       text,
    ADD COLUMN last_fault_at    timestamptz,
    ADD COLUMN last_update_ipv4 timestamptz,
    ADD COLUMN last_update_ipv6 timestamptz,
    ADD COLUMN last_update_tls  boolean;
