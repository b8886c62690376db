"""Benchmark `cachalot query` (Django's RedisCache, SQLite). Not a test.

1. A cache hit vs `redis-cli GET` of the same key.
2. A miss (the entry invalidated before each run, untimed) vs the `sqlite3`
   shell running the same query.
3. A heavy aggregate over a 1,000,000-row table: first run (miss) vs cached run.

Contenders run alternately (measure.py); medians, ratios, peak memory.
Run with `make bench`."""
import os
import subprocess
from pathlib import Path

from measure import CHECK, bar, cli_entry_key, compare, run_once, summary
from servers import redis_workspace, write_redis_settings

ROWS = int(os.environ.get("ROWS", "1000000"))
ROOT = Path(__file__).resolve().parent.parent
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


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
        run_once(query + [small, "--param", "42"], cwd=work)
        keys = subprocess.run(["redis-cli", "-p", str(port), "--scan"], cwd=work, check=True, capture_output=True, text=True)
        entry = next(key for key in keys.stdout.split() if key.endswith(cli_entry_key(small, ["42"])))
        medians = compare("one-row query, cache hit", {
            "cachalot query (hit)": query + [small, "--param", "42"],
            "redis-cli GET of the entry's key": ["redis-cli", "-p", str(port), "GET", entry],
        }, cwd=work)
        bar("query hit / redis-cli GET", medians["cachalot query (hit)"] / medians["redis-cli GET of the entry's key"], 1.1)

        if CHECK:  # bench-check times only what has a bar
            return summary()

        def invalidate_before(name):
            if "miss" in name:
                run_once(invalidate, cwd=work)
        compare("one-row query, cache miss", {
            "cachalot query (miss, then stores)": query + [small, "--param", "42"],
            "sqlite3 running the same query": ["sqlite3", "db.sqlite3", "SELECT id, name FROM item WHERE id = 42"],
        }, cwd=work, before=invalidate_before)
        heavy = "SELECT grp, count(*), avg(val), max(name) FROM item GROUP BY grp"
        compare(f"aggregate over {ROWS:,} rows", {
            "cachalot query, first run (miss)": query + [heavy],
            "cachalot query, cached run (hit)": query + [heavy],
        }, cwd=work, rounds=7, before=lambda name: invalidate_before("miss") if "first" in name else None)
    summary()


if __name__ == "__main__":
    main()
