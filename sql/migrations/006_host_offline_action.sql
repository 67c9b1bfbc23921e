-- 006: a host's own offline action (protocols §7: "per zone or host"), overriding its zone's
-- zones.offline_action. NULL: the zone's.

ALTER TABLE hosts
    ADD COLUMN offline_action text CHECK (offline_action IN ('delete', 'sentinel'));
