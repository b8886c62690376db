"""Benchmark cachalot on memcached. Not a test: it prints figures.

1. `invalidate library` on the interop Django site (pymemcache, one
   server) against `manage.py invalidate_cachalot library` and a one-shot
   client setting one key (libmemcached-tools' memccp).
2. 2,000 tables, no label, over a pool of three servers (pymemcache and
   pylibmc placement).
3. `stats` over 200,000 entries against memcdump listing the keys.

Contenders run alternately (measure.py); medians, ratios, peak memory.
Run with `make bench`."""
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import compare, summary
from servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "Tests" / "interop"
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())
TABLES = int(os.environ.get("POOL_TABLES", "2000"))
ENTRIES = int(os.environ.get("MEMCACHED_ENTRIES", "200000"))


def start_memcached(count):
    ports = [free_port() for _ in range(count)]
    processes = [subprocess.Popen(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "512", "-u", "nobody"])
                 for port in ports]
    time.sleep(0.3)
    return processes, [f"127.0.0.1:{port}" for port in ports]


def settings(path, backend, servers, database):
    locations = ", ".join(f'"{server}"' for server in servers)
    path.write_text(f"""
[CACHES.default]
BACKEND = "django.core.cache.backends.memcached.{backend}"
LOCATION = [{locations}]
[DATABASES.default]
ENGINE = "django.db.backends.sqlite3"
NAME = "{database}"
""")


def django_site(work, server):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "INTEROP_DB": str(work / "site.sqlite3"), "INTEROP_CACHE_DIR": "unused", "INTEROP_CACHE": "pymemcache",
           "INTEROP_MEMCACHED": server, "DJANGO_SETTINGS_MODULE": "interopsite.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=SITE, env=env, check=True)
    site_settings = work / "site.json"
    subprocess.run([BINARY, "init", "--manage", str(SITE / "manage.py"), "--python", sys.executable, "-o", str(site_settings)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    (work / "one-key").write_text("1795775931.053213")
    compare("invalidate one app of the Django site (PyMemcacheCache, one server)", {
        "cachalot invalidate library": [BINARY, "--settings", str(site_settings), "invalidate", "library"],
        "manage.py invalidate_cachalot library": [sys.executable, "manage.py", "invalidate_cachalot", "library"],
        "memccp of one key": ["memccp", f"--servers={server}", str(work / "one-key")],
    }, cwd=SITE, env=env, rounds=9)


def pool(work, servers):
    path = work / "wide.sqlite3"
    with sqlite3.connect(path) as connection:
        for index in range(TABLES):
            connection.execute(f"CREATE TABLE t{index:05d} (id integer PRIMARY KEY)")
    for backend in ("PyMemcacheCache", "PyLibMCCache"):
        settings(work / f"{backend}.toml", backend, servers, path)
    compare(f"invalidate {TABLES:,} tables, no label, pool of three", {
        f"cachalot invalidate, PyMemcacheCache": [BINARY, "--settings", "PyMemcacheCache.toml", "invalidate"],
        f"cachalot invalidate, PyLibMCCache": [BINARY, "--settings", "PyLibMCCache.toml", "invalidate"],
    }, cwd=work, rounds=9)


def stats(work, server):
    from pymemcache.client.base import Client

    client = Client(tuple(server.rsplit(":", 1)[0:1]) + (int(server.rsplit(":", 1)[1]),))
    now = time.time()
    for start in range(0, ENTRIES, 5_000):
        client.set_many({f":1:query-{i:07d}": pickle.dumps((now, [[(i, "title", None)]]), 5) for i in range(start, start + 5_000)},
                        expire=3600)
    client.close()
    subprocess.run(["sqlite3", str(work / "db.sqlite3"), "CREATE TABLE library_book (id integer PRIMARY KEY);"], check=True)
    settings(work / "stats.toml", "PyMemcacheCache", [server], work / "db.sqlite3")
    compare(f"scan {ENTRIES:,} entries in memcached", {
        "cachalot stats": [BINARY, "--settings", "stats.toml", "stats"],
        "memcdump | wc -l": ["sh", "-c", f"memcdump --servers={server} | wc -l"],
    }, cwd=work, rounds=int(os.environ.get("ROUNDS", "5")))


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-memcached-"))
    processes, servers = start_memcached(4)
    try:
        django_site(work, servers[0])
        pool(work, servers[1:])
        stats(work, servers[0])
    finally:
        for process in processes:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)
    summary()


if __name__ == "__main__":
    main()
