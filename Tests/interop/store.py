"""The cache under test, read directly (not through cachalot): raw bytes,
snapshots, and every stored entry decoded the way Django decodes it."""
import hashlib
import os
import pickle
import zlib
from pathlib import Path

from django.core.cache import cache

BACKEND = os.environ["INTEROP_CACHE"]
MEMCACHED = BACKEND.startswith("pymemcache") or BACKEND.startswith("pylibmc")
CLUSTER = BACKEND.endswith("-cluster")
# JSON and msgpack have no tuples: django-cachalot's (time, result) comes back as a list.
NO_TUPLES = BACKEND in ("django-redis-json", "django-redis-msgpack")


def is_query_entry(value):
    """django-cachalot's (timestamp, result), as the serializer gives it back."""
    kinds = (tuple, list) if NO_TUPLES else tuple
    return isinstance(value, kinds) and len(value) == 2 and isinstance(value[0], float)


def memcached_servers():
    """(host, port) of each memcached server of the pool, in LOCATION order."""
    return [(host, int(port)) for host, port in (item.rsplit(":", 1) for item in os.environ["INTEROP_MEMCACHED"].split(","))]


class RawMemcached:
    """The memcached text protocol on one server, behind both clients' backs."""

    def __init__(self, server):
        import socket

        self.socket = socket.create_connection(server, timeout=10)
        self.buffer = b""

    def close(self):
        self.socket.close()

    def _line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.socket.recv(65536)
            assert chunk, "memcached closed the connection"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _bytes(self, count):
        while len(self.buffer) < count + 2:
            self.buffer += self.socket.recv(65536)
        data, self.buffer = self.buffer[:count], self.buffer[count + 2:]
        return data

    def get(self, key):
        """(flags, data) or None."""
        self.socket.sendall(b"get " + key.encode() + b"\r\n")
        found = None
        while (line := self._line()) != b"END":
            _, _, flags, length = line.split(b" ")
            found = (int(flags), self._bytes(int(length)))
        return found

    def set(self, key, flags, data, exptime=0):
        self.socket.sendall(f"set {key} {flags} {exptime} {len(data)}\r\n".encode() + data + b"\r\n")
        assert self._line() == b"STORED"

    def dump(self, *names):
        """{key: (exp, size)} from lru_crawler metadump, or the fields `names` asks for."""
        from urllib.parse import unquote

        self.socket.sendall(b"lru_crawler metadump all\r\n")
        items = {}
        while True:
            while b"\n" not in self.buffer:
                self.buffer += self.socket.recv(65536)
            line, self.buffer = self.buffer.split(b"\n", 1)
            line = line.rstrip(b"\r")
            if line == b"END":
                return items
            fields = dict(field.split(b"=", 1) for field in line.split(b" "))
            items[unquote(fields[b"key"].decode())] = tuple(int(fields[name.encode()]) for name in names or ("exp", "size"))


def memcached_holders(made):
    """Every server holding a made key: {server: (flags, data)}."""
    holders = {}
    for server in memcached_servers():
        raw = RawMemcached(server)
        found = raw.get(made)
        raw.close()
        if found is not None:
            holders[server] = found
    return holders


def memcached_server_of(key):
    """The server the site's client uses for a cachalot key: where Django's own set lands."""
    cache.set(key, 0, 60)
    holders = memcached_holders(cache.make_key(key))
    assert len(holders) == 1, holders
    return next(iter(holders))


def table_key(table, db="default"):
    return hashlib.sha1(f"{db}:{table}".encode()).hexdigest()


