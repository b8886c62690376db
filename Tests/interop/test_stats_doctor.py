"""`cachalot stats` and `cachalot doctor` on what the real Django site wrote:
queries cached through the ORM, invalidations from ORM writes, other keys
set with Django's cache API."""
import json
import os
import time
from pathlib import Path

import jsonschema
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from library.models import Author, Book
from prometheus_client.parser import text_string_to_metric_families
from store import UNREADABLE, BACKEND, CLUSTER, MEMCACHED, add_dead_redis_cache, entry_name, is_query_entry, redis_clients, stored_entries, table_key

SCHEMA = json.loads((Path(__file__).parent / "stats.schema.json").read_text())


@pytest.fixture(autouse=True)
def empty_tables():
    """populate()'s rows go with each test: the next file's tests count theirs."""
    yield
    Book.objects.all().delete()
    Author.objects.all().delete()


def populate():
    """Queries and invalidations through the ORM, plus one foreign key."""
    Author.objects.create(name="Ann")
    Book.objects.create(title="One")
    list(Book.objects.all())
    list(Book.objects.filter(title="One"))
    list(Author.objects.order_by("name"))
    User.objects.filter(username="nobody").exists()
    cache.set("not-cachalot", {"a": 1}, None)


def expected_groups():
    """The four groups, counted in Python from the raw store."""
    table_names = {entry_name(table_key(t)) for t in connection.introspection.table_names()}
    counts = {"table": 0, "query": 0, "other": 0, "unreadable": 0}
    for name, value in stored_entries():
        if value is UNREADABLE:
            counts["unreadable"] += 1
        elif name in table_names:
            counts["table"] += 1
        elif is_query_entry(value):
            counts["query"] += 1
        else:
            counts["other"] += 1
    return counts


def listed_alike(read):
    """(cachalot's counts, Python's), read again while they differ on memcached:
    its lru_crawler metadump is no snapshot, and an item the LRU maintainer
    moves between segments during a crawl can be left out of one listing
    (about one run in eight on a ketama pool), by either reader."""
    for _ in range(3 if MEMCACHED else 1):
        counts, expected = read(), expected_groups()
        if counts == expected:
            break
    return counts, expected


def stats_json(cachalot, *args):
    result = cachalot("stats", "--json", *args)
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    return report


def test_stats_groups_match_what_django_stored(cachalot):
    populate()
    reports = []

    def read():
        reports.append(stats_json(cachalot, "--tables"))
        return {group: reports[-1]["caches"][0]["groups"][group]["count"] for group in ("table", "query", "other", "unreadable")}

    counts, expected = listed_alike(read)
    (only,) = reports[-1]["caches"]
    assert only["reachable"] is True
    assert counts == expected
    assert counts["query"] >= 4 and counts["table"] >= 2 and counts["other"] >= 1
    database = only["databases"][0]
    assert database["tables_with_key"] == counts["table"]
    labels = {row["table"]: row["label"] for row in database["invalidations"]}
    assert labels["catalogue_books"] == "library.Book"
    assert only["newest_query_timestamp"] >= only["oldest_query_timestamp"] > time.time() - 600
    Book.objects.all().delete()
    Author.objects.all().delete()


def test_prometheus_output_parses_with_the_real_parser(cachalot):
    populate()
    families = {}

    def read():
        text = cachalot("stats", "--prometheus").stdout
        families.update({family.name: family for family in text_string_to_metric_families(text)})
        return {sample.labels["group"]: int(sample.value) for sample in families["cachalot_cache_entries"].samples}

    entries, counts = listed_alike(read)
    assert families["cachalot_cache_up"].samples[0].value == 1
    assert entries == counts
    tables = families["cachalot_database_tables_with_key"].samples[0]
    assert tables.labels == {"cache": "default", "db": "default"}
    Book.objects.all().delete()
    Author.objects.all().delete()


# 200,000 entries where the scan differs in kind (plain values, compressed
# values, several servers); 20,000 on the other Redis variants, which share
# those paths (make test runs every variant: the full count there cost ~9 s each).
BULK_ENTRIES = 200_000 if BACKEND in ("redis", "django-redis-zstd", "django-redis-shard") else 20_000


