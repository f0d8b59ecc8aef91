-- The last good (online) snapshot per node, served as `stale` while Prometheus is unreachable.
CREATE TABLE snapshot (
    node        TEXT PRIMARY KEY NOT NULL,
    observed_at DATETIME NOT NULL,
    payload     TEXT NOT NULL  -- the NodeGPU JSON contract
);
