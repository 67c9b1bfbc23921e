-- 019: least-privilege update tokens. Besides its optional host (001) and name (014), a token
-- has a purpose, the networks it may be used from, two expiries and the address of its last
-- use. The gateway enforces them (auth::TokenMatch::usable); a token outside them is no
-- credential at all.

-- 'update': address updates through every dialect; 'acme': ACME DNS-01 challenges only.
ALTER TABLE tokens
    ADD COLUMN purpose text NOT NULL DEFAULT 'update' CHECK (purpose IN ('update', 'acme')),
    -- Source networks (after the trusted-proxy rules); empty: from anywhere.
    ADD COLUMN networks cidr[] NOT NULL DEFAULT '{}'
        CHECK (array_ndims(networks) IS NULL OR array_ndims(networks) = 1)
        CHECK (cardinality(networks) <= 16),
    -- Unusable max_age_seconds after created_at, and max_unused_seconds after the last use
    -- (or creation, when never used). NULL: no such limit.
    ADD COLUMN max_age_seconds integer CHECK (max_age_seconds > 0),
    ADD COLUMN max_unused_seconds integer CHECK (max_unused_seconds > 0),
    -- The client address of the last recorded use (last_used is its time).
    ADD COLUMN last_used_address inet CHECK (masklen(last_used_address) IN (32, 128));

-- The networks as the stores read them: text of each, space-separated, in array order.
CREATE FUNCTION cidr_list(networks cidr[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(string_agg(n::text, ' ' ORDER BY i), '')
    FROM unnest(networks) WITH ORDINALITY AS t(n, i)
$$;
