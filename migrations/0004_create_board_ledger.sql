-- The board ledger. Each change seen on a board, once: a row's key is the board, the time of the first sample that
-- showed the change (milliseconds since the Unix epoch), the kind of change and what it concerns (a GPU, a problem,
-- or '' for the board itself), so the same change read again (a restart, a second replica, an overlapping refresh)
-- adds nothing.
CREATE TABLE board_event (
    node        TEXT NOT NULL,
    observed_at INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    old         TEXT,
    new         TEXT,
    gpu         INTEGER,
    sensor      TEXT,
    severity    TEXT,
    PRIMARY KEY (node, observed_at, kind, subject)
) WITHOUT ROWID;
-- The fleet's events newest first, and pruning the oldest.
CREATE INDEX board_event_by_time ON board_event (observed_at);

-- How many events of each kind each day holds (UTC days since the Unix epoch), kept with every insert and prune: the
-- fleet's totals without counting a year of rows.
CREATE TABLE board_event_day (
    day    INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    events INTEGER NOT NULL,
    PRIMARY KEY (day, kind)
) WITHOUT ROWID;

-- What the ledger last recorded of each board (LedgerFact keys: `jetpack`, `gpu_uuid/0`, `problem/…`, `presence`):
-- what the next refresh compares Prometheus with.
CREATE TABLE board_fact (
    node  TEXT NOT NULL,
    fact  TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (node, fact)
) WITHOUT ROWID;

-- Each board's GPUs (JSON: [{"index","name","uuid"}]) for the inventory, and the newest sample time at which its
-- description was what the ledger holds: where the search for a later change's first sample starts.
ALTER TABLE board ADD COLUMN gpus TEXT;
ALTER TABLE board ADD COLUMN agreed_at DATETIME;
