"""The cache under test, read directly (not through cachalot): raw bytes,
snapshots, and every stored entry decoded the way Django decodes it."""
import hashlib
import os
import pickle
import zlib
from pathlib import Path

from django.core.cache import cache

BACKEND = os.environ["INTEROP_CACHE"]


def table_key(table, db="default"):
    return hashlib.sha1(f"{db}:{table}".encode()).hexdigest()


def redis_client():
    import redis

    return redis.Redis.from_url(os.environ["INTEROP_REDIS_URL"])


def stored_bytes(table):
    """The raw bytes the backend keeps for a table key, or None."""
    made = cache.make_key(table_key(table))
    if BACKEND == "filebased":
        path = Path(os.environ["INTEROP_CACHE_DIR"]) / (hashlib.md5(made.encode()).hexdigest() + ".djcache")
        return path.read_bytes() if path.exists() else None
    return redis_client().get(made)


def snapshot_cache():
    if BACKEND == "filebased":
        root = Path(os.environ["INTEROP_CACHE_DIR"])
        return {p.name: p.read_bytes() for p in root.glob("*")} if root.exists() else {}
    client = redis_client()
    return {key: (client.get(key), client.pttl(key)) for key in client.keys("*")}


UNREADABLE = object()


def stored_entries():
    """(name, value) for every entry of the cache, decoded as Django does;
    UNREADABLE for an entry that does not decode."""
    if BACKEND == "filebased":
        for path in Path(os.environ["INTEROP_CACHE_DIR"]).glob("*.djcache"):
            try:
                with open(path, "rb") as handle:
                    pickle.load(handle)
                    yield path.name, pickle.loads(zlib.decompress(handle.read()))
            except Exception:
                yield path.name, UNREADABLE
        return
    prefix = cache.make_key("")
    for made in redis_client().scan_iter(match=prefix + "*", count=1000):
        key = made.decode()[len(prefix):]
        try:
            yield made.decode(), cache.get(key)
        except Exception:
            yield made.decode(), UNREADABLE


def entry_name(key):
    """How stored_entries names the entry of a key."""
    made = cache.make_key(key)
    if BACKEND == "filebased":
        return hashlib.md5(made.encode()).hexdigest() + ".djcache"
    return made


def add_dead_redis_cache(settings, alias="down"):
    """Adds a Redis cache on a loopback port nobody listens on; returns its URL."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    settings["CACHES"][alias] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    return url
