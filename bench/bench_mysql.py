"""Benchmark cachalot on a MariaDB site. Not a test: it prints figures.

The interop Django site on its own MariaDB server with the file cache:
1. `invalidate auth` with MODELS (no database round trip) and without
   (content types from the database), against `manage.py
   invalidate_cachalot auth`.
2. `query` miss against the `mariadb -e` client running the same query.

Contenders run alternately (measure.py); medians, ratios, peak memory.
Run with `make bench`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import compare, run_once, summary

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "Tests" / "interop"
sys.path.insert(0, str(SITE))
from mariadbserver import client_command, start_mariadb  # noqa: E402

BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-mysql-"))
    server, port = start_mariadb(work / "mariadb")
    try:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               "INTEROP_DATABASE": "mysql", "INTEROP_MYSQL_PORT": str(port), "INTEROP_DB": "unused",
               "INTEROP_CACHE_DIR": str(work / "cache"), "INTEROP_CACHE": "filebased", "DJANGO_SETTINGS_MODULE": "interopsite.settings"}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=SITE, env=env, check=True)
        with_models = work / "models.json"
        subprocess.run([BINARY, "init", "--manage", str(SITE / "manage.py"), "--python", sys.executable, "-o", str(with_models)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        settings = json.loads(with_models.read_text())
        del settings["MODELS"]
        without_models = work / "content-types.json"
        without_models.write_text(json.dumps(settings))

        compare("invalidate one app of the Django site on MariaDB (file cache)", {
            "cachalot invalidate auth (MODELS: no database)": [BINARY, "--settings", str(with_models), "invalidate", "auth"],
            "cachalot invalidate auth (content types)": [BINARY, "--settings", str(without_models), "invalidate", "auth"],
            "manage.py invalidate_cachalot auth": [sys.executable, "manage.py", "invalidate_cachalot", "auth"],
        }, cwd=SITE, env=env, rounds=9)

        sql = "SELECT id, username FROM auth_user WHERE id = %s"
        query = [BINARY, "--settings", str(with_models), "query", "--format", "tsv", sql, "--param", "1"]
        invalidate = [BINARY, "--settings", str(with_models), "invalidate", "auth_user", "-v", "0"]
        compare("one-row query on MariaDB, cache miss", {
            "cachalot query (miss, then stores)": query,
            "mariadb -e running the same query": client_command(work / "mariadb", "site")
            + ["-e", "SELECT id, username FROM auth_user WHERE id = 1"],
        }, cwd=work, before=lambda name: run_once(invalidate, cwd=work) if "miss" in name else None)
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    summary()


if __name__ == "__main__":
    main()
