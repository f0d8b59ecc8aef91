#!/usr/bin/env python3
"""The board ledger's file at a given fleet size and history: NODES boards with one change an hour each for HOURS hours,
written into a SQLite file made by the real migrations (migrations/*.sql, in order), a day at a time in time order as
refreshes write them, with each day's counts as the server keeps them. Prints the file's size, the bytes per event,
how long the reads the API makes take on it, and how long one pruning batch (the 500 oldest events, as the server
prunes them) takes.

    python3 Benchmarks/ledger-size.py NODES HOURS [FILE]
    python3 Benchmarks/ledger-size.py --measure FILE     the reads and pruning only, on a file written before
"""
import glob
import os
import sqlite3
import sys
import tempfile
import time

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY_MS = 86_400_000
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def write(db, nodes, hours):
    """Changes as the ledger records them, taking turns: versions, power modes, problems opening and closing, a GPU
    swap; node names as a fleet's (edge-agx-orin-01234), values as the exporters write them."""
    for migration in sorted(glob.glob(os.path.join(ROOT, "migrations", "*.sql"))):
        db.executescript(open(migration).read())
    # A day at a time, each its own transaction (a year in one would need its whole write-ahead log at once).
    for first in range(0, hours, 24):
        last = min(hours, first + 24)
        db.execute("BEGIN")
        db.execute(f"""
            WITH RECURSIVE hour(h) AS (SELECT {first} UNION ALL SELECT h + 1 FROM hour WHERE h + 1 < {last}),
                           board(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM board WHERE n + 1 < {nodes})
            INSERT INTO board_event (node, observed_at, kind, subject, old, new, gpu, sensor, severity)
            SELECT printf('edge-agx-orin-%05d', n),
                   {START_MS} + h * 3600000 + n * 677 + (h * 7919 + n) % 1000,
                   CASE (h + n) % 6 WHEN 0 THEN 'jetpack' WHEN 1 THEN 'l4t' WHEN 2 THEN 'power_mode'
                                    WHEN 3 THEN 'problem_opened' WHEN 4 THEN 'problem_closed' ELSE 'gpu_uuid' END,
                   CASE (h + n) % 6 WHEN 3 THEN 'board_hot/warning//gpu' WHEN 4 THEN 'board_hot/warning//gpu' WHEN 5 THEN '0' ELSE '' END,
                   CASE (h + n) % 6 WHEN 0 THEN '5.1.2' WHEN 1 THEN '35.4.1' WHEN 2 THEN 'MODE_30W' WHEN 3 THEN NULL
                                    WHEN 4 THEN 'board_hot' ELSE 'GPU-6a1f3c2e-8b4d-4e9f-a061-1c8d4e6f9b20' END,
                   CASE (h + n) % 6 WHEN 0 THEN '6.0' WHEN 1 THEN '36.3.0' WHEN 2 THEN 'MAXN' WHEN 3 THEN 'board_hot'
                                    WHEN 4 THEN NULL ELSE 'GPU-7b2e90d4-1c3a-4f58-9e2b-7a6d0c5f3e82' END,
                   CASE (h + n) % 6 WHEN 5 THEN 0 ELSE NULL END,
                   CASE (h + n) % 6 WHEN 3 THEN 'gpu' WHEN 4 THEN 'gpu' ELSE NULL END,
                   CASE (h + n) % 6 WHEN 3 THEN 'warning' WHEN 4 THEN 'warning' ELSE NULL END
            FROM hour, board ORDER BY h, n""")
        fill_days(db, START_MS + first * 3600000, START_MS + last * 3600000 + 3600000)
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def fill_days(db, since, until):
    """Each day's counts per kind, as the server keeps them beside its inserts."""
    db.execute(f"""
        INSERT INTO board_event_day (day, kind, events)
        SELECT observed_at / {DAY_MS}, kind, count(*) FROM board_event WHERE observed_at >= ? AND observed_at < ? GROUP BY 1, 2
        ON CONFLICT (day, kind) DO UPDATE SET events = events + excluded.events""", (since, until))