@pytest.mark.backends("redis", reason="bulk entries are scanned on the Redis backends")
def test_stats_scans_bulk_entries(cachalot):
    before = expected_groups()["query"]
    now = time.time()
    for start in range(0, BULK_ENTRIES, 20_000):
        batch = {f"bulk-{i}": (now, [[(i, "row")]]) for i in range(start, start + 20_000)}
        # django-valkey's cluster set_many takes a version where others take a timeout, and sets no expiry.
        cache.set_many(batch) if CLUSTER else cache.set_many(batch, 3600)
    report = stats_json(cachalot)
    query = report["caches"][0]["groups"]["query"]
    assert query["count"] == before + BULK_ENTRIES
    assert query["persistent" if CLUSTER else "expiring"] >= BULK_ENTRIES
    for client in redis_clients():
        client.flushdb()


if BACKEND == "django-redis-zlib":
    def test_values_decoded_whole_are_fetched_one_at_a_time(settings_file):
        """A compressed value is inflated whole to be classified. A batch
        fetched every such value whole at once, up to 32 MiB each: 500 MB
        held, and past the 512 MiB reply limit a failure. Now each larger
        than 4 KiB is fetched alone when it is classified."""
        import random
        import subprocess
        from conftest import binary

        before = expected_groups()["query"]
        now = time.time()
        incompressible = random.Random(7).randbytes(4 << 20)
        try:
            for index in range(24):  # 96 MiB stored
                cache.set(f"large-{index}", (now, [incompressible]), 3600)
            result = subprocess.run(["/usr/bin/time", "-f", "%M", binary(), "--settings", str(settings_file), "stats", "--json"],
                                    capture_output=True, text=True, timeout=120)
        finally:
            cache.delete_many([f"large-{index}" for index in range(24)])
        assert result.returncode == 0, result.stderr
        peak_kib = int(result.stderr.strip().splitlines()[-1])
        assert json.loads(result.stdout)["caches"][0]["groups"]["query"]["count"] == before + 24
        # At most 8 MiB of whole values to a request, inflated one at a time.
        assert peak_kib < 64 * 1024, f"peak RSS {peak_kib} KiB"


def test_doctor_is_all_ok_on_a_healthy_site(cachalot):
    populate()  # a site in use has cached queries (an empty cache is a warning: fresh, or not the site's)
    result = cachalot("doctor")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert all(line.startswith("OK    ") for line in lines), result.stdout
    checks = dict(line[6:].split(": ", 1) for line in lines)
    names = list(checks)
    server_database = os.environ.get("INTEROP_DATABASE", "sqlite") != "sqlite"
    assert names[:4] == ["settings", "CACHALOT_* settings", "database default", "version default"], names
    assert checks["CACHALOT_* settings"] == "no known pitfalls"
    assert checks["database default"].startswith("readable, ")
    assert ("clock database default" in checks) == server_database
    assert checks["cache default"].startswith("reachable at ") and checks["cache default"].endswith(", 3 table keys")
    clocks = [name for name in names if name.startswith("clock default")]
    assert (clocks == []) == (BACKEND == "filebased"), names  # a folder has no server clock
    assert all(checks[name].startswith("server time within ") for name in clocks)
    assert names[-1] == "future table keys default"
    assert set(names) == {"settings", "CACHALOT_* settings", "database default", "version default", "cache default",
                          "future table keys default", *clocks, *(["clock database default"] if server_database else [])}


def test_doctor_warns_about_a_table_key_stamped_120_s_ahead(cachalot):
    cache.set(table_key("library_author"), time.time() + 120, None)
    result = cachalot("doctor")
    assert result.returncode == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("WARN  future table key"))
    assert "library_author" in line and "in the future" in line
    seconds = float(line.split(" is stamped ")[1].split(" s ")[0])
    assert 100 < seconds <= 120