def redis_client(made=None):
    """The server that takes writes (for a shard ring: the one holding
    `made`; for a cluster: redis-py's cluster client, which routes each key)."""
    import redis

    url = os.environ["INTEROP_REDIS_URL"]
    if CLUSTER:
        # Every node a startup node: a test may have stopped the first one.
        nodes = [redis.cluster.ClusterNode(*item.rsplit("/", 1)[0].split("//")[1].split(":"))
                 for item in os.environ["INTEROP_REDIS_URLS"].split(",")]
        return redis.cluster.RedisCluster(startup_nodes=nodes)
    if made is not None and BACKEND.endswith("-shard"):
        # django-valkey's ring names its servers by their valkey:// URLs.
        url = cache.client.get_server_name(made).replace("valkey://", "redis://", 1)
    if url.startswith("rediss://"):
        return redis.Redis.from_url(url, ssl_ca_certs=os.environ["INTEROP_REDIS_CA"])
    return redis.Redis.from_url(url)


def redis_clients():
    """Every server that holds keys: the shards, else the primary."""
    import redis

    if CLUSTER:
        client = redis_client()
        return [client.get_redis_connection(node) for node in client.get_primaries()]
    if not BACKEND.endswith("-shard"):
        return [redis_client()]
    return [redis.Redis.from_url(url) for url in os.environ["INTEROP_REDIS_URLS"].split(",")]


def stored_bytes(table):
    """The raw bytes the backend keeps for a table key, or None. On a
    memcached pool the key must sit on one server only."""
    made = cache.make_key(table_key(table))
    if MEMCACHED:
        holders = memcached_holders(made)
        assert len(holders) <= 1, f"{table} is on {sorted(holders)}"
        return next(iter(holders.values()))[1] if holders else None
    if BACKEND == "filebased":
        path = Path(os.environ["INTEROP_CACHE_DIR"]) / (hashlib.md5(made.encode()).hexdigest() + ".djcache")
        return path.read_bytes() if path.exists() else None
    if BACKEND.endswith("-shard"):
        holders = [client for client in redis_clients() if client.exists(made)]
        assert len(holders) <= 1, f"{table} is on {len(holders)} shards"
    return redis_client(made).get(made)


def snapshot_cache():
    if MEMCACHED:
        snapshot = {}
        for server in memcached_servers():
            raw = RawMemcached(server)
            for key, (exp, _) in raw.dump().items():
                snapshot[(server, key)] = (raw.get(key), exp)
            raw.close()
        return snapshot
    if BACKEND == "filebased":
        root = Path(os.environ["INTEROP_CACHE_DIR"])
        return {p.name: p.read_bytes() for p in root.glob("*")} if root.exists() else {}
    return {key: (client.get(key), client.pttl(key)) for client in redis_clients() for key in client.keys("*")}


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
    prefix = cache.make_key("x")[:-1]  # django-valkey leaves an empty key unprefixed
    if MEMCACHED:
        for server in memcached_servers():
            raw = RawMemcached(server)
            for made in raw.dump():
                if made.startswith(prefix):
                    try:
                        yield made, cache.get(made[len(prefix):])
                    except Exception:
                        yield made, UNREADABLE
            raw.close()
        return
    for made in (made for client in redis_clients() for made in client.scan_iter(match=prefix + "*", count=1000)):
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


def put_raw(key, data, flags=1):
    """Stores raw bytes under a cachalot key, behind Django's back (on
    memcached: with these flags, on the server the site's client uses)."""
    made = cache.make_key(key)
    if BACKEND == "filebased":
        folder = Path(os.environ["INTEROP_CACHE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / (hashlib.md5(made.encode()).hexdigest() + ".djcache")).write_bytes(data)
    elif MEMCACHED:
        raw = RawMemcached(memcached_server_of(key))
        raw.set(made, flags, data)
        raw.close()
    else:
        redis_client(made).set(made, data)


def expires_in(table):
    """Seconds until a table key expires, as the backend stores it."""
    import pickle
    import time

    made = cache.make_key(table_key(table))
    if BACKEND == "filebased":
        return pickle.loads(stored_bytes(table)) - time.time()
    if MEMCACHED:
        for server in memcached_servers():
            raw = RawMemcached(server)
            dumped = raw.dump()
            raw.close()
            if made in dumped:
                return dumped[made][0] - time.time()
        return None
    return redis_client(made).pttl(made) / 1000
