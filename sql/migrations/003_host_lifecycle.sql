-- 003: host lifecycle: heartbeat timeouts, the offline action of a zone, and the offline state of
-- a host. (002 belongs to a branch developed in parallel; the migrator accepts gaps.)

ALTER TABLE zones
    -- Heartbeat timeout, in seconds, of the zone's hosts that set none themselves.
    -- NULL: no timeout.
    ADD COLUMN heartbeat_seconds integer CHECK (heartbeat_seconds > 0),
    -- What taking a host offline does to its A/AAAA: delete them, or point them at the sentinel
    -- addresses 0.0.0.0 / :: (DynamIP's behaviour).
    ADD COLUMN offline_action text NOT NULL DEFAULT 'delete'
        CHECK (offline_action IN ('delete', 'sentinel'));

ALTER TABLE hosts
    -- Heartbeat timeout of this host in seconds. NULL: the zone's applies; 0: none, whatever
    -- the zone says. A host not heard from for that long is taken offline by the sweeper.
    ADD COLUMN heartbeat_seconds integer CHECK (heartbeat_seconds >= 0),
    -- Set while the host is offline: its A/AAAA were deleted in BIND or point at the sentinel
    -- (ipv4/ipv6 still say what BIND holds). The next authenticated update brings it back.
    ADD COLUMN offline_since timestamptz,
    -- Why: missed heartbeats, the account expired, or the owner asked (dyndns2 offline=YES).
    ADD COLUMN offline_reason text CHECK (offline_reason IN ('heartbeat', 'expired', 'request')),
    ADD CONSTRAINT hosts_offline_reason_set CHECK ((offline_since IS NULL) = (offline_reason IS NULL));
