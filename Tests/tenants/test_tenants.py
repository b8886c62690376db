"""cachalot on a multi-tenant site (django-tenants or django-pgschemas,
conftest.py) against the real packages: what it stamps, every tenant's
Django reads and obeys, schema by schema."""
import json
import subprocess
import time

from django.db import connection

from cachalot.api import get_last_invalidation, invalidate
from catalog.models import Genre
from conftest import PGSCHEMAS, SCHEMAS, binary, schema_context
from library.models import Book


def cached_titles(schema):
    """Book titles as the tenant's site serves them (through cachalot)."""
    with schema_context(schema):
        return sorted(Book.objects.values_list("title", flat=True))


def cached_genres(schema):
    with schema_context(schema):
        return sorted(Genre.objects.values_list("name", flat=True))


def change_behind_django(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


def last(schema, model):
    """In the schema-keyed cache: django-cachalot's API reads every cache
    without cache_alias, and takes a model label or a table (a bare word
    is a table, not an app)."""
    with schema_context(schema):
        return get_last_invalidation(model, cache_alias="default")


def test_init_records_the_key_functions_and_the_tenants(site):
    exported = json.loads(site.read_text())
    if PGSCHEMAS:
        assert exported["TENANTS"] == {"public": {}, "www": {}, "default": {"TENANT_MODEL": "pgcustomers.Tenant"}}
        assert "TENANT_MODEL" not in exported
        assert exported["CACHES"]["default"]["KEY_FUNCTION"] == "django_pgschemas.contrib.cache.make_key"
    else:
        assert exported["TENANT_MODEL"] == "customers.Client"
        assert exported["PUBLIC_SCHEMA_NAME"] == "public"
        assert exported["CACHES"]["default"]["KEY_FUNCTION"] == "django_tenants.cache.make_key"
    probes = exported["CACHES"]["default"]["KEY_FUNCTION_PROBES"]
    assert {probe["schema"] for probe in probes} == {"public", "Cachalot_Probe"}
    assert {(probe["key_prefix"], probe["version"]) for probe in probes} >= {("acc", 3)}  # the cache's own
    assert all(probe["made"].startswith(probe["schema"] + ":") for probe in probes)
    assert exported["CACHES"]["sha1"]["KEY_FUNCTION"] == "keyfunctions.sha1_of_all"


def test_invalidating_one_tenant_leaves_the_others_alone(cachalot):
    with schema_context("t1"):
        Book.objects.create(title="before")
    with schema_context("t2"):
        Book.objects.create(title="t2 book")
    assert cached_titles("t1") == ["before"]
    with schema_context("t2"):
        invalidate("library.Book", cache_alias="default")
    before = {schema: last(schema, "library.Book") for schema in ("t2", "t3")}
    assert before["t2"] > 0
    change_behind_django("UPDATE t1.library_book SET title = 'after'")
    assert cached_titles("t1") == ["before"]  # stale: the change went behind Django
    cachalot("invalidate", "library", "--schema", "t1")
    assert cached_titles("t1") == ["after"]
    assert last("t1", "library.Book") > before["t2"]
    assert {schema: last(schema, "library.Book") for schema in ("t2", "t3")} == before


def test_no_schema_means_every_schema(cachalot):
    tenants = SCHEMAS[1:]  # "www" too on django-pgschemas: a static tenant
    for schema in tenants:
        with schema_context(schema):
            Book.objects.create(title=f"{schema} old")
        assert cached_titles(schema) == [f"{schema} old"]
        change_behind_django(f"UPDATE {schema}.library_book SET title = '{schema} new'")
    result = cachalot("invalidate", "library", "--json")
    stamped = {row["schema"] for row in json.loads(result.stdout)["results"] if row["cache"] == "default"}
    assert stamped == set(SCHEMAS)
    for schema in tenants:
        assert cached_titles(schema) == [f"{schema} new"]


def test_a_shared_table_is_fresh_in_every_tenant(cachalot):
    Genre.objects.create(name="poetry")
    assert all(cached_genres(schema) == ["poetry"] for schema in SCHEMAS)
    change_behind_django("UPDATE public.catalog_genre SET name = 'prose'")
    assert cached_genres("t2") == ["poetry"]
    cachalot("invalidate", "catalog")
    assert all(cached_genres(schema) == ["prose"] for schema in SCHEMAS)


def test_last_invalidation_in_a_schema_is_djangos(cachalot):
    with schema_context("t3"):
        invalidate("library.Book", cache_alias="default")
    assert last("t3", "library.Book") > 0 and last("t2", "library.Book") == 0
    for schema in ("t3", "t2"):
        printed = cachalot("last-invalidation", "library.Book", "-c", "default", "--schema", schema).stdout.strip()
        assert printed == repr(last(schema, "library.Book"))


def test_an_unknown_schema_is_refused_with_the_known_ones(cachalot):
    result = cachalot("invalidate", "library", "--schema", "t4", check=False)
    assert result.returncode == 2
    assert 'unknown schema "t4"' in result.stderr and ", ".join(SCHEMAS) in result.stderr


def test_hashing_key_functions_work_both_ways(cachalot):
    for alias in ("md5", "sha1"):
        cachalot("invalidate", "library", "-c", alias)
        stamped = float(cachalot("last-invalidation", "library.Book", "-c", alias).stdout)
        assert stamped > 0 and get_last_invalidation("library.Book", cache_alias=alias) == stamped
        with schema_context("t1"):
            invalidate("library.Book", cache_alias=alias)
            ours = get_last_invalidation("library.Book", cache_alias=alias)
        assert ours > stamped
        assert float(cachalot("last-invalidation", "library.Book", "-c", alias).stdout) == ours


def test_a_template_the_probes_contradict_is_refused(cachalot, site, tmp_path):
    settings = json.loads(site.read_text())
    settings["CACHES"]["md5"]["KEY_FUNCTION_TEMPLATE"] = "{prefix}:{version}:{sha1:{key}}"
    edited = tmp_path / "cachalot.json"
    edited.write_text(json.dumps(settings))
    invalidate("library.Book", cache_alias="md5")
    before = get_last_invalidation("library.Book", cache_alias="md5")
    result = cachalot("invalidate", "library", check=False, settings=edited)
    assert result.returncode == 2
    assert 'does not reproduce "keyfunctions.md5_of_key"' in result.stderr and "the site made" in result.stderr
    assert get_last_invalidation("library.Book", cache_alias="md5") == before


def test_stats_and_watch_read_the_schema_named(cachalot, site):
    with schema_context("t2"):
        Book.objects.create(title="cached in t2")
    assert cached_titles("t2") == ["cached in t2"]

    def query_entries(schema):
        report = json.loads(cachalot("stats", "-c", "default", "--schema", schema, "--json").stdout)
        return report["caches"][0]["groups"]["query"]["count"]

    assert query_entries("t2") >= 1
    assert query_entries("t3") == 0
    watch = subprocess.Popen([binary(), "--settings", str(site), "watch", "-c", "default", "--schema", "t1", "--json",
                              "--interval", "0.05", "--for", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while "watching" not in (line := watch.stderr.readline()):
            assert line, "watch ended before watching"
        for schema in ("t3", "t1"):
            with schema_context(schema):
                invalidate("library.Book", cache_alias="default")
            time.sleep(0.3)
        out, _ = watch.communicate(timeout=10)
    finally:
        watch.kill()
    events = [event for event in map(json.loads, out.splitlines()) if event["type"] == "invalidation"]
    assert [event["table"] for event in events] == ["library_book"], out
    with schema_context("t1"):
        assert events[0]["time"] == get_last_invalidation("library.Book", cache_alias="default")
    refused = cachalot("stats", "--schema", "t4", check=False)
    assert refused.returncode == 2 and 'unknown schema "t4"' in refused.stderr


def test_without_labels_tables_only_a_tenant_schema_holds_are_stamped_too(cachalot):
    change_behind_django("CREATE TABLE IF NOT EXISTS t2.raw_audit (id int)")
    result = cachalot("invalidate", "-c", "default", "--schema", "t2", "--json")
    tables = {table for row in json.loads(result.stdout)["results"] for table in row["tables"]}
    assert {"raw_audit", "library_book", "catalog_genre"} <= tables
    with schema_context("t2"):
        assert get_last_invalidation("raw_audit", cache_alias="default") == json.loads(result.stdout)["timestamp"]


def test_query_runs_and_reads_in_the_schema_named(cachalot):
    for schema in ("t1", "t2"):
        with schema_context(schema):
            Book.objects.create(title=f"{schema} book")
    assert cached_titles("t1") == ["t1 book"]  # Django caches its query in t1
    django_sql = 'SELECT "library_book"."title" AS "title" FROM "library_book"'
    peeked = cachalot("query", "--peek", "-c", "default", "--schema", "t1", "--format", "tsv", "-v", django_sql)
    assert peeked.stdout.splitlines()[-1] == "t1 book" and "hit" in peeked.stderr
    ran = cachalot("query", "-c", "default", "--schema", "t2", "--format", "tsv", "SELECT title FROM library_book")
    assert ran.stdout.splitlines()[-1] == "t2 book"
    public = cachalot("query", "-c", "default", "SELECT title FROM library_book", check=False)
    assert public.returncode != 0 and "library_book" in public.stderr  # public has no such table


def test_doctor_takes_keys_under_a_tenants_prefix_as_the_sites(cachalot):
    with schema_context("t1"):
        invalidate("library.Book", cache_alias="default")  # only a tenant has used the cache
    report = json.loads(cachalot("doctor", "-c", "default", "--json", check=False).stdout)
    site_keys = [check for check in report["checks"] if check["check"] == "site keys default"]
    assert site_keys and site_keys[0]["status"] == "ok", site_keys
    assert '"t1"' in site_keys[0]["message"]
