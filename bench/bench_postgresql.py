"""Benchmark cachalot on a PostgreSQL site. Not a test: it prints figures.

The interop Django site on its own PostgreSQL server with Django's
RedisCache:
1. `invalidate auth` with MODELS (no database round trip) and without
   (content types from the database), against `manage.py
   invalidate_cachalot auth` and a one-shot `redis-cli SET`.
2. `query` hit against `redis-cli GET` of the entry; miss against `psql -c`.

Contenders run alternately (measure.py); medians, ratios, peak memory.
Run with `make bench`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import CHECK, bar, cli_entry_key, compare, run_once, summary
from servers import start_redis

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "Tests" / "interop"
sys.path.insert(0, str(SITE))
from pgserver import psql_command, start_postgresql, stop_postgresql  # noqa: E402

BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-pg-"))
    postgres, pg_port = start_postgresql(work / "postgresql")
    redis, redis_port = start_redis(work)
    try:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               "INTEROP_DATABASE": "postgresql", "INTEROP_PG_PORT": str(pg_port), "INTEROP_DB": "unused",
               "INTEROP_CACHE_DIR": "unused", "INTEROP_CACHE": "redis", "INTEROP_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
               "DJANGO_SETTINGS_MODULE": "interopsite.settings"}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=SITE, env=env, check=True)
        with_models = work / "models.json"
        subprocess.run([BINARY, "init", "--manage", str(SITE / "manage.py"), "--python", sys.executable, "-o", str(with_models)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        settings = json.loads(with_models.read_text())
        del settings["MODELS"]
        without_models = work / "content-types.json"
        without_models.write_text(json.dumps(settings))

        if not CHECK:  # bench-check times only what has a bar
            compare("invalidate one app of the Django site on PostgreSQL (Django's RedisCache)", {
                "cachalot invalidate auth (MODELS: no database)": [BINARY, "--settings", str(with_models), "invalidate", "auth"],
                "cachalot invalidate auth (content types)": [BINARY, "--settings", str(without_models), "invalidate", "auth"],
                "manage.py invalidate_cachalot auth": [sys.executable, "manage.py", "invalidate_cachalot", "auth"],
                "redis-cli SET of one key": ["redis-cli", "-p", str(redis_port), "SET", "bench:one", "1795775931.053213"],
            }, cwd=SITE, env=env, rounds=9)

        sql = "SELECT id, username FROM auth_user WHERE id = %s"
        query = [BINARY, "--settings", str(with_models), "query", "--format", "tsv", sql, "--param", "1"]
        run_once(query, cwd=work)
        keys = subprocess.run(["redis-cli", "-p", str(redis_port), "--scan"], check=True, capture_output=True, text=True)
        entry = next(key for key in keys.stdout.split() if key.endswith(cli_entry_key(sql, ["1"])))
        medians = compare("one-row query on PostgreSQL, cache hit", {
            "cachalot query (hit)": query,
            "redis-cli GET of the entry's key": ["redis-cli", "-p", str(redis_port), "GET", entry],
        }, cwd=work)
        bar("query hit on PostgreSQL / redis-cli GET", medians["cachalot query (hit)"] / medians["redis-cli GET of the entry's key"],
            1.5)
        invalidate = [BINARY, "--settings", str(with_models), "invalidate", "auth_user", "-v", "0"]
        if not CHECK:
            compare("one-row query on PostgreSQL, cache miss", {
                "cachalot query (miss, then stores)": query,
                "psql -c running the same query": psql_command(work / "postgresql", pg_port, "site")
                + ["-c", "SELECT id, username FROM auth_user WHERE id = 1"],
            }, cwd=work, before=lambda name: run_once(invalidate, cwd=work) if "miss" in name else None)
    finally:
        redis.kill()
        redis.wait()
        stop_postgresql(postgres)
        shutil.rmtree(work, ignore_errors=True)
    summary()


if __name__ == "__main__":
    main()
