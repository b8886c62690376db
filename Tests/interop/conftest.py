"""Fixtures for the interop tests: a real Django site with django-cachalot
2.9.1 on a fresh SQLite file or a PostgreSQL server of its own
(INTEROP_DATABASE), with the cache backend INTEROP_CACHE names, plus the
cachalot binary under test, configured by `cachalot init` run on the site."""
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SESSION_DIR = Path(tempfile.mkdtemp(prefix="cachalot-interop-"))
os.environ["INTEROP_DB"] = str(SESSION_DIR / "db.sqlite3")
os.environ["INTEROP_CACHE_DIR"] = str(SESSION_DIR / "cache")
os.environ["DJANGO_SETTINGS_MODULE"] = "interopsite.settings"
sys.path.insert(0, str(HERE))
BACKEND = os.environ.setdefault("INTEROP_CACHE", "filebased")
DATABASE = os.environ.setdefault("INTEROP_DATABASE", "sqlite")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(extra=()):
    """A real redis-server on a free loopback port, no persistence: (process, port)."""
    import redisserver

    try:
        return redisserver.start_redis(SESSION_DIR, extra)
    except RuntimeError as error:
        pytest.exit(str(error), returncode=1)


def make_certificates():
    """A CA and a server certificate for 127.0.0.1 and localhost, made with
    openssl for this session: (ca, certificate, key) paths."""
    folder = SESSION_DIR / "tls"
    folder.mkdir()
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    # keyUsage: Python 3.13's default context verifies strictly (VERIFY_X509_STRICT) and rejects a CA without it.
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=cachalot test CA", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    return folder / "ca.crt", folder / "server.crt", folder / "server.key"


def start_sentinel(master_port):
    """A real Redis sentinel watching the master as 'mymaster'."""
    port = free_port()
    config = SESSION_DIR / f"sentinel-{port}.conf"
    config.write_text(f"port {port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master_port} 2\n"
                      "sentinel down-after-milliseconds mymaster 60000\n")
    process = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", str(config), "--sentinel"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, port


def start_redis_family():
    """The Redis servers the variant needs: one; a primary and a replica
    (INTEROP_REDIS_URLS, Django's two LOCATIONs); three shards; a master,
    a replica and three sentinels; or a six-node cluster. INTEROP_REDIS_URL is always
    the server that takes writes first."""
    processes = []
    if BACKEND.endswith("-tls"):
        ca, certificate, key = make_certificates()
        os.environ["INTEROP_REDIS_CA"] = str(ca)
        tls_port = free_port()
        primary, _ = start_redis(["--tls-port", str(tls_port), "--tls-cert-file", str(certificate), "--tls-key-file", str(key),
                                  "--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no"])
        os.environ["INTEROP_REDIS_URLS"] = f"rediss://127.0.0.1:{tls_port}/0"
        return [primary], f"rediss://127.0.0.1:{tls_port}/0"
    if BACKEND.endswith("-cluster"):
        import redisserver

        try:
            processes, ports = redisserver.start_cluster(SESSION_DIR)
        except RuntimeError as error:
            pytest.exit(str(error), returncode=1)
        urls = [f"redis://127.0.0.1:{port}/0" for port in ports]
        os.environ["INTEROP_REDIS_URLS"] = ",".join(urls)
        return processes, urls[0]
    replicated = BACKEND.endswith(("-replicated", "-sentinel"))
    # Redis 7 waits repl-diskless-sync-delay (5 s) before it feeds a new
    # replica: the first WAIT of a test could time out.
    primary, port = start_redis(["--repl-diskless-sync-delay", "0"] if replicated else [])
    processes.append(primary)
    urls = [f"redis://127.0.0.1:{port}/0"]
    if BACKEND.endswith("-shard"):
        for _ in range(2):
            process, other = start_redis()
            processes.append(process)
            urls.append(f"redis://127.0.0.1:{other}/0")
    elif replicated:
        process, replica = start_redis(["--replicaof", "127.0.0.1", str(port)])
        processes.append(process)
        urls.append(f"redis://127.0.0.1:{replica}/0")
        wait_for_replica(replica)
    if BACKEND.endswith("-sentinel"):
        sentinels = [start_sentinel(port) for _ in range(3)]
        processes += [process for process, _ in sentinels]
        os.environ["INTEROP_SENTINELS"] = ",".join(str(sentinel) for _, sentinel in sentinels)
        wait_for_sentinels([sentinel for _, sentinel in sentinels])
    os.environ["INTEROP_REDIS_URLS"] = ",".join(urls)
    return processes, urls[0]


