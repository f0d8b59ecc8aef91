-- Board inventory: one row per node ever seen, kept when the node goes away.
CREATE TABLE board (
    node          TEXT PRIMARY KEY NOT NULL,
    exporter      TEXT NOT NULL,
    model         TEXT,
    jetpack       TEXT,
    l4t           TEXT,
    soc           TEXT,
    codename      TEXT,
    module        TEXT,
    board         TEXT,
    cuda_arch     TEXT,
    serial_number TEXT,
    nvpmode       TEXT,
    first_seen    DATETIME NOT NULL,
    last_seen     DATETIME NOT NULL
);
