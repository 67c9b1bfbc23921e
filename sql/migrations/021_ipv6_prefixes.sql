-- 021: IPv6 prefixes of routers and the hosts derived from them (docs/design.md, "IPv6 prefixes
-- and derived hosts").

ALTER TABLE hosts
    -- The last IPv6 prefix this host's router sent (dyndns2 ip6lanprefix, or myip with /len).
    -- Not a DNS record: the source of the AAAA of the hosts derived from this one. NULL: none
    -- sent; the derived hosts then follow the host's own IPv6 address.
    ADD COLUMN ipv6_prefix cidr CHECK (family(ipv6_prefix) = 6),
    -- A derived host: its AAAA is the first prefix_length bits of that host's prefix followed by
    -- the remaining bits of interface_id. The host derived from is of the same account and zone
    -- and not derived itself (checked by the admin repository). Removing it leaves the derived
    -- host an ordinary host with its last AAAA.
    ADD COLUMN derive_from bigint REFERENCES hosts(id) ON DELETE SET NULL,
    ADD COLUMN interface_id inet CHECK (family(interface_id) = 6 AND masklen(interface_id) = 128),
    ADD COLUMN prefix_length smallint CHECK (prefix_length BETWEEN 16 AND 64),
    ADD CONSTRAINT hosts_derived_complete
        CHECK (derive_from IS NULL OR (interface_id IS NOT NULL AND prefix_length IS NOT NULL)),
    ADD CONSTRAINT hosts_not_derived_from_itself CHECK (derive_from <> id);

CREATE INDEX hosts_derive_from ON hosts (derive_from) WHERE derive_from IS NOT NULL;
