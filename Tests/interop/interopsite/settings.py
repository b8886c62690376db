"""Settings of the interop site. Paths come from the environment so that
each test session gets its own database file and cache directory."""
import os

SECRET_KEY = "interop-only"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "cachalot",
    "library",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["INTEROP_DB"],
    }
}
# INTEROP_DATABASE=postgresql: the PostgreSQL server the test session
# started, and the app with PostgreSQL-only models.
if os.environ.get("INTEROP_DATABASE") == "postgresql":
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "site",
        "USER": "site",
        "PASSWORD": "site-pass",
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("INTEROP_PG_PORT", "5432"),
    }
    INSTALLED_APPS.append("pgshop")
elif os.environ.get("INTEROP_DATABASE") == "mysql":
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "site",
        "USER": "site",
        "PASSWORD": "site-pass",
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("INTEROP_MYSQL_PORT", "3306"),
        "OPTIONS": {"charset": "utf8mb4"},
    }
    INSTALLED_APPS.append("myshop")
# INTEROP_CACHE picks the cache backend under test; Redis ones use the
# redis-server the test session started (INTEROP_REDIS_URL).
REDIS_URL = os.environ.get("INTEROP_REDIS_URL", "")
CACHE_VARIANTS = {
    "filebased": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ["INTEROP_CACHE_DIR"],
        # Large enough that Django's culling never deletes keys mid-test.
        "OPTIONS": {"MAX_ENTRIES": 100000},
    },
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    "redis-prefixed": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "site",
        "VERSION": 7,
    },
    "django-redis": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL},
    "django-redis-zlib": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor"},
    },
    "django-redis-gzip": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"COMPRESSOR": "django_redis.compressors.gzip.GzipCompressor"},
    },
}
# Memcached ones use the servers the test session started (INTEROP_MEMCACHED:
# one, or three for the -pool variants).
MEMCACHED = [server for server in os.environ.get("INTEROP_MEMCACHED", "").split(",") if server]
for client, backend in (("pymemcache", "PyMemcacheCache"), ("pylibmc", "PyLibMCCache")):
    CACHE_VARIANTS[client] = {"BACKEND": f"django.core.cache.backends.memcached.{backend}", "LOCATION": MEMCACHED[:1]}
    CACHE_VARIANTS[f"{client}-pool"] = {"BACKEND": f"django.core.cache.backends.memcached.{backend}", "LOCATION": MEMCACHED}
CACHE_VARIANTS["pylibmc-sasl"] = {**CACHE_VARIANTS["pylibmc"],
                                  "OPTIONS": {"binary": True, "username": "site", "password": "sasl-s3cret"}}
CACHE_VARIANTS["pylibmc-ketama-pool"] = {**CACHE_VARIANTS["pylibmc-pool"], "OPTIONS": {"binary": True, "behaviors": {"ketama": True}}}
# Every django-redis compressor, serializer and client cachalot reproduces.
for name in ("lzma", "lz4", "zstd"):
    class_name = {"lzma": "LzmaCompressor", "lz4": "Lz4Compressor", "zstd": "ZStdCompressor"}[name]
    CACHE_VARIANTS[f"django-redis-{name}"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
                                              "OPTIONS": {"COMPRESSOR": f"django_redis.compressors.{name}.{class_name}"}}
CACHE_VARIANTS["django-redis-json"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
                                       "OPTIONS": {"SERIALIZER": "django_redis.serializers.json.JSONSerializer"}}
CACHE_VARIANTS["django-redis-msgpack"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
                                          "OPTIONS": {"SERIALIZER": "django_redis.serializers.msgpack.MSGPackSerializer",
                                                      "COMPRESSOR": "django_redis.compressors.zstd.ZStdCompressor"}}
CACHE_VARIANTS["django-redis-herd"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
                                       "OPTIONS": {"CLIENT_CLASS": "django_redis.client.HerdClient"}}
# Several servers: Django's two LOCATIONs over a primary and its replica
# (writes to the first, reads from the other), django-redis's ShardClient
# over three, SentinelClient over a master, a replica and three sentinels.
REDIS_URLS = [url for url in os.environ.get("INTEROP_REDIS_URLS", "").split(",") if url]
CACHE_VARIANTS["redis-replicated"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URLS}
CACHE_VARIANTS["django-redis-replicated"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URLS}
CACHE_VARIANTS["django-redis-shard"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URLS,
                                        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.ShardClient"}}
CACHE_VARIANTS["django-redis-sentinel"] = {
    "BACKEND": "django_redis.cache.RedisCache",
    "LOCATION": "redis://mymaster/0",
    "OPTIONS": {
        "CLIENT_CLASS": "django_redis.client.SentinelClient",
        "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
        "SENTINELS": [("127.0.0.1", int(port)) for port in os.environ.get("INTEROP_SENTINELS", "").split(",") if port],
    },
}
# TLS (a rediss:// server with a CA of the session's own), the CA given the
# way each backend takes redis-py options.
REDIS_CA = os.environ.get("INTEROP_REDIS_CA", "")
CACHE_VARIANTS["redis-tls"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                               "OPTIONS": {"ssl_ca_certs": REDIS_CA}}
CACHE_VARIANTS["django-redis-tls"] = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL,
                                      "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_ca_certs": REDIS_CA}}}
# django-valkey (valkey-py): its own URL scheme, and the clients cachalot
# reproduces; floats are stored as text there, not pickled.
VALKEY_URL = REDIS_URL.replace("redis://", "valkey://", 1)
CACHE_VARIANTS["django-valkey"] = {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": VALKEY_URL}
CACHE_VARIANTS["django-valkey-zlib-herd"] = {"BACKEND": "django_valkey.cache.ValkeyCache", "LOCATION": VALKEY_URL,
                                             "OPTIONS": {"CLIENT_CLASS": "django_valkey.client.HerdClient",
                                                         "COMPRESSOR": "django_valkey.compressors.zlib.ZlibCompressor"}}
CACHE_VARIANTS["django-valkey-tls"] = {"BACKEND": "django_valkey.cache.ValkeyCache",
                                       "LOCATION": REDIS_URL.replace("rediss://", "valkeys://", 1),
                                       "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_ca_certs": REDIS_CA}}}
CACHE_VARIANTS["django-valkey-shard"] = {"BACKEND": "django_valkey.cache.ValkeyCache",
                                         "LOCATION": [url.replace("redis://", "valkey://", 1) for url in REDIS_URLS],
                                         "OPTIONS": {"CLIENT_CLASS": "django_valkey.client.ShardClient"}}
# django-valkey's cluster backend over the six-node Redis Cluster the session
# started (INTEROP_REDIS_URLS: the nodes; LOCATION names two, as sites list
# seeds), its map discovered by valkey-py.
CACHE_VARIANTS["django-valkey-cluster"] = {"BACKEND": "django_valkey.cluster_cache.cache.ClusterValkeyCache",
                                           "LOCATION": [url.replace("redis://", "valkey://", 1) for url in REDIS_URLS[:2]]}
CACHES = {"default": CACHE_VARIANTS[os.environ.get("INTEROP_CACHE", "filebased")]}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