@pytest.mark.backends("redis", reason="a Redis memory setting")
def test_doctor_warns_about_an_oom_prone_redis(cachalot):
    # Every server that holds keys (a cluster's primaries, a ring's shards).
    clients = redis_clients()
    for client in clients:
        client.config_set("maxmemory", "1gb")
        client.config_set("maxmemory-policy", "volatile-lru")
    try:
        result = cachalot("doctor", "--json")
    finally:
        for client in clients:
            client.config_set("maxmemory", "0")
            client.config_set("maxmemory-policy", "noeviction")
    checks = json.loads(result.stdout)["checks"]
    memory = [check for check in checks if check["check"] == "redis memory default"]
    assert memory and memory[0]["status"] == "warn" and "CACHALOT_TIMEOUT" in memory[0]["fix"]


def test_doctor_fails_when_a_cache_is_down(cachalot, edited_settings):
    with edited_settings(add_dead_redis_cache):
        result = cachalot("doctor", "--timeout", "2", check=False)
        stats = cachalot("stats", "--json", "--timeout", "2", check=False)
    assert result.returncode == 1
    assert any(line.startswith("FAIL  cache down") for line in result.stdout.splitlines())
    assert stats.returncode == 1
    report = json.loads(stats.stdout)
    jsonschema.validate(report, SCHEMA)
    assert [c["reachable"] for c in report["caches"]] == [True, False]
    # A cache that could not be read has no counts, not zeros a script would take for an empty cache.
    assert report["caches"][1]["groups"] is None and report["caches"][1]["oldest_query_timestamp"] is None


if BACKEND in ("redis", "django-redis"):
    # A second LOCATION is a replica the site reads from (default clients only).
    def test_a_replica_that_never_answers_is_reported_unreachable(cachalot, edited_settings):
        """A replica that accepts connections and never replies: stats lists
        it as unreachable without counting its timeout as clock skew, and
        doctor fails on it, since the site reads there."""
        import os
        import socket

        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes connections nobody ever answers
        replica = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"

        def with_silent_replica(settings):
            settings["CACHES"]["default"]["LOCATION"] = [os.environ["INTEROP_REDIS_URL"], replica]
        try:
            with edited_settings(with_silent_replica):
                report = json.loads(cachalot("stats", "--json", "--timeout", "1").stdout)
                doctor = cachalot("doctor", "--json", "--timeout", "1", check=False)
        finally:
            silent.close()
        jsonschema.validate(report, SCHEMA)
        stats = report["caches"][0]
        assert [server["address"] for server in stats["unreachable_servers"]] == [replica]
        assert abs(stats["server_clock_offset_seconds"]) < 0.5, stats["server_clock_offset_seconds"]
        assert doctor.returncode == 1
        failed = [check for check in json.loads(doctor.stdout)["checks"] if check["status"] == "fail"]
        assert any(replica in check["check"] for check in failed), failed


def test_settings_that_miss_the_sites_key_prefix_are_caught(cachalot, edited_settings):
    """A cachalot.json with another KEY_PREFIX than the site's: every stamp
    would land where Django never reads. doctor fails, naming what it found;
    invalidate warns that none of its keys existed."""
    populate()

    def with_other_prefix(settings):
        settings["CACHES"]["default"]["KEY_PREFIX"] = "not-the-sites"
    with edited_settings(with_other_prefix):
        doctor = cachalot("doctor", "--json", check=False)
        invalidate = cachalot("invalidate", "library")
    assert doctor.returncode == 1, doctor.stdout
    failed = [check for check in json.loads(doctor.stdout)["checks"] if check["status"] == "fail"]
    assert any(check["check"] == "site keys default" for check in failed), failed
    if BACKEND != "filebased":
        # Redis and memcached list every key: the site's prefix is named.
        assert any(cache.make_key("x")[:-1] in check["message"] for check in failed), failed
    assert "none of the" in invalidate.stderr and "existed before" in invalidate.stderr
    # With the site's own settings, doctor finds its keys.
    assert not any(check["check"] == "site keys default" for check in json.loads(cachalot("doctor", "--json", check=False).stdout)["checks"])
