"""What the benchmarks share: a throwaway folder with its own redis-server,
and the cachalot settings that point at it."""
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(work, extra=()):
    """A redis-server on a free loopback port without persistence: (process, port)."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(work), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.05)
    process.kill()
    sys.exit("redis-server did not start")


@contextmanager
def redis_workspace(prefix):
    """A temporary folder and a redis-server started in it: (folder, port).
    Both are gone when the block ends."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    server, port = start_redis(work)
    try:
        yield work, port
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


def write_redis_settings(path, port, database_name, redis_db=0):
    """A cachalot.toml for Django's RedisCache on `port` and one SQLite file."""
    Path(path).write_text(f"""
[CACHES.default]
BACKEND = "django.core.cache.backends.redis.RedisCache"
LOCATION = "redis://127.0.0.1:{port}/{redis_db}"
[DATABASES.default]
ENGINE = "django.db.backends.sqlite3"
NAME = "{database_name}"
""")