def timed(db, sql, *arguments, repeat=5):
    """The median time of `sql`, in milliseconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        db.execute(sql, arguments).fetchall()
        times.append((time.perf_counter() - began) * 1000)
    return sorted(times)[len(times) // 2]


def prune_batch(db, before):
    """The server's pruning of the 500 oldest events (Inventory.pruneEvents): each by its key, and the days' counts."""
    db.execute("BEGIN IMMEDIATE")
    doomed = db.execute("SELECT node, observed_at, kind, subject FROM board_event WHERE observed_at < ? ORDER BY observed_at LIMIT 500",
                        (before,)).fetchall()
    per_day = {}
    for node, observed_at, kind, subject in doomed:
        db.execute("DELETE FROM board_event WHERE node = ? AND observed_at = ? AND kind = ? AND subject = ?", (node, observed_at, kind, subject))
        per_day[(observed_at // DAY_MS, kind)] = per_day.get((observed_at // DAY_MS, kind), 0) + 1
    for (day, kind), count in per_day.items():
        db.execute("UPDATE board_event_day SET events = events - ? WHERE day = ? AND kind = ?", (count, day, kind))
    db.execute("COMMIT")


def measure(db, path):
    first, last = db.execute("SELECT min(observed_at), max(observed_at) FROM board_event").fetchone()
    events = db.execute("SELECT sum(events) FROM board_event_day").fetchone()[0]
    size = os.path.getsize(path)
    node = db.execute("SELECT node FROM board_event ORDER BY observed_at DESC LIMIT 1").fetchone()[0]
    page = "ORDER BY observed_at DESC, node, kind, subject LIMIT 100 OFFSET 0"
    print(f"ledger: {events} events over {(last - first) / DAY_MS:.0f} days: file {size / 2**20:.1f} MiB, {size / max(events, 1):.1f} bytes per event")
    print(f"ledger: newest page of the fleet {timed(db, f'SELECT * FROM board_event {page}'):.2f} ms, "
          f"of one board {timed(db, f'SELECT * FROM board_event WHERE node = ? {page}', node):.2f} ms "
          f"(its total {timed(db, 'SELECT count(*) FROM board_event WHERE node = ?', node):.2f} ms)")
    # The fleet's totals as the server takes them (EventDays): the days' counts, and the partial day counted.
    whole = timed(db, "SELECT coalesce(sum(events), 0) FROM board_event_day WHERE day BETWEEN ? AND ?", -(2**62), 2**62)
    partial = timed(db, "SELECT count(*) FROM board_event WHERE observed_at >= ? AND observed_at < ?", last - DAY_MS // 2, last + 1)
    print(f"ledger: the fleet's total over everything {whole:.2f} ms (each day's counts), a partial day's {partial:.1f} ms; "
          f"counting every row instead {timed(db, 'SELECT count(*) FROM board_event', repeat=1):.0f} ms")
    batches = []
    for _ in range(5):
        began = time.perf_counter()
        prune_batch(db, first + DAY_MS)
        batches.append((time.perf_counter() - began) * 1000)
    print(f"ledger: one pruning batch (500 oldest) median {sorted(batches)[2]:.2f} ms, slowest {max(batches):.2f} ms")


if sys.argv[1] == "--measure":
    path = sys.argv[2]
    connection = sqlite3.connect(path, isolation_level=None)
    if not connection.execute("SELECT count(*) FROM board_event_day").fetchone()[0]:
        fill_days(connection, -(2**62), 2**62)
else:
    nodes, hours = int(sys.argv[1]), int(sys.argv[2])
    path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(tempfile.mkdtemp(prefix="ks-edge-gpu-ledger-"), "ledger.sqlite")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    began = time.monotonic()
    write(connection, nodes, hours)
    print(f"ledger: {nodes} boards x {hours} hours written in {time.monotonic() - began:.0f} s")
measure(connection, path)
