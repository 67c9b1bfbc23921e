-- Invalidation of the gateways' in-process principal cache (docs/design.md, "Database work per
-- message and the principal cache"). Every change to what a principal is loaded from notifies
-- the channel ddns_principal, after commit, with the id of the account concerned, or '*' for a
-- zone (whose key or server many accounts share). Each gateway LISTENs on a connection of its
-- own and drops the cached principals of that account.
--
-- Columns written on the hot paths are left out, so they notify nobody: a host's last_seen
-- (the gateway keeps its own copy current), its update-log counters and updated_at, and a
-- token's last_used. The no-change window (nochg_window_start, nochg_count) does notify: a
-- host over its budget is refused from the loaded window.

CREATE FUNCTION ddns_notify_principal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0] names the column holding the account id ('*': every account).
    IF TG_ARGV[0] = '*' THEN
        PERFORM pg_notify('ddns_principal', '*');
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pg_notify('ddns_principal', to_jsonb(OLD) ->> TG_ARGV[0]);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM pg_notify('ddns_principal', to_jsonb(NEW) ->> TG_ARGV[0]);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_notify_principal AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION ddns_notify_principal('id');

CREATE TRIGGER zones_notify_principal AFTER INSERT OR UPDATE OR DELETE ON zones
    FOR EACH STATEMENT EXECUTE FUNCTION ddns_notify_principal('*');

CREATE TRIGGER hosts_notify_principal_rows AFTER INSERT OR DELETE ON hosts
    FOR EACH ROW EXECUTE FUNCTION ddns_notify_principal('account_id');

CREATE TRIGGER hosts_notify_principal_update AFTER UPDATE ON hosts
    FOR EACH ROW
    WHEN ((to_jsonb(OLD) - ARRAY['last_seen', 'updated_at', 'client_faults', 'server_faults',
                                 'auth_faults', 'last_fault', 'last_fault_at', 'last_update_ipv4',
                                 'last_update_ipv6', 'last_update_tls'])
          IS DISTINCT FROM
          (to_jsonb(NEW) - ARRAY['last_seen', 'updated_at', 'client_faults', 'server_faults',
                                 'auth_faults', 'last_fault', 'last_fault_at', 'last_update_ipv4',
                                 'last_update_ipv6', 'last_update_tls']))
    EXECUTE FUNCTION ddns_notify_principal('account_id');

CREATE TRIGGER tokens_notify_principal_rows AFTER INSERT OR DELETE ON tokens
    FOR EACH ROW EXECUTE FUNCTION ddns_notify_principal('account_id');

CREATE TRIGGER tokens_notify_principal_update AFTER UPDATE ON tokens
    FOR EACH ROW
    WHEN ((to_jsonb(OLD) - ARRAY['last_used', 'last_used_address'])
          IS DISTINCT FROM (to_jsonb(NEW) - ARRAY['last_used', 'last_used_address']))
    EXECUTE FUNCTION ddns_notify_principal('account_id');
