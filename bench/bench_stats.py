"""Benchmark: `cachalot stats` over 1,000,000 entries in Redis vs
`redis-cli --scan --pattern ':1:*' | wc -l` on the same server.

The entries are what django-cachalot stores for a query, `(time, rows)`
pickled with protocol 5, written with an expiry as Django's RedisCache
writes them. The two run alternately (measure.py); medians, the ratio and
peak resident memory. Not a test. Run with `make bench`."""
import os
import pickle
import subprocess
import time
from pathlib import Path

import redis
from measure import bar, compare, figure, summary
from servers import redis_workspace, write_redis_settings

ENTRIES = int(os.environ.get("ENTRIES", "1000000"))
ROOT = Path(__file__).resolve().parent.parent
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def server_cpu(client):
    cpu = client.info("cpu")
    return cpu["used_cpu_user"] + cpu["used_cpu_sys"]


def server_floor(client, stats, work, scan):
    """What the server alone spends on one stats run (SCAN, then GETRANGE
    and PTTL per key): no client, however fast, makes stats take less, so
    this over redis-cli's time is the lowest ratio stats can reach."""
    before = server_cpu(client)
    subprocess.run(stats, cwd=work, check=True, stdout=subprocess.DEVNULL)
    spent = server_cpu(client) - before
    print(f"  redis-server CPU during one cachalot stats: {spent:.2f} s ({spent / ENTRIES * 1e6:.2f} µs a key)")
    figure("stats floor: redis-server's own CPU for SCAN, GETRANGE and PTTL / (redis-cli --scan | wc -l)", spent / scan)


def main():
    with redis_workspace("cachalot-bench-stats-") as (work, port):
        client = redis.Redis(port=port)
        now = time.time()
        for start in range(0, ENTRIES, 10_000):
            pipe = client.pipeline(transaction=False)
            for i in range(start, min(start + 10_000, ENTRIES)):
                pipe.set(f":1:query-{i:07d}", pickle.dumps((now, [[(i, "title", None)]]), 5), ex=3600)
            pipe.execute()
        subprocess.run(["sqlite3", str(work / "db.sqlite3"), "CREATE TABLE library_book (id integer PRIMARY KEY);"], check=True)
        write_redis_settings(work / "cachalot.toml", port, "db.sqlite3")
        medians = compare(f"scan {ENTRIES:,} query entries in Redis", {
            "cachalot stats": [BINARY, "--settings", "cachalot.toml", "stats"],
            "redis-cli --scan --pattern ':1:*' | wc -l": ["sh", "-c", f"redis-cli -p {port} --scan --pattern ':1:*' | wc -l"],
        }, cwd=work, rounds=int(os.environ.get("ROUNDS", "5")))
        scan = medians["redis-cli --scan --pattern ':1:*' | wc -l"]
        bar("stats / (redis-cli --scan | wc -l)", medians["cachalot stats"] / scan, 0.25, standing=0.3)
        server_floor(client, [BINARY, "--settings", "cachalot.toml", "stats"], work, scan)
    summary()


if __name__ == "__main__":
    main()
