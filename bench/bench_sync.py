"""Benchmark `cachalot sync`. Not a test: it prints figures.

Databases of 1,000 and 10,000 tables (10 rows each) on PostgreSQL and
SQLite, a Redis cache. After a first sync, one table is written behind
Django's back before every run: `sync` reads the evidence of every table
and invalidates that one; against it, `invalidate` of every table (what a
cron job does without sync). SQLite's evidence hashes every row, so its
cost grows with the data, not only with the number of tables.

Contenders run alternately (measure.py); medians, ratios, peak memory.
Run with `make bench` (TABLE_COUNTS=1000 for a quicker look)."""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import compare, run_once, summary
from servers import start_redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from pgserver import psql_command, start_postgresql, stop_postgresql  # noqa: E402

BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())
COUNTS = [int(count) for count in os.environ.get("TABLE_COUNTS", "1000,10000").split(",")]


def settings(path, redis_port, database):
    path.write_text(f"""
[CACHES.default]
BACKEND = "django.core.cache.backends.redis.RedisCache"
LOCATION = "redis://127.0.0.1:{redis_port}/0"

[DATABASES.default]
{database}
""")


def sqlite_database(path, count):
    with sqlite3.connect(path) as connection:
        for index in range(count):
            connection.execute(f"CREATE TABLE t{index} (id INTEGER PRIMARY KEY, name TEXT)")
            connection.executemany(f"INSERT INTO t{index} (name) VALUES (?)", [(f"row {row}",) for row in range(10)])


def postgresql_tables(psql, count):
    for first in range(0, count, 500):
        subprocess.run(psql + ["-c", f"""
            SET ROLE site;
            DO $$ BEGIN
              FOR i IN {first}..{min(first + 499, count - 1)} LOOP
                EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, name text)', i);
                EXECUTE format('INSERT INTO t%s (name) SELECT ''row '' || g FROM generate_series(1, 10) g', i);
              END LOOP;
            END $$;"""], check=True)


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-sync-"))
    redis, redis_port = start_redis(work)
    postgres, pg_port = start_postgresql(work / "postgresql")
    psql = psql_command(work / "postgresql", pg_port, "site") + ["-q"]
    try:
        for count in COUNTS:
            database = work / f"db-{count}.sqlite3"
            sqlite_database(database, count)
            settings(work / f"sqlite-{count}.toml", redis_port, f'ENGINE = "django.db.backends.sqlite3"\nNAME = "{database}"')
            subprocess.run(psql + ["-c", "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION site"],
                           check=True)
            postgresql_tables(psql, count)
            settings(work / f"pg-{count}.toml", redis_port,
                     f'ENGINE = "django.db.backends.postgresql"\nNAME = "site"\nUSER = "site"\nPASSWORD = "site-pass"\n'
                     f'HOST = "127.0.0.1"\nPORT = "{pg_port}"')
            for engine, write in (("sqlite", lambda: sqlite3.connect(database).execute("UPDATE t7 SET name = name || '.'").connection.commit()),
                                  ("pg", lambda: subprocess.run(psql + ["-c", "UPDATE t7 SET name = name || '.'; SELECT pg_stat_force_next_flush()"],
                                                                check=True, stdout=subprocess.DEVNULL))):
                config = str(work / f"{engine}-{count}.toml")
                sync = [BINARY, "--settings", config, "sync"]
                run_once(sync)
                compare(f"{count} tables on {'SQLite' if engine == 'sqlite' else 'PostgreSQL'}, one written before each run (Redis)", {
                    "cachalot sync (finds and invalidates the one table)": sync,
                    "cachalot invalidate (every table)": [BINARY, "--settings", config, "invalidate", "-v", "0"],
                }, rounds=5, before=lambda name: write() if "sync" in name else None)
    finally:
        redis.kill()
        redis.wait()
        stop_postgresql(postgres)
        shutil.rmtree(work, ignore_errors=True)
    summary()


if __name__ == "__main__":
    main()
