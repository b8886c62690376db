"""Fixtures for the multi-tenant interop tests: a real multi-tenant site
with django-cachalot on a PostgreSQL server of its own — tenantsite
(django-tenants 4) by default, pgschemassite (django-pgschemas 1, with a
static tenant "www" too) with TENANT_SITE=pgschemassite — three dynamic
tenants, Django's RedisCache keyed by schema on a redis-server of its own,
and two caches with hashing key functions; the cachalot binary under test
is configured by `cachalot init` on the site."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SESSION_DIR = Path(tempfile.mkdtemp(prefix="cachalot-tenants-"))
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT / "Tests" / "interop"))
SITE = os.environ.get("TENANT_SITE", "tenantsite")
if SITE not in ("tenantsite", "pgschemassite"):
    raise SystemExit(f"TENANT_SITE={SITE!r}: expected tenantsite or pgschemassite")
PGSCHEMAS = SITE == "pgschemassite"
os.environ["DJANGO_SETTINGS_MODULE"] = f"{SITE}.settings"
os.environ["TENANT_FILE_CACHE"] = str(SESSION_DIR / "files")
TENANTS = ["t1", "t2", "t3"]
# Every schema the site keys under, as cachalot lists them: public first.
SCHEMAS = ["public"] + sorted(TENANTS + (["www"] if PGSCHEMAS else []))


def schema_context(name):
    """The package's own way to act as the site does in one schema."""
    if PGSCHEMAS:
        from django_pgschemas.schema import Schema

        return Schema.create(name)
    from django_tenants.utils import schema_context as context

    return context(name)


def start_redis():
    import redisserver

    try:
        return redisserver.start_redis(SESSION_DIR)
    except RuntimeError as error:
        pytest.exit(str(error), returncode=1)


def start_postgresql():
    from pgserver import start_postgresql as start

    try:
        return start(SESSION_DIR / "postgresql")
    except (RuntimeError, subprocess.CalledProcessError) as error:
        pytest.exit(str(error), returncode=1)


REDIS, REDIS_PORT = start_redis()
os.environ["TENANT_REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
POSTGRESQL, PG_PORT = start_postgresql()
os.environ["TENANT_PG_PORT"] = str(PG_PORT)

import django  # noqa: E402

django.setup()


def binary() -> str:
    path = Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "debug" / "cachalot"))
    if not path.exists():
        pytest.fail(f"cachalot binary not found at {path}: build it first (make test does)")
    return str(path)


def create_tenants():
    """Migrates public and creates t1–t3, each schema migrated as the
    package does it (and, on django-pgschemas, the static tenant "www")."""
    from django.core.management import call_command

    if PGSCHEMAS:
        from pgcustomers.models import Tenant

        call_command("migrate", all_schemas=True, interactive=False, verbosity=0)
        for name in TENANTS:
            Tenant(schema_name=name, name=name).save(verbosity=0)
        return
    from customers.models import Client

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    Client(schema_name="public", name="public").save()
    for name in TENANTS:
        Client(schema_name=name, name=name).save(verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def site():
    """The site's tenants, then `cachalot init` on it."""
    create_tenants()
    output = SESSION_DIR / "cachalot.json"
    result = subprocess.run([binary(), "init", "--manage", str(HERE / "manage.py"), "--python", sys.executable,
                             "--settings-module", f"{SITE}.settings", "-o", str(output)], capture_output=True, text=True)
    assert result.returncode == 0 and "wrote " in result.stdout, result.stdout + result.stderr
    yield output
    from pgserver import stop_postgresql

    REDIS.kill()
    REDIS.wait()
    stop_postgresql(POSTGRESQL)
    shutil.rmtree(SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def clean_site(site):
    """Empty tables and caches before each test."""
    from django.core.cache import caches

    from catalog.models import Genre
    from library.models import Book

    Genre.objects.all().delete()
    for name in SCHEMAS[1:]:
        with schema_context(name):
            Book.objects.all().delete()
    for alias in ("default", "md5", "sha1"):
        caches[alias].clear()
    yield


@pytest.fixture
def cachalot(site):
    def run(*args, check=True, settings=None):
        result = subprocess.run([binary(), *args, "--settings", str(settings or site)], capture_output=True, text=True)
        if check:
            assert result.returncode == 0, f"cachalot {' '.join(args)}: exit {result.returncode}\n{result.stdout}{result.stderr}"
        return result
    return run
