#!/usr/bin/env python3
"""The board ledger's file at a given fleet size and history: NODES boards with one change an hour each for HOURS hours,
written into a SQLite file made by the real migrations (migrations/*.sql, in order), in time order as refreshes write
them. Prints the file's size, the bytes per event, how long the reads the API makes take on it, and how long one
pruning batch (the 500 oldest events) takes.

    python3 Benchmarks/ledger-size.py NODES HOURS [FILE]
"""
import glob
import os
import sqlite3
import sys
import tempfile
import time

nodes, hours = int(sys.argv[1]), int(sys.argv[2])
path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(tempfile.mkdtemp(prefix="ks-edge-gpu-ledger-"), "ledger.sqlite")
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

db = sqlite3.connect(path)
db.execute("PRAGMA journal_mode = WAL")
for migration in sorted(glob.glob(os.path.join(root, "migrations", "*.sql"))):
    db.executescript(open(migration).read())

start_ms = 1_767_225_600_000  # 2026-01-01T00:00:00Z
# Changes as the ledger records them, taking turns: versions, power modes, problems opening and closing, a GPU swap.
# Node names as a fleet's (edge-agx-orin-01234), values as the exporters write them.
started = time.monotonic()
# A day at a time, each its own transaction, as refreshes write (a year in one transaction would need its whole
# write-ahead log at once).
for first in range(0, hours, 24):
    last = min(hours, first + 24)
    db.execute("BEGIN")
    db.execute(f"""
    WITH RECURSIVE hour(h) AS (SELECT {first} UNION ALL SELECT h + 1 FROM hour WHERE h + 1 < {last}),
                   board(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM board WHERE n + 1 < {nodes})
    INSERT INTO board_event (node, observed_at, kind, subject, old, new, gpu, sensor, severity)
    SELECT printf('edge-agx-orin-%05d', n),
           {start_ms} + h * 3600000 + n * 677 + (h * 7919 + n) % 1000,
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
    FROM hour, board ORDER BY h, n
    """)
    db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
written = time.monotonic() - started
events = db.execute("SELECT count(*) FROM board_event").fetchone()[0]
size = os.path.getsize(path)


def timed(sql, *arguments, repeat=5):
    """The median time of `sql`, in milliseconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        db.execute(sql, arguments).fetchall()
        times.append((time.perf_counter() - began) * 1000)
    return sorted(times)[len(times) // 2]


newest = "SELECT * FROM board_event ORDER BY observed_at DESC, node, kind, subject LIMIT 100 OFFSET 0"
node = "SELECT * FROM board_event WHERE node = ? ORDER BY observed_at DESC, node, kind, subject LIMIT 100 OFFSET 0"
count_node = "SELECT count(*) FROM board_event WHERE node = ?"
since = start_ms + (hours - 24) * 3600000
day = "SELECT count(*) FROM board_event WHERE observed_at >= ?"
count_all = "SELECT count(*) FROM board_event"
prune = """DELETE FROM board_event WHERE (node, observed_at, kind, subject) IN (
           SELECT node, observed_at, kind, subject FROM board_event WHERE observed_at < ? ORDER BY observed_at LIMIT 500)"""
batches = []
for _ in range(5):
    began = time.perf_counter()
    db.execute(prune, (start_ms + 24 * 3600000,))
    db.commit()
    batches.append((time.perf_counter() - began) * 1000)

print(f"ledger: {nodes} boards x {hours} hours = {events} events, written in {written:.0f} s")
print(f"ledger: file {size / 2**20:.1f} MiB, {size / max(events, 1):.1f} bytes per event")
print(f"ledger: newest page of the fleet {timed(newest):.2f} ms, of one board {timed(node, 'edge-agx-orin-00042'):.2f} ms "
      f"(its total {timed(count_node, 'edge-agx-orin-00042'):.2f} ms)")
print(f"ledger: the fleet's total over the last day {timed(day, since):.1f} ms, over everything {timed(count_all, repeat=1):.0f} ms")
print(f"ledger: one pruning batch (500 oldest) median {sorted(batches)[2]:.2f} ms, slowest {max(batches):.2f} ms")
