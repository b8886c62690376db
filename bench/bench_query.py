"""Benchmark `cachalot query` (Django's RedisCache, SQLite). Not a test.

1. A cache hit vs `redis-cli GET` of the same key.
2. A miss (the entry invalidated before each run, untimed) vs the `sqlite3`
   shell running the same query.
3. A heavy aggregate over a 1,000,000-row table: first run (miss) vs cached run.

Contenders run alternately ROUNDS times; medians and ratios are printed.
Run with `make bench`."""
import hashlib
import os
import statistics
import subprocess
import time
from pathlib import Path

from servers import redis_workspace, write_redis_settings

ROUNDS = int(os.environ.get("ROUNDS", "15"))
ROWS = int(os.environ.get("ROWS", "1000000"))
ROOT = Path(__file__).resolve().parent.parent
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def timed(argv, cwd, before=None):
    if before:
        subprocess.run(before, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def compare(title, contenders, cwd):
    """contenders: name → (argv, untimed command run before each timed one, or None)."""
    samples = {name: [] for name in contenders}
    for _ in range(ROUNDS):
        for name, (argv, before) in contenders.items():
            samples[name].append(timed(argv, cwd, before))
    print(f"\n{title} ({ROUNDS} alternating runs each)")
    medians = {name: statistics.median(runs) for name, runs in samples.items()}
    first = next(iter(medians.values()))
    for name, median in medians.items():
        print(f"  {name:48s} median {median * 1000:9.2f} ms  {median / first:7.2f}x of the first")


def main():
    with redis_workspace("cachalot-bench-query-") as (work, port):
        subprocess.run(["sqlite3", "db.sqlite3"], cwd=work, check=True, input=f"""
CREATE TABLE item (id integer PRIMARY KEY, grp integer, val real, name text);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
INSERT INTO item SELECT i, i % 100, i * 0.5, 'item ' || i FROM n;
""", text=True)
        write_redis_settings(work / "cachalot.toml", port, "db.sqlite3")
        query = [BINARY, "--settings", "cachalot.toml", "query", "--format", "tsv"]
        invalidate = [BINARY, "--settings", "cachalot.toml", "invalidate", "item", "-v", "0"]

        small = "SELECT id, name FROM item WHERE id = %s"
        subprocess.run(query + [small, "--param", "42"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        key = ":1:" + hashlib.sha1(f"default:{small}:['42']".encode()).hexdigest()
        compare("one-row query, cache hit", {
            "cachalot query (hit)": (query + [small, "--param", "42"], None),
            "redis-cli GET of the same key": (["redis-cli", "-p", str(port), "GET", key], None),
        }, work)
        compare("one-row query, cache miss", {
            "cachalot query (miss, then stores)": (query + [small, "--param", "42"], invalidate),
            "sqlite3 running the same query": (["sqlite3", "db.sqlite3", "SELECT id, name FROM item WHERE id = 42"], None),
        }, work)
        heavy = "SELECT grp, count(*), avg(val), max(name) FROM item GROUP BY grp"
        compare(f"aggregate over {ROWS:,} rows", {
            "cachalot query, first run (miss)": (query + [heavy], invalidate),
            "cachalot query, cached run (hit)": (query + [heavy], None),
        }, work)


if __name__ == "__main__":
    main()
