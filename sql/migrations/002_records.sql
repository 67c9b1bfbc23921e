-- 002: zones owned by domain accounts, and the records those accounts manage in them
-- (A, AAAA, CNAME, MX, NS, TXT beyond the dynamic hosts' addresses).

-- A domain account owns a whole zone. RESTRICT: an owner cannot disappear under its zone.
ALTER TABLE zones
    ADD COLUMN owner_account_id bigint REFERENCES accounts (id) ON DELETE RESTRICT;
CREATE INDEX zones_owner_account_id_idx ON zones (owner_account_id);

-- TXT character-strings are octets, not text (any octet, NUL included, is legal in DNS), so
-- they are stored as bytea. A TXT RR has at least one string, none longer than 255 octets.
CREATE FUNCTION txt_strings_fit(strings bytea[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT array_ndims(strings) = 1
       AND NOT EXISTS (SELECT 1 FROM unnest(strings) s WHERE s IS NULL OR octet_length(s) > 255)
$$;

-- One row per RR, as BIND acknowledged it. Exactly the rdata columns of the row's type are set:
--   A / AAAA  address                CNAME / NS  target
--   MX        preference, target     TXT         txt
CREATE TABLE records (
    id         bigserial PRIMARY KEY,
    -- RESTRICT, like hosts: a row mirrors an RR in BIND, so a zone cannot be dropped under it.
    zone_id    bigint NOT NULL REFERENCES zones (id) ON DELETE RESTRICT,
    -- The owner name, stored like hosts.name; it lies in the zone (checked by the gateway).
    name       text NOT NULL
               CHECK (name <> '' AND name = lower(name) AND right(name, 1) <> '.'),
    type       text NOT NULL CHECK (type IN ('A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT')),
    ttl        integer NOT NULL CHECK (ttl >= 0),
    address    inet,
    target     text CHECK (target <> '' AND target = lower(target) AND right(target, 1) <> '.'),
    preference integer CHECK (preference BETWEEN 0 AND 65535),
    txt        bytea[] CHECK (cardinality(txt) >= 1 AND txt_strings_fit(txt)),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT records_rdata_fits_type CHECK (CASE type
        WHEN 'A' THEN address IS NOT NULL AND family(address) = 4 AND masklen(address) = 32
                      AND target IS NULL AND preference IS NULL AND txt IS NULL
        WHEN 'AAAA' THEN address IS NOT NULL AND family(address) = 6 AND masklen(address) = 128
                      AND target IS NULL AND preference IS NULL AND txt IS NULL
        WHEN 'CNAME' THEN target IS NOT NULL
                      AND address IS NULL AND preference IS NULL AND txt IS NULL
        WHEN 'NS' THEN target IS NOT NULL
                      AND address IS NULL AND preference IS NULL AND txt IS NULL
        WHEN 'MX' THEN target IS NOT NULL AND preference IS NOT NULL
                      AND address IS NULL AND txt IS NULL
        WHEN 'TXT' THEN txt IS NOT NULL
                      AND address IS NULL AND target IS NULL AND preference IS NULL
    END),
    -- One exact RR is stored once; the TTL is not part of an RR's identity (RFC 2181 §5.2).
    -- The unused rdata columns are NULL, which must compare equal here (PostgreSQL 15).
    CONSTRAINT records_rr_key UNIQUE NULLS NOT DISTINCT (name, type, address, target, preference,
                                                         txt)
);
CREATE INDEX records_zone_id_idx ON records (zone_id);