def wait_for_replica(port):
    """Until the replica has its first copy of the primary (link up)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        info = subprocess.run(["redis-cli", "-p", str(port), "INFO", "replication"], capture_output=True, text=True).stdout
        if "master_link_status:up" in info:
            return
        time.sleep(0.1)
    pytest.exit(f"the Redis replica on port {port} never caught up with its primary", returncode=1)


def wait_for_sentinels(ports):
    import redis

    deadline = time.time() + 20
    for port in ports:
        while True:
            try:
                masters = redis.Redis(port=port).sentinel_masters()
                if "mymaster" in masters and masters["mymaster"].get("is_master"):
                    break
            except redis.exceptions.ConnectionError:
                pass
            if time.time() > deadline:
                pytest.exit(f"sentinel on port {port} does not know the master", returncode=1)
            time.sleep(0.1)


MEMCACHED_SASL_USER, MEMCACHED_SASL_PASSWORD = "site", "sasl-s3cret"


def sasl_environment():
    """A sasldb with the site's user (saslpasswd2, Debian's sasl2-bin) and
    the Cyrus SASL configuration memcached -S reads from SASL_CONF_PATH:
    every mechanism Cyrus has, so pylibmc and cachalot both pick SCRAM."""
    folder = SESSION_DIR / "sasl"
    folder.mkdir(mode=0o755)
    SESSION_DIR.chmod(0o711)  # memcached runs as nobody: it may pass through, not list
    subprocess.run(["saslpasswd2", "-p", "-a", "memcached", "-c", "-f", str(folder / "sasldb2"), MEMCACHED_SASL_USER],
                   input=MEMCACHED_SASL_PASSWORD.encode(), check=True)
    (folder / "sasldb2").chmod(0o644)  # memcached reads it as nobody
    (folder / "memcached.conf").write_text(f"sasldb_path: {folder / 'sasldb2'}\n")
    return {**os.environ, "SASL_CONF_PATH": str(folder)}


def start_memcached(count, sasl=False):
    """Real memcached servers (Debian's package) on free loopback ports;
    with `sasl`, started with -S (binary protocol and SASL only)."""
    servers, processes = [], []
    environment = sasl_environment() if sasl else None
    for _ in range(count):
        port = free_port()
        processes.append(subprocess.Popen(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "256", "-I", "5m",
                                           "-u", "nobody"] + (["-S"] if sasl else []), env=environment,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        servers.append(f"127.0.0.1:{port}")
    deadline = time.time() + 10
    for server in servers:
        host, port = server.split(":")
        while True:
            with socket.socket() as probe:
                if probe.connect_ex((host, int(port))) == 0:
                    break
            if time.time() > deadline:
                pytest.exit(f"memcached did not start on {server}", returncode=1)
            time.sleep(0.05)
    os.environ["INTEROP_MEMCACHED"] = ",".join(servers)
    return processes


def start_mariadb():
    """The site's own MariaDB server (mariadbserver.py) in the session folder."""
    from mariadbserver import start_mariadb as start

    try:
        process, port = start(SESSION_DIR / "mariadb")
    except (RuntimeError, subprocess.CalledProcessError) as error:
        pytest.exit(str(error), returncode=1)
    os.environ["INTEROP_MYSQL_PORT"] = str(port)
    return process


def start_postgresql():
    """The site's own PostgreSQL server (pgserver.py) in the session folder."""
    from pgserver import start_postgresql as start

    try:
        process, port = start(SESSION_DIR / "postgresql")
    except (RuntimeError, subprocess.CalledProcessError) as error:
        pytest.exit(str(error), returncode=1)
    os.environ["INTEROP_PG_PORT"] = str(port)
    return process


# PostgreSQL-only models cannot even be imported on another database.
collect_ignore = [] if DATABASE == "postgresql" else ["test_postgresql.py"]
if DATABASE != "mysql":
    collect_ignore.append("test_mysql.py")
# Replicated and sentinel sites read from a replica, which lags behind
# every write: they run the tests written for that (replication awaited),
# the others never do.
if BACKEND.endswith(("-replicated", "-sentinel")):
    collect_ignore += [path.name for path in HERE.glob("test_*.py") if path.name != "test_redis_topologies.py"]
else:
    collect_ignore.append("test_redis_topologies.py")
# A memcached that wants SASL speaks only the binary protocol, which cannot
# list keys: its site runs the round trips written for it.
if BACKEND.endswith("-sasl"):
    collect_ignore += [path.name for path in HERE.glob("test_*.py") if path.name != "test_memcached_sasl.py"]
else:
    collect_ignore.append("test_memcached_sasl.py")
# Nodes killed and failed over: only on the cluster.
if not BACKEND.endswith("-cluster"):
    collect_ignore.append("test_redis_cluster.py")
# Servers with certificates of every kind, tried once per TLS backend.
if not BACKEND.endswith("-tls"):
    collect_ignore.append("test_tls.py")


def pytest_configure(config):
    config.addinivalue_line("markers", "backends(family, reason): only for caches of this family (redis, filebased, memcached)")
    config.addinivalue_line("markers", "databases(engine, reason): only for sites on this database (sqlite, postgresql, mysql)")
    config.addinivalue_line("markers", "datetime_rows: Django caches rows with datetimes, which msgpack cannot hold")


def pytest_collection_modifyitems(config, items):
    """A test for another family of cache or another database is left out of
    this run (deselected, never counted as skipped or passed): each has its
    own runs."""
    family = FAMILY
    kept, left_out = [], []
    for item in items:
        backends = item.get_closest_marker("backends")
        databases = item.get_closest_marker("databases")
        wrong = (backends and family not in backends.args) or (databases and DATABASE not in databases.args) \
            or (item.get_closest_marker("datetime_rows") and BACKEND == "django-redis-msgpack")
        (left_out if wrong else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


FAMILY = "filebased" if BACKEND == "filebased" else "memcached" if BACKEND.startswith(("pymemcache", "pylibmc")) else "redis"
REDIS_SERVERS = []
if FAMILY == "redis":
    REDIS_SERVERS, os.environ["INTEROP_REDIS_URL"] = start_redis_family()
MEMCACHED_SERVERS = start_memcached(3 if BACKEND.endswith("-pool") else 1, sasl=BACKEND.endswith("-sasl")) \
    if FAMILY == "memcached" else []
POSTGRESQL = start_postgresql() if DATABASE == "postgresql" else start_mariadb() if DATABASE == "mysql" else None

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def binary() -> str:
    path = Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "debug" / "cachalot"))
    if not path.exists():
        pytest.fail(f"cachalot binary not found at {path}: build it first (make test does)")
    return str(path)


