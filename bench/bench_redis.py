"""Benchmark cachalot on Redis beyond one plain server. Not a test: it
prints figures.

1. `invalidate library` on the example over a three-server django-redis
   ShardClient, against three one-shot `redis-cli SET`s (one per server).
2. `invalidate library` over TLS (rediss://, a CA made for the run),
   against `redis-cli --tls SET` of one key.

Contenders run alternately (measure.py); medians, ratios, peak memory.
Run with `make bench`."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from measure import compare, summary
from servers import free_port, start_redis

ROOT = Path(__file__).resolve().parent.parent
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def example_database(work):
    database = work / "db.sqlite3"
    subprocess.run(["sqlite3", str(database)], input=(ROOT / "example" / "schema.sql").read_text(), text=True, check=True)
    return database


def settings(path, cache, database):
    """The example's settings with another cache."""
    example = (ROOT / "example" / "cachalot.toml").read_text()
    models = example[example.index("[MODELS]"):]
    path.write_text(cache + f"""
[DATABASES.default]
ENGINE = "django.db.backends.sqlite3"
NAME = "{database}"

""" + models)


def certificates(work):
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=work, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=bench CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (work / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
            "-days", "1", "-extfile", "san.ext")


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-redis-"))
    servers = []
    try:
        database = example_database(work)
        shards = []
        for _ in range(3):
            process, port = start_redis(work)
            servers.append(process)
            shards.append(port)
        locations = ", ".join(f'"redis://127.0.0.1:{port}/0"' for port in shards)
        settings(work / "shard.toml", f"""
[CACHES.default]
BACKEND = "django_redis.cache.RedisCache"
LOCATION = [{locations}]
OPTIONS = {{ CLIENT_CLASS = "django_redis.client.ShardClient" }}
""", database)
        sets = " && ".join(f"redis-cli -p {port} SET bench:one 1795775931.053213 > /dev/null" for port in shards)
        compare("invalidate library over a three-server ShardClient", {
            "cachalot invalidate library (ShardClient, 3 servers)": [BINARY, "--settings", "shard.toml", "invalidate", "library"],
            "three redis-cli SETs, one per server": ["sh", "-c", sets],
        }, cwd=work)

        certificates(work)
        tls_port = free_port()
        process, _ = start_redis(work, ["--tls-port", str(tls_port), "--tls-cert-file", "server.crt", "--tls-key-file", "server.key",
                                        "--tls-ca-cert-file", "ca.crt", "--tls-auth-clients", "no"])
        servers.append(process)
        settings(work / "tls.toml", f"""
[CACHES.default]
BACKEND = "django.core.cache.backends.redis.RedisCache"
LOCATION = "rediss://127.0.0.1:{tls_port}/0"
OPTIONS = {{ ssl_ca_certs = "{work / 'ca.crt'}" }}
""", database)
        compare("invalidate library over TLS (Django's RedisCache)", {
            "cachalot invalidate library (rediss://)": [BINARY, "--settings", "tls.toml", "invalidate", "library"],
            "redis-cli --tls SET of one key": ["redis-cli", "--tls", "--cacert", str(work / "ca.crt"), "-p", str(tls_port),
                                               "SET", "bench:one", "1795775931.053213"],
        }, cwd=work)
    finally:
        for server in servers:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)
    summary()


if __name__ == "__main__":
    main()
