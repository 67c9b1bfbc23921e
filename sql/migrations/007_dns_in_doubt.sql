-- A host whose last UPDATE may or may not be in BIND: the reply was lost, or the commit that
-- recorded it has an unknown outcome. Set by the batched-update path instead of rolling DNS back
-- blindly; cleared when the reconciler (or the host's next acknowledged change) has compared
-- BIND with the database and settled it. NULL: DNS and the database are believed to agree.
ALTER TABLE hosts ADD COLUMN dns_in_doubt_since timestamptz;
CREATE INDEX hosts_dns_in_doubt_idx ON hosts (zone_id) WHERE dns_in_doubt_since IS NOT NULL;
