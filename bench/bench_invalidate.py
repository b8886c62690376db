"""Benchmarks for `cachalot invalidate`. Not a test: it prints figures.

1. One app on the interop site with the file cache: cachalot vs
   `python manage.py invalidate_cachalot`.
2. One app with Django's Redis cache: cachalot vs one `redis-cli SET` vs
   `manage.py invalidate_cachalot`, on the same redis-server.
3. 2,000 tables (generated SQLite schema): cachalot vs one `redis-cli MSET`
   of 2,000 keys.

Every contender runs alternately with the others, ROUNDS times; the script
prints median wall time, ratios, and each one's peak resident memory.
Run with `make bench` (release binary, interop virtualenv)."""
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from servers import peak_memory_kib, start_redis, write_redis_settings

ROUNDS = int(os.environ.get("ROUNDS", "15"))
ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "Tests" / "interop"
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def run(argv, env, cwd):
    """Runs argv once; returns its wall time in seconds."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv[:6])} ... failed: {result.stderr.decode()}")
    return elapsed


def compare(title, contenders, env, cwd):
    """Runs the contenders alternately and prints medians, ratios, peak memory."""
    samples = {name: [] for name in contenders}
    for _ in range(ROUNDS):
        for name, argv in contenders.items():
            samples[name].append(run(argv, env, cwd))
    print(f"\n{title} ({ROUNDS} alternating runs each)")
    medians = {name: statistics.median(runs) for name, runs in samples.items()}
    first = next(iter(contenders))
    for name, runs in samples.items():
        peak = peak_memory_kib(contenders[name], env, cwd) / 1024
        ratio = medians[name] / medians[first]
        print(f"  {name:44s} median {medians[name] * 1000:8.2f} ms  {ratio:6.2f}x of cachalot  peak RSS {peak:6.1f} MiB")


def site(work, cache, env):
    """Migrates a fresh interop site with `cache` and exports its settings with the README command."""
    env = {**env, "INTEROP_DB": str(work / f"{cache}.sqlite3"), "INTEROP_CACHE_DIR": str(work / "cache"),
           "INTEROP_CACHE": cache, "DJANGO_SETTINGS_MODULE": "interopsite.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=SITE, env=env, check=True)
    readme = (ROOT / "README.md").read_text()
    export = re.search(r"<!-- export-command -->\s*```sh\n(.*?)\n```", readme, re.S).group(1)
    subprocess.run(["sh", "-c", export], cwd=SITE, env=env, check=True, stdout=subprocess.DEVNULL)
    settings = work / f"{cache}.json"
    shutil.move(SITE / "cachalot.json", settings)
    return env, settings


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-"))
    base = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    redis, port = start_redis(work)
    try:
        env, settings = site(work, "filebased", base)
        compare("invalidate one app, SQLite + file-based cache", {
            "cachalot invalidate library": [BINARY, "--settings", str(settings), "invalidate", "library"],
            "manage.py invalidate_cachalot library": [sys.executable, "manage.py", "invalidate_cachalot", "library"],
        }, env, SITE)

        env, settings = site(work, "redis", {**base, "INTEROP_REDIS_URL": f"redis://127.0.0.1:{port}/0"})
        compare("invalidate one app, SQLite + Django's RedisCache", {
            "cachalot invalidate library": [BINARY, "--settings", str(settings), "invalidate", "library"],
            "redis-cli SET of one key": ["redis-cli", "-p", str(port), "SET", "bench:one", "1"],
            "manage.py invalidate_cachalot library": [sys.executable, "manage.py", "invalidate_cachalot", "library"],
        }, env, SITE)

        wide = work / "wide.sqlite3"
        with sqlite3.connect(wide) as connection:
            for index in range(2000):
                connection.execute(f"CREATE TABLE t{index:04d} (id integer PRIMARY KEY)")
        wide_settings = work / "wide.toml"
        write_redis_settings(wide_settings, port, wide, redis_db=1)
        mset = ["redis-cli", "-p", str(port), "-n", "1", "MSET"]
        for index in range(2000):
            mset += [f"bench:t{index:04d}", "1795775931.053213"]
        compare("invalidate 2,000 tables, Django's RedisCache", {
            "cachalot invalidate (2,000 tables)": [BINARY, "--settings", str(wide_settings), "invalidate"],
            "redis-cli MSET of 2,000 keys": mset,
        }, base, work)
    finally:
        redis.kill()
        redis.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
