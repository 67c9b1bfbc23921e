-- The update-log writer's per-host counters (migration 004's columns of hosts) in a table of
-- their own (issue #13). The writer updated hosts' rows, so it locked them, and the change path
-- holds a host's row FOR UPDATE across BIND's round trip: the writer waited for every change in
-- flight of a host it had a fault or change to count, and the next change of that host waited
-- behind the writer. An upsert here touches no row of hosts: it never waits for a change, and a
-- change never waits for it. Counts stay exact (the writer adds a batch's rows in the batch's
-- transaction) and the "last" columns only move forward, as before.
--
-- No foreign key: its check would take a KEY SHARE lock on the host's row, which waits for the
-- change path's FOR UPDATE. A host's row here goes with the host (the trigger below); the writer
-- adds rows only for hosts that exist, so at worst a host removed while its batch commits leaves
-- a row that nothing reads (host ids are never reused).
CREATE TABLE host_counters (
    host_id          bigint PRIMARY KEY,
    client_faults    bigint NOT NULL DEFAULT 0,
    server_faults    bigint NOT NULL DEFAULT 0,
    auth_faults      bigint NOT NULL DEFAULT 0,
    last_fault       text,
    last_fault_at    timestamptz,
    last_update_ipv4 timestamptz,
    last_update_ipv6 timestamptz,
    last_update_tls  boolean
);

INSERT INTO host_counters (host_id, client_faults, server_faults, auth_faults, last_fault,
                           last_fault_at, last_update_ipv4, last_update_ipv6, last_update_tls)
SELECT id, client_faults, server_faults, auth_faults, last_fault, last_fault_at,
       last_update_ipv4, last_update_ipv6, last_update_tls
FROM hosts
WHERE client_faults + server_faults + auth_faults <> 0 OR last_fault IS NOT NULL
   OR last_update_ipv4 IS NOT NULL OR last_update_ipv6 IS NOT NULL OR last_update_tls IS NOT NULL;

ALTER TABLE hosts
    DROP COLUMN client_faults,
    DROP COLUMN server_faults,
    DROP COLUMN auth_faults,
    DROP COLUMN last_fault,
    DROP COLUMN last_fault_at,
    DROP COLUMN last_update_ipv4,
    DROP COLUMN last_update_ipv6,
    DROP COLUMN last_update_tls;

CREATE FUNCTION ddns_forget_host_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM host_counters c USING gone_hosts g WHERE c.host_id = g.id;
    RETURN NULL;
END $$;

CREATE TRIGGER hosts_forget_counters AFTER DELETE ON hosts
    REFERENCING OLD TABLE AS gone_hosts
    FOR EACH STATEMENT EXECUTE FUNCTION ddns_forget_host_counters();

-- The reconciler reads every host of a zone in id order, 100 at a time (pg_reconcile_store.cpp).
-- With only hosts_zone_id_idx, each batch read every host of the zone through a bitmap scan and
-- sorted those above the cursor: a full pass was quadratic in the zone's size (20,000 hosts:
-- 3-6 ms per batch of 100, growing with the zone). Hosts of a zone in id order: each batch reads
-- its own 100 rows. It also serves every lookup by zone_id alone.
CREATE INDEX hosts_by_zone_idx ON hosts (zone_id, id);
DROP INDEX hosts_zone_id_idx;