def init_command(output: Path, *extra: str) -> list:
    """`cachalot init` on this site, with this interpreter."""
    return [binary(), "init", "--manage", str(HERE / "manage.py"), "--python", sys.executable, "-o", str(output), *extra]


@pytest.fixture(scope="session", autouse=True)
def site():
    """Migrates the site, then writes cachalot.json with `cachalot init`,
    which runs the site's export and then doctor."""
    try:
        call_command("migrate", verbosity=0)
        result = subprocess.run(init_command(SESSION_DIR / "cachalot.json"), capture_output=True, text=True)
        assert result.returncode == 0 and "wrote " in result.stdout, result.stdout + result.stderr
        # It may hold the database password: only its owner reads it.
        assert (SESSION_DIR / "cachalot.json").stat().st_mode & 0o777 == 0o600
        yield SESSION_DIR
    finally:
        # Stopped even when the set-up failed: no server outlives its session.
        for server in [POSTGRESQL] + REDIS_SERVERS + MEMCACHED_SERVERS:
            if server is None:
                continue
            if DATABASE == "postgresql" and server is POSTGRESQL:
                from pgserver import stop_postgresql

                stop_postgresql(server)
            else:
                server.kill()
                server.wait()
        shutil.rmtree(SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def clean_cache(site):
    from django.core.cache import cache

    cache.clear()
    yield
    if FAMILY == "memcached":
        # pymemcache reopens its sockets per request; a test may have stopped a server.
        cache.close()


@pytest.fixture
def settings_file(site) -> Path:
    return site / "cachalot.json"


@pytest.fixture
def edited_settings(settings_file):
    """`with edited_settings(change):` runs `change(settings_dict)` on the
    exported cachalot.json for the block, then restores the file."""
    @contextmanager
    def edit(change):
        original = settings_file.read_text()
        mode = settings_file.stat().st_mode
        settings = json.loads(original)
        change(settings)
        settings_file.write_text(json.dumps(settings))
        try:
            yield
        finally:
            settings_file.write_text(original)
            settings_file.chmod(mode)
    return edit


def restart_database():
    """Stops the site's PostgreSQL or MariaDB server cleanly (PostgreSQL's
    fast shutdown, MariaDB's normal one) and starts it again with the same
    command line, data and port; Django reconnects on its next query."""
    global POSTGRESQL
    from django.db import connection

    connection.close()
    POSTGRESQL.send_signal(signal.SIGINT if DATABASE == "postgresql" else signal.SIGTERM)
    POSTGRESQL.wait(timeout=60)
    folder = SESSION_DIR / ("postgresql" if DATABASE == "postgresql" else "mariadb")
    log = open(folder / ("postgres.log" if DATABASE == "postgresql" else "mariadb.log"), "a")
    POSTGRESQL = subprocess.Popen(POSTGRESQL.args, stdout=log, stderr=log)
    wait_for_database("a restart")


def wait_for_database(after, seconds=60):
    """Until the site's server takes connections again (after a restart or
    a crash's recovery)."""
    deadline = time.time() + seconds
    while True:
        try:
            RawDatabase().close()
            return
        except Exception:
            if time.time() > deadline or POSTGRESQL.poll() is not None:
                pytest.fail(f"the {DATABASE} server did not come back after {after}")
            time.sleep(0.2)


class RawDatabase:
    """A connection behind Django's back: writes here are what a restored
    dump or a cron job does. SQL uses `?` placeholders on every engine."""

    def __init__(self):
        if DATABASE == "postgresql":
            import psycopg

            self.connection = psycopg.connect(host="127.0.0.1", port=os.environ["INTEROP_PG_PORT"],
                                              dbname="site", user="site", password="site-pass")
        elif DATABASE == "mysql":
            import MySQLdb

            self.connection = MySQLdb.connect(host="127.0.0.1", port=int(os.environ["INTEROP_MYSQL_PORT"]),
                                              database="site", user="site", password="site-pass", charset="utf8mb4")
        else:
            self.connection = sqlite3.connect(os.environ["INTEROP_DB"])

    def execute(self, sql, params=()):
        if DATABASE == "sqlite":
            return self.connection.execute(sql, params)
        cursor = self.connection.cursor()
        cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
        return cursor

    def commit(self):
        self.connection.commit()

    def close(self):
        self.connection.close()


@pytest.fixture
def raw_db(site):
    connection = RawDatabase()
    yield connection
    connection.close()


def break_database(settings):
    """Points DATABASES.default at a database that cannot be reached."""
    if DATABASE in ("postgresql", "mysql"):
        settings["DATABASES"]["default"].update(PORT=str(free_port()))
    else:
        settings["DATABASES"]["default"].update(NAME="/nonexistent/db.sqlite3")


@pytest.fixture
def cachalot(settings_file):
    def run(*args, check=True):
        result = subprocess.run([binary(), "--settings", str(settings_file), *args],
                                capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"cachalot {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result
    return run
