"""Benchmark: `cachalot stats` over 1,000,000 entries in Redis vs
`redis-cli --scan --pattern ':1:*' | wc -l` on the same server.

The entries are what django-cachalot stores for a query, `(time, rows)`
pickled with protocol 5, written with an expiry as Django's RedisCache
writes them. The two commands run alternately ROUNDS times; the script
prints median wall time, the ratio, and peak resident memory (GNU time).
Not a test. Run with `make bench`."""
import os
import pickle
import statistics
import subprocess
import time
from pathlib import Path

import redis
from servers import peak_memory_kib, redis_workspace, write_redis_settings

ROUNDS = int(os.environ.get("ROUNDS", "5"))
ENTRIES = int(os.environ.get("ENTRIES", "1000000"))
ROOT = Path(__file__).resolve().parent.parent
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def timed(argv, cwd):
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


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
        contenders = {
            "cachalot stats": [BINARY, "--settings", "cachalot.toml", "stats"],
            "redis-cli --scan --pattern ':1:*' | wc -l": ["sh", "-c", f"redis-cli -p {port} --scan --pattern ':1:*' | wc -l"],
        }
        samples = {name: [] for name in contenders}
        for _ in range(ROUNDS):
            for name, argv in contenders.items():
                samples[name].append(timed(argv, work))
        print(f"\nscan {ENTRIES:,} query entries in Redis ({ROUNDS} alternating runs each)")
        medians = {name: statistics.median(runs) for name, runs in samples.items()}
        first = medians["cachalot stats"]
        for name, argv in contenders.items():
            print(f"  {name:44s} median {medians[name]:7.3f} s  {medians[name] / first:5.2f}x of cachalot"
                  f"  peak RSS {peak_memory_kib(argv, cwd=work) / 1024:6.1f} MiB")


if __name__ == "__main__":
    main()
