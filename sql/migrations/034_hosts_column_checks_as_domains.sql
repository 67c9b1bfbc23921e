-- The single-column CHECKs of hosts become domains of the same names and conditions (issue #13,
-- docs/performance.md "pgcost, second round").
--
-- PostgreSQL reads a table's CHECK constraints from their stored text form and plans them again
-- for every INSERT or UPDATE statement on the table, whichever columns it changes: the change
-- path's write of 9 hosts parsed 19 expressions (14 kB of node text) per statement, a fifth of
-- the instructions of its lock, write and commit together. A domain's constraints are read and
-- planned once per connection (the type cache) and are checked only where a value is assigned
-- to a column of that type: on INSERT and COPY every column, on UPDATE the columns it sets. A
-- column an UPDATE leaves alone keeps a value that was already checked, so every row satisfies
-- the same conditions as before; the ALTERs below check every existing row once more. The
-- constraints keep their names (a violation is still SQLSTATE 23514 naming hosts_ipv4_check,
-- say); the message now names the domain instead of the table.
--
-- The four CHECKs that compare two columns stay on the table (derived_complete,
-- extra_ipv4_needs_ipv4, not_derived_from_itself, offline_reason_set).
--
-- Changing a column's type to a domain with constraints rewrites hosts once (with its indexes)
-- under an exclusive lock: seconds for a million hosts.

CREATE DOMAIN host_name AS text
    CONSTRAINT hosts_name_check CHECK (VALUE <> '' AND VALUE = lower(VALUE) AND right(VALUE, 1) <> '.');
CREATE DOMAIN host_ttl AS integer CONSTRAINT hosts_ttl_check CHECK (VALUE >= 0);
CREATE DOMAIN host_ipv4 AS inet
    CONSTRAINT hosts_ipv4_check CHECK (family(VALUE) = 4 AND masklen(VALUE) = 32);
CREATE DOMAIN host_ipv6 AS inet
    CONSTRAINT hosts_ipv6_check CHECK (family(VALUE) = 6 AND masklen(VALUE) = 128);
CREATE DOMAIN host_extra_ipv4 AS inet[]
    CONSTRAINT hosts_extra_ipv4_check
    CHECK (cardinality(VALUE) = 0 OR (ipv4_hosts_only(VALUE) AND cardinality(VALUE) <= 9));
CREATE DOMAIN host_ipv6_prefix AS cidr
    CONSTRAINT hosts_ipv6_prefix_check CHECK (family(VALUE::inet) = 6);
CREATE DOMAIN host_interface_id AS inet
    CONSTRAINT hosts_interface_id_check CHECK (family(VALUE) = 6 AND masklen(VALUE) = 128);
CREATE DOMAIN host_prefix_length AS smallint
    CONSTRAINT hosts_prefix_length_check CHECK (VALUE >= 16 AND VALUE <= 64);
CREATE DOMAIN host_offline_action AS text
    CONSTRAINT hosts_offline_action_check CHECK (VALUE IN ('delete', 'sentinel'));
CREATE DOMAIN host_offline_reason AS text
    CONSTRAINT hosts_offline_reason_check CHECK (VALUE IN ('heartbeat', 'expired', 'request'));
CREATE DOMAIN host_block_reason AS text
    CONSTRAINT hosts_block_reason_check CHECK (length(VALUE) <= 256);
CREATE DOMAIN host_heartbeat_seconds AS integer
    CONSTRAINT hosts_heartbeat_seconds_check CHECK (VALUE >= 0);
CREATE DOMAIN host_protocol_heartbeat_seconds AS integer
    CONSTRAINT hosts_protocol_heartbeat_seconds_check CHECK (VALUE > 0);
CREATE DOMAIN host_nochg_interval_seconds AS integer
    CONSTRAINT hosts_nochg_interval_seconds_check CHECK (VALUE >= 0);
CREATE DOMAIN host_nochg_count AS integer CONSTRAINT hosts_nochg_count_check CHECK (VALUE >= 0);

ALTER TABLE hosts
    DROP CONSTRAINT hosts_name_check,
    DROP CONSTRAINT hosts_ttl_check,
    DROP CONSTRAINT hosts_ipv4_check,
    DROP CONSTRAINT hosts_ipv6_check,
    DROP CONSTRAINT hosts_extra_ipv4_check,
    DROP CONSTRAINT hosts_ipv6_prefix_check,
    DROP CONSTRAINT hosts_interface_id_check,
    DROP CONSTRAINT hosts_prefix_length_check,
    DROP CONSTRAINT hosts_offline_action_check,
    DROP CONSTRAINT hosts_offline_reason_check,
    DROP CONSTRAINT hosts_block_reason_check,
    DROP CONSTRAINT hosts_heartbeat_seconds_check,
    DROP CONSTRAINT hosts_protocol_heartbeat_seconds_check,
    DROP CONSTRAINT hosts_nochg_interval_seconds_check,
    DROP CONSTRAINT hosts_nochg_count_check,
    ALTER COLUMN name TYPE host_name,
    ALTER COLUMN ttl TYPE host_ttl,
    ALTER COLUMN ipv4 TYPE host_ipv4,
    ALTER COLUMN ipv6 TYPE host_ipv6,
    ALTER COLUMN extra_ipv4 TYPE host_extra_ipv4,
    ALTER COLUMN ipv6_prefix TYPE host_ipv6_prefix,
    ALTER COLUMN interface_id TYPE host_interface_id,
    ALTER COLUMN prefix_length TYPE host_prefix_length,
    ALTER COLUMN offline_action TYPE host_offline_action,
    ALTER COLUMN offline_reason TYPE host_offline_reason,
    ALTER COLUMN block_reason TYPE host_block_reason,
    ALTER COLUMN heartbeat_seconds TYPE host_heartbeat_seconds,
    ALTER COLUMN protocol_heartbeat_seconds TYPE host_protocol_heartbeat_seconds,
    ALTER COLUMN nochg_interval_seconds TYPE host_nochg_interval_seconds,
    ALTER COLUMN nochg_count TYPE host_nochg_count;
