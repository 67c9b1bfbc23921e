-- The sweeper locks due hosts of one zone in id order, in batches (pg_lifecycle_store.cpp). With
-- only hosts_pkey and hosts_zone_id_idx the planner walked the primary key and filtered zone and
-- offline_since, so every batch re-read the hosts swept before it and the online hosts of other
-- zones with lower ids: a sweep slowed down the more it had swept (bench: 100,000 expired hosts,
-- 270-300 per second, not done in 300 s). Online hosts of a zone in id order, and nothing else:
-- a swept host leaves the index with its offline_since.
CREATE INDEX hosts_online_by_zone_idx ON hosts (zone_id, id) WHERE offline_since IS NULL;
