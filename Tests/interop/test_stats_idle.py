"""`cachalot stats --idle` against what each cache itself says about when its
query entries were last read, set where the cache lets a test set it (Redis
RESTORE … IDLETIME, a file's access time) and read behind Django's back;
and what the scan itself does to those figures."""
import json
import os
import time
from pathlib import Path

from store import BACKEND, CLUSTER, MEMCACHED, RawMemcached, is_query_entry, memcached_servers, redis_client, redis_clients, stored_entries
from test_stats_doctor import empty_tables, populate  # noqa: F401 (queries and invalidations through the ORM, cleared after each test)

# Idle times given to the query entries, one per bucket, in turn.
IDLE = {"1m": 5, "1h": 1800, "1d": 5 * 3600, "older": 3 * 86400}
BUCKET_OF = {idle: bucket for bucket, idle in IDLE.items()}


def idle_buckets(cachalot):
    report = json.loads(cachalot("stats", "--idle", "--json").stdout)
    last_read = report["caches"][0]["last_read"]
    return {bucket["name"]: (bucket["count"], bucket["bytes"]) for bucket in last_read["buckets"]}, last_read


def expected(placed):
    """{bucket: (count, bytes)} from [(idle seconds, bytes)]."""
    buckets = {name: (0, 0) for name in ("1m", "1h", "1d", "older", "unknown")}
    for idle, size in placed:
        count, total = buckets[BUCKET_OF[idle]]
        buckets[BUCKET_OF[idle]] = (count + 1, total + size)
    return buckets


def query_entry_names():
    return sorted(name for name, value in stored_entries() if is_query_entry(value))


def test_idle_buckets_match_what_the_cache_says(cachalot):
    populate()
    names = query_entry_names()
    assert len(names) >= 4
    placed = []
    if BACKEND == "filebased":
        folder = Path(os.environ["INTEROP_CACHE_DIR"])
        for index, name in enumerate(names):
            path = folder / name
            idle = list(IDLE.values())[index % len(IDLE)]
            info = path.stat()
            os.utime(path, ns=(time.time_ns() - idle * 10**9, info.st_mtime_ns))
            placed.append((idle, info.st_size))
        before = {name: (folder / name).stat().st_atime_ns for name in names}
    elif MEMCACHED:
        # la= cannot be set: every entry was just read; a touch would move la past it.
        time.sleep(1.2)
        sizes = {}
        for server in memcached_servers():
            raw = RawMemcached(server)
            sizes.update({key: fields for key, fields in raw.dump("size", "la").items()})
            raw.close()
        placed = [(5, sizes[name][0]) for name in names]
    else:
        clients = redis_clients()
        for index, name in enumerate(names):
            client = redis_client() if CLUSTER else next(c for c in clients if c.exists(name))
            idle = list(IDLE.values())[index % len(IDLE)]
            # Read before the RESTORE: STRLEN and DUMP reset the idle time, PTTL does not.
            size, payload, ttl = client.strlen(name), client.dump(name), client.pttl(name)
            client.restore(name, max(ttl, 0), payload, replace=True, idletime=idle)
            placed.append((idle, size))
    first, source = idle_buckets(cachalot)
    assert first == expected(placed), (first, placed)
    assert source["scan_resets_it"] is False or source["note"], "a scan that resets the figures says so"
    second, _ = idle_buckets(cachalot)
    if BACKEND == "filebased":
        # Read with O_NOATIME: nothing moved.
        assert source["source"] == "file access times" and not source["scan_resets_it"]
        assert {name: (folder / name).stat().st_atime_ns for name in names} == before
        assert second == first
    elif MEMCACHED:
        assert source["source"].startswith("memcached last access") and not source["scan_resets_it"]
        after = {}
        for server in memcached_servers():
            raw = RawMemcached(server)
            after.update(raw.dump("size", "la"))
            raw.close()
        assert {name: after[name] for name in names} == {name: sizes[name] for name in names}
    else:
        version = tuple(int(part) for part in clients[0].info("server")["redis_version"].split(".")[:2])
        assert source["source"] == "Redis OBJECT IDLETIME"
        # CLIENT NO-TOUCH came in Redis 7.2: before it, reading resets the idle time, and the scan says so.
        assert source["scan_resets_it"] is (version < (7, 2))
        if source["scan_resets_it"]:
            assert second["1m"] == (len(names), sum(size for _, size in placed))
        else:
            assert second == first


def test_idle_buckets_in_prometheus_and_text(cachalot):
    populate()
    text = cachalot("stats", "--idle").stdout
    assert "last_read_source: " in text and "query_entries_read_within_1m: " in text
    metrics = cachalot("stats", "--idle", "--prometheus").stdout
    assert 'cachalot_query_entries_by_last_read{cache="default",last_read="older"}' in metrics
    assert "last_read" not in cachalot("stats", "--json").stdout
