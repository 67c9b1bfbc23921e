-- 005: abuse control: operator blocks of accounts and hosts, and the per-host budget of updates
-- that change nothing.

ALTER TABLE accounts
    -- Set while an operator blocks the account: every dialect refuses its updates (after the
    -- credentials were checked), nothing reaches BIND. The reason is for operators only.
    ADD COLUMN blocked_at   timestamptz,
    ADD COLUMN block_reason text CHECK (length(block_reason) <= 256);

ALTER TABLE hosts
    ADD COLUMN blocked_at   timestamptz,
    ADD COLUMN block_reason text CHECK (length(block_reason) <= 256),
    -- The host's own no-change interval in seconds. NULL: the gateway's default
    -- (abuse.nochg_interval); 0: no budget for this host.
    ADD COLUMN nochg_interval_seconds integer CHECK (nochg_interval_seconds >= 0),
    -- The current window of no-change updates: when its first one arrived and how many arrived
    -- since. Maintained by the no-change statement itself, reset by every change.
    ADD COLUMN nochg_window_start timestamptz,
    ADD COLUMN nochg_count integer NOT NULL DEFAULT 0 CHECK (nochg_count >= 0);
