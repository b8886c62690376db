"""Benchmark what `cachalot watch` costs per poll. Not a test: it prints figures.

Over 1,000 tables, `watch --json` polls for a few seconds and reports its
own median poll time (one read of every table key); the alternative, run
in the same script, is the same read and decoding done by a Python client
in-process (redis-py MGET, pymemcache get_many, reading the files; each
value unpickled, as Django's get_many would), medians over as many
rounds. File cache, Redis and memcached.
Run with `make bench`."""
import hashlib
import json
import os
import pickle
import statistics
import subprocess
import sqlite3
import tempfile
import time
import zlib
from pathlib import Path

from servers import free_port, start_redis

ROOT = Path(__file__).resolve().parent.parent
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())
TABLES = int(os.environ.get("WATCH_TABLES", "1000"))
SECONDS = float(os.environ.get("WATCH_SECONDS", "5"))


def made_keys():
    return [":1:" + hashlib.sha1(f"default:t{index:05d}".encode()).hexdigest() for index in range(TABLES)]


def watch_poll_ms(settings):
    subprocess.run([BINARY, "--settings", str(settings), "invalidate", "-v", "0"], check=True)
    result = subprocess.run([BINARY, "--settings", str(settings), "watch", "--json", "--for", str(SECONDS),
                             "--interval", "0.05", "-v", "0"], capture_output=True, text=True, check=True)
    summary = json.loads(result.stdout.splitlines()[-1])
    return summary["poll_ms_median"], summary["polls"]


def python_ms(read, rounds):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def report(name, cachalot, polls, python):
    print(f"{name}: cachalot watch {cachalot:.3f} ms per poll (median of {polls}), "
          f"{python:.3f} ms for the same read in-process from Python, ratio {cachalot / python:.2f}")


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-watch-"))
    database = work / "wide.sqlite3"
    with sqlite3.connect(database) as connection:
        for index in range(TABLES):
            connection.execute(f"CREATE TABLE t{index:05d} (id integer PRIMARY KEY)")
    print(f"watch: one read of {TABLES:,} table keys per poll")

    folder = work / "cache"
    settings = work / "file.toml"
    settings.write_text(f'[CACHES.default]\nBACKEND = "django.core.cache.backends.filebased.FileBasedCache"\n'
                        f'LOCATION = "{folder}"\n[DATABASES.default]\nENGINE = "django.db.backends.sqlite3"\nNAME = "{database}"\n')
    cachalot, polls = watch_poll_ms(settings)
    files = [folder / (hashlib.md5(key.encode()).hexdigest() + ".djcache") for key in made_keys()]
    def read_files():
        for path in files:
            with open(path, "rb") as handle:
                pickle.load(handle)
                pickle.loads(zlib.decompress(handle.read()))
    report("file cache", cachalot, polls, python_ms(read_files, polls))

    import redis
    server, port = start_redis(work)
    try:
        settings = work / "redis.toml"
        settings.write_text(f'[CACHES.default]\nBACKEND = "django.core.cache.backends.redis.RedisCache"\n'
                            f'LOCATION = "redis://127.0.0.1:{port}/0"\n[DATABASES.default]\nENGINE = "django.db.backends.sqlite3"\nNAME = "{database}"\n')
        cachalot, polls = watch_poll_ms(settings)
        client, keys = redis.Redis(port=port), made_keys()
        report("Redis", cachalot, polls, python_ms(lambda: [pickle.loads(value) for value in client.mget(keys)], polls))
    finally:
        server.kill()

    from pymemcache.client.base import Client
    port = free_port()
    memcached = subprocess.Popen(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-u", "nobody"])
    time.sleep(0.3)
    try:
        settings = work / "memcached.toml"
        settings.write_text(f'[CACHES.default]\nBACKEND = "django.core.cache.backends.memcached.PyMemcacheCache"\n'
                            f'LOCATION = "127.0.0.1:{port}"\n[DATABASES.default]\nENGINE = "django.db.backends.sqlite3"\nNAME = "{database}"\n')
        cachalot, polls = watch_poll_ms(settings)
        client, keys = Client(("127.0.0.1", port)), made_keys()
        report("memcached", cachalot, polls, python_ms(lambda: [pickle.loads(value) for value in client.get_many(keys).values()], polls))
    finally:
        memcached.kill()


if __name__ == "__main__":
    main()
