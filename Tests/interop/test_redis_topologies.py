"""cachalot on Redis sites whose reads go to a replica: Django's RedisCache
and django-redis with two LOCATIONs (a primary and its replica), and
django-redis's SentinelClient (a master, a replica, three sentinels).
cachalot writes where the site writes; the site then reads the replica,
so every check first waits for replication (WAIT), as a second request
to the site would."""
import os
import pickle

import redis
from cachalot.api import get_last_invalidation
from django.core.cache import cache
from library.models import Book
from store import BACKEND, table_key

PRIMARY = redis.Redis.from_url(os.environ["INTEROP_REDIS_URL"])


def replicated():
    assert PRIMARY.wait(1, 5000) == 1, "the replica did not catch up"


def test_stale_then_invalidate_then_fresh(cachalot, raw_db):
    Book.objects.create(title="Before")
    replicated()
    assert list(Book.objects.values_list("title", flat=True)) == ["Before"]
    replicated()
    raw_db.execute("UPDATE catalogue_books SET title = 'After'")
    raw_db.commit()
    assert list(Book.objects.values_list("title", flat=True)) == ["Before"]
    cachalot("invalidate", "library")
    replicated()
    assert list(Book.objects.values_list("title", flat=True)) == ["After"]
    Book.objects.all().delete()


def test_last_invalidation_matches_django_and_the_bytes_are_djangos(cachalot):
    cachalot("invalidate", "auth.Group")
    replicated()
    assert cachalot("last-invalidation", "auth.Group").stdout == repr(get_last_invalidation("auth.Group")) + "\n"
    made = cache.make_key(table_key("auth_group"))
    data = PRIMARY.get(made)
    value = pickle.loads(data)
    # Django pickles with the highest protocol, django-redis with Python's default (VERSIONS.python tells cachalot).
    protocol = pickle.HIGHEST_PROTOCOL if BACKEND.startswith("redis-") else pickle.DEFAULT_PROTOCOL
    assert data == pickle.dumps(value, protocol)


def test_the_address_names_where_cachalot_writes(cachalot):
    result = cachalot("invalidate", "auth", "-v", "2")
    if BACKEND.endswith("-sentinel"):
        assert "sentinel://mymaster@" in result.stdout
        port = os.environ["INTEROP_REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
        assert f":{port}" in result.stdout, "the master the sentinels name"
    else:
        assert os.environ["INTEROP_REDIS_URL"].rsplit("/", 1)[0] in result.stdout


def test_idle_counts_the_reads_the_site_sends_to_its_replica(cachalot):
    """Django reads from the replica: an entry read there is recent, however
    long the primary has not seen it (sentinel: the replica is unknown to
    cachalot, and the output says its reads are not counted)."""
    import json

    from library.models import Author
    from store import is_query_entry

    Author.objects.create(name="Ann")
    list(Author.objects.all())
    list(Author.objects.filter(name="Ann"))
    replicated()
    prefix = cache.make_key("")
    entries = [key for key in PRIMARY.scan_iter(match=prefix + "*") if is_query_entry(pickle.loads(PRIMARY.get(key)))]
    assert len(entries) >= 2
    for key in entries:
        payload = PRIMARY.dump(key)
        PRIMARY.restore(key, 0, payload, replace=True, idletime=7200)
    replicated()
    replica = redis.Redis.from_url(os.environ["INTEROP_REDIS_URLS"].split(",")[1])
    replica.get(entries[0])  # the site's read
    report = json.loads(cachalot("stats", "--idle", "--json").stdout)
    last_read = report["caches"][0]["last_read"]
    buckets = {bucket["name"]: bucket["count"] for bucket in last_read["buckets"]}
    if BACKEND.endswith("-sentinel"):
        assert buckets["1m"] == 0 and "replicas are not counted" in last_read["note"]
    else:
        assert buckets["1m"] == 1 and buckets["1d"] == len(entries) - 1, last_read
