-- 022: the wildcard mirror of a host's addresses (dyndns2 wildcard=ON), and the heartbeat
-- timeout of the protocol that updates a host (DynamIP's 20 minutes).

ALTER TABLE zones
    -- The operator lets the zone's hosts mirror their addresses at *.<host> (admin zone
    -- wildcard). Off by default: a wildcard answers for every name below the host.
    ADD COLUMN wildcard_allowed boolean NOT NULL DEFAULT false;

ALTER TABLE hosts
    -- BIND holds the host's A and AAAA also at *.<name> (as ipv4/ipv6 say).
    ADD COLUMN wildcard boolean NOT NULL DEFAULT false,
    -- The heartbeat timeout of the protocol that updates the host, in seconds, set by its first
    -- update in that protocol (DynamIP: 1200). Applies only when neither heartbeat_seconds nor
    -- the zone's heartbeat_seconds is set. NULL: none.
    ADD COLUMN protocol_heartbeat_seconds integer CHECK (protocol_heartbeat_seconds > 0);
