-- Migration 018's per-row trigger on hosts, made one per statement. The sweeper writes a batch
-- of hosts (and the update path a message's hosts) in one UPDATE; the row trigger ran a PL/pgSQL
-- call, two to_jsonb() of the whole row in its WHEN and two pg_notify() calls for every row
-- (bench: a third of the sweeper's database time). The statement trigger reads the statement's
-- old and new rows as transition tables and notifies each account whose principal-relevant
-- columns changed, once; what notifies whom is unchanged (the same excluded hot columns, the old
-- and the new account id), and PostgreSQL still delivers after the commit. Rows whose address,
-- offline state or owner changed are known to notify without building their jsonb.

DROP TRIGGER hosts_notify_principal_update ON hosts;

CREATE FUNCTION ddns_notify_principal_hosts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ddns_principal', changed.account_id::text)
    FROM (SELECT DISTINCT unnest(ARRAY[o.account_id, n.account_id]) AS account_id
          FROM old_hosts o JOIN new_hosts n ON n.id = o.id
          -- The columns the sweeper and the update path change are compared first, so that
          -- their rows never pay for the whole-row comparison (OR stops at the first true).
          WHERE o.offline_since IS DISTINCT FROM n.offline_since
             OR o.ipv4 IS DISTINCT FROM n.ipv4 OR o.ipv6 IS DISTINCT FROM n.ipv6
             OR o.account_id IS DISTINCT FROM n.account_id
             OR (to_jsonb(o) - ARRAY['last_seen', 'updated_at', 'client_faults', 'server_faults',
                                     'auth_faults', 'last_fault', 'last_fault_at',
                                     'last_update_ipv4', 'last_update_ipv6', 'last_update_tls'])
                IS DISTINCT FROM
                (to_jsonb(n) - ARRAY['last_seen', 'updated_at', 'client_faults', 'server_faults',
                                     'auth_faults', 'last_fault', 'last_fault_at',
                                     'last_update_ipv4', 'last_update_ipv6', 'last_update_tls'])
         ) AS changed;
    RETURN NULL;
END $$;

CREATE TRIGGER hosts_notify_principal_update AFTER UPDATE ON hosts
    REFERENCING OLD TABLE AS old_hosts NEW TABLE AS new_hosts
    FOR EACH STATEMENT EXECUTE FUNCTION ddns_notify_principal_hosts_update();
