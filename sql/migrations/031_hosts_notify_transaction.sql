-- Migration 026's statement trigger on hosts, with the transaction's id in each payload:
-- '<account id> <txid>' (issue #13). The change path reads the same txid_current() with its row
-- locks, and the instance that committed the change has already brought its cached copy of the
-- principal up to date in place (CachedStore, docs/design.md "The instance's own changes are
-- refreshed in place"): the id tells it that this notification is its own change's, which the
-- copy already holds, so it keeps the copy instead of dropping it. Every other receiver drops the
-- account's principals as before. Accounts, tokens and zones still notify '<account>' or '*'.
-- A gateway built before this migration reads the new form as unexpected and empties its whole
-- cache: upgrade the binaries first, then migrate. What notifies whom is unchanged.

CREATE OR REPLACE FUNCTION ddns_notify_principal_hosts_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ddns_principal', changed.account_id::text || ' ' || txid_current())
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
