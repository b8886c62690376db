"""Benchmark cachalot on a django-tenants site with 1,000 tenants. Not a
test: it prints figures.

The site of Tests/tenants (django-tenants 4, Django's RedisCache keyed by
schema) on its own PostgreSQL and redis-server. Tenant t0001 is created as
django-tenants creates one (its schema migrated); the other 999 are copies
of its tables made in SQL (migrating 1,000 schemas one by one would take
most of an hour and changes nothing measured), each with its row in the
tenant table. Then:
1. `cachalot invalidate library` (every schema, one pipelined write)
   against `manage.py all_tenants_command invalidate_cachalot library`,
   the site's own way to reach every tenant;
2. one tenant: `cachalot invalidate library --schema t0500` against
   `manage.py tenant_command invalidate_cachalot library --schema=t0500`.
Both sides write to the schema-keyed cache only (`-c default`).

Contenders run alternately (measure.py); medians, ratios, peak memory.
Run with `make bench` (or TENANT_COUNT=100 for a quicker look)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import compare, run_once, summary
from servers import start_redis

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "Tests" / "tenants"
sys.path.insert(0, str(ROOT / "Tests" / "interop"))
from pgserver import psql_command, start_postgresql, stop_postgresql  # noqa: E402

BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())
TENANTS = int(os.environ.get("TENANT_COUNT", "1000"))

# Tenants first..last: t0001's tables, rows of its bookkeeping tables
# (migrations, content types) included. In batches: one transaction for
# all of them runs out of lock slots.
CLONE_SCHEMAS = """
SET ROLE site;
DO $$
DECLARE
  schema text;
  source text;
BEGIN
  FOR i IN %(first)d..%(last)d LOOP
    schema := format('t%%s', lpad(i::text, 4, '0'));
    EXECUTE format('CREATE SCHEMA %%I', schema);
    FOR source IN SELECT tablename FROM pg_tables WHERE schemaname = 't0001' LOOP
      EXECUTE format('CREATE TABLE %%I.%%I (LIKE t0001.%%I INCLUDING ALL)', schema, source, source);
      EXECUTE format('INSERT INTO %%I.%%I SELECT * FROM t0001.%%I', schema, source, source);
    END LOOP;
    INSERT INTO public.customers_client (schema_name, name) VALUES (schema, schema);
  END LOOP;
END $$;
"""


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-tenants-"))
    postgres, pg_port = start_postgresql(work / "postgresql")
    redis, redis_port = start_redis(work)
    try:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               "TENANT_PG_PORT": str(pg_port), "TENANT_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
               "TENANT_FILE_CACHE": str(work / "files"), "DJANGO_SETTINGS_MODULE": "tenantsite.settings"}
        manage = [sys.executable, "manage.py"]
        subprocess.run(manage + ["migrate_schemas", "--shared", "-v", "0"], cwd=SITE, env=env, check=True)
        create = ("from customers.models import Client\n"
                  "Client(schema_name='public', name='public').save()\n"
                  "Client(schema_name='t0001', name='t0001').save(verbosity=0)\n")
        subprocess.run(manage + ["shell", "-c", create], cwd=SITE, env=env, check=True, stdout=subprocess.DEVNULL)
        for first in range(2, TENANTS + 1, 100):
            clone = CLONE_SCHEMAS % {"first": first, "last": min(first + 99, TENANTS)}
            subprocess.run(psql_command(work / "postgresql", pg_port, "site") + ["-q", "-c", clone], env=env, check=True)
        settings = work / "cachalot.json"
        subprocess.run([BINARY, "init", "--manage", str(SITE / "manage.py"), "--python", sys.executable, "-o", str(settings)],
                       cwd=SITE, env=env, check=True, stdout=subprocess.DEVNULL)
        report = json.loads(subprocess.run([BINARY, "--settings", str(settings), "invalidate", "library", "-c", "default",
                                            "--json"], env=env, check=True, capture_output=True, text=True).stdout)
        schemas = {row["schema"] for row in report["results"]}
        print(f"{TENANTS} tenants and public: cachalot stamps library_book in {len(schemas)} schemas")

        compare(f"invalidate one app in every schema of a {TENANTS}-tenant django-tenants site (Redis)", {
            f"cachalot invalidate library ({len(schemas)} schemas)":
                [BINARY, "--settings", str(settings), "invalidate", "library", "-c", "default"],
            "manage.py all_tenants_command invalidate_cachalot library":
                manage + ["all_tenants_command", "invalidate_cachalot", "library", "-c", "default"],
        }, cwd=SITE, env=env, rounds=3)
        one = f"t{TENANTS // 2:04d}"
        compare(f"invalidate one app in one tenant ({one}) of the same site", {
            f"cachalot invalidate library --schema {one}":
                [BINARY, "--settings", str(settings), "invalidate", "library", "-c", "default", "--schema", one],
            f"manage.py tenant_command invalidate_cachalot library --schema={one}":
                manage + ["tenant_command", "invalidate_cachalot", "library", "-c", "default", f"--schema={one}"],
        }, cwd=SITE, env=env, rounds=9)
        run_once([BINARY, "--settings", str(settings), "doctor"], cwd=SITE, env=env)
    finally:
        redis.kill()
        redis.wait()
        stop_postgresql(postgres)
        shutil.rmtree(work, ignore_errors=True)
    summary()


if __name__ == "__main__":
    main()
