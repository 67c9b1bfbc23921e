-- 017: a host's TTL is its own (`admin host ttl FQDN N`) or follows its zone's default_ttl
-- (`admin host ttl FQDN zone`, and every host until then). hosts.ttl stays the TTL in effect,
-- so the update paths read one column; `admin zone ttl` rewrites it for the hosts that follow.
ALTER TABLE hosts ADD COLUMN ttl_own boolean NOT NULL DEFAULT false;
