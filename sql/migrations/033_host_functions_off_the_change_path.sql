-- Migration 012's two SQL functions cost the change path more PostgreSQL CPU than its row updates
-- (issue #13, bench/run.sh --only changes --pg-statements, docs/performance.md "pgchg"). A SQL
-- function that cannot be inlined has its body parsed and planned again in every statement
-- that calls it, and then runs a whole executor per row:
--
-- * host_list(), read with every host the change path locks (and by the principal's load, the
--   sweeper, the reconciler): now one expression the planner inlines into the calling
--   statement, planned once with the prepared statement. inet prints an address with its mask
--   unless the mask is full-length; removing every "/len" gives host() of each element. Same
--   result for every input (NULL elements left out, '' for none). STABLE, not IMMUTABLE:
--   array_to_string() is, and an IMMUTABLE function is only inlined if its body is too. No
--   index uses it.
-- * ipv4_hosts_only(), in the CHECK on hosts.extra_ipv4: PostgreSQL prepares a table's CHECK
--   expressions for every UPDATE statement, and tried to inline this function (parsing its
--   body) each time before running it for every row written. Now PL/pgSQL (never inlined: no
--   parse per statement), and the CHECK only calls it for a non-empty array: every host but a
--   MyServer round robin has none. What the CHECK accepts is unchanged.

CREATE OR REPLACE FUNCTION host_list(addresses inet[]) RETURNS text
LANGUAGE sql STABLE STRICT AS $$
    SELECT regexp_replace(array_to_string(addresses, ' '), '/[0-9]+', '', 'g')
$$;

CREATE OR REPLACE FUNCTION ipv4_hosts_only(addresses inet[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
    RETURN array_ndims(addresses) IS NULL OR (array_ndims(addresses) = 1 AND NOT EXISTS (
        SELECT 1 FROM unnest(addresses) a
        WHERE a IS NULL OR family(a) <> 4 OR masklen(a) <> 32));
END $$;

ALTER TABLE hosts
    DROP CONSTRAINT hosts_extra_ipv4_check,
    ADD CONSTRAINT hosts_extra_ipv4_check
        CHECK (cardinality(extra_ipv4) = 0
               OR (ipv4_hosts_only(extra_ipv4) AND cardinality(extra_ipv4) <= 9));
