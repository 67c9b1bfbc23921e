-- 012: a MyServer free account's round robin, and domain-record RRsets in doubt.

-- The A records of a host beyond hosts.ipv4. A MyServer free account's Add joins its name's A
-- RRset (the legacy client sets up a round robin that way), so a host's whole A set is ipv4
-- followed by these. Every other update (dyndns2, /dynamic, DynamIP, the sweeper) replaces or
-- removes the whole set and empties this. At most 10 A records per host in all.
CREATE FUNCTION ipv4_hosts_only(addresses inet[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT array_ndims(addresses) IS NULL OR (array_ndims(addresses) = 1 AND NOT EXISTS (
        SELECT 1 FROM unnest(addresses) a
        WHERE a IS NULL OR family(a) <> 4 OR masklen(a) <> 32))
$$;
-- The addresses as the stores read them: host() of each, space-separated, in array order.
CREATE FUNCTION host_list(addresses inet[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(string_agg(host(a), ' ' ORDER BY i), '')
    FROM unnest(addresses) WITH ORDINALITY AS t(a, i)
$$;
ALTER TABLE hosts
    ADD COLUMN extra_ipv4 inet[] NOT NULL DEFAULT '{}'
        CHECK (ipv4_hosts_only(extra_ipv4) AND cardinality(extra_ipv4) <= 9),
    ADD CONSTRAINT hosts_extra_ipv4_needs_ipv4 CHECK (cardinality(extra_ipv4) = 0 OR ipv4 IS NOT NULL);

-- Domain-record RRsets (zone, owner, type) whose last UPDATE may or may not be in BIND: its reply
-- was lost, or the commit recording it has an unknown outcome. A mark names the RRset, not a
-- row, because an Add whose reply was lost has no row yet. Set by the record service; the
-- reconciler compares the RRset in BIND with the rows in `records` (the database wins), repairs
-- it and deletes the mark. The earliest mark of an RRset is kept.
CREATE TABLE record_rrsets_in_doubt (
    zone_id bigint NOT NULL REFERENCES zones (id) ON DELETE CASCADE,
    name    text NOT NULL CHECK (name <> '' AND name = lower(name) AND right(name, 1) <> '.'),
    type    text NOT NULL CHECK (type IN ('A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT')),
    since   timestamptz NOT NULL,
    PRIMARY KEY (zone_id, name, type)
);
