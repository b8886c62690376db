"""Hostile values, broken servers and racing runs against the real site:
each case below once crashed, hung, leaked or misreported (issue 9)."""
import hashlib
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cachalot.api import get_last_invalidation
from conftest import binary
from django.core.cache import cache
from library.models import Author, Book
from store import BACKEND, put_raw, redis_client, table_key

TABLES = ["catalogue_books", "catalogue_books_authors", "library_author"]


def put_pickle(key, pickled):
    """Stores a pickle the way the backend frames values (the file cache adds expiry + zlib)."""
    if BACKEND == "filebased":
        put_raw(key, pickle.dumps(None, 5) + zlib.compress(pickled))
    else:
        put_raw(key, pickled)


def params(values):
    return [arg for value in values for arg in ("--param", str(value))]


def test_query_never_stores_under_djangos_key(cachalot):
    Book.objects.create(title="A")
    Book.objects.create(title="B")
    queryset = Book.objects.order_by("id")
    assert [book.title for book in queryset] == ["A", "B"]  # Django caches its chunks
    sql, values = queryset.query.sql_with_params()
    django_key = hashlib.sha1(f"default:{sql}:{[str(v) for v in values]}".encode()).hexdigest()
    cachalot("invalidate", "library")  # Django's entry is now stale
    stale = cachalot("query", "-v", sql, *params(values))
    assert "miss" in stale.stderr
    # Django reads the same queryset: model instances built from its own shape.
    assert [book.title for book in Book.objects.order_by("id")] == ["A", "B"]
    assert Book.objects.count() == 2
    assert Book.objects.get(title="B").title == "B"
    stored = cache.get(django_key)
    # A chunk is a list, or a tuple with MySQL's driver.
    assert isinstance(stored[1], list) and all(isinstance(chunk, (list, tuple)) for chunk in stored[1]), stored
    Book.objects.all().delete()


@pytest.mark.parametrize("statement, table", [
    ("CREATE TABLE cli_made (id integer PRIMARY KEY)", "cli_made"),
    ("ALTER TABLE library_author ADD COLUMN nickname text", "library_author"),
    ("CREATE INDEX author_name ON library_author (name)", "library_author"),
    ("DROP TABLE cli_made", "cli_made"),
])
def test_ddl_through_query_write_invalidates_its_table(cachalot, statement, table):
    before = time.time()
    result = cachalot("query", "--write", statement, check=False)
    assert result.returncode == 0, result.stderr
    assert table in result.stdout
    assert "nothing was written" not in result.stderr
    assert get_last_invalidation(table) >= before


@pytest.mark.parametrize("found", [b"", b"\x80\x05", b"not a pickle at all"])
def test_an_unreadable_table_key_is_overwritten_and_the_rest_written(cachalot, found):
    put_raw(table_key("library_author"), found)
    before = time.time()
    result = cachalot("invalidate", "library", "--json", check=False)
    assert result.returncode == 0, result.stderr
    assert "library_author" in result.stderr and "not a timestamp" in result.stderr
    report = json.loads(result.stdout)
    assert sorted(report["results"][0]["written"]) == TABLES
    for table in TABLES:
        assert cache.get(table_key(table)) >= before


@pytest.mark.backends("redis", reason="a Redis type the file cache does not have")
def test_a_table_key_of_another_redis_type_is_overwritten(cachalot):
    made = cache.make_key(table_key("library_author"))
    redis_client(made).rpush(made, b"x")
    result = cachalot("invalidate", "library")
    assert "another Redis type" in result.stderr
    assert isinstance(cache.get(table_key("library_author")), float)


def test_parallel_runs_never_move_a_stamp_backwards(cachalot, settings_file):
    def run(_):
        return subprocess.run([binary(), "--settings", str(settings_file), "invalidate", "library", "--json"],
                              capture_output=True, text=True, timeout=60)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(run, range(40)))
    assert all(result.returncode == 0 for result in results), [r.stderr for r in results if r.returncode]
    assert not any("ahead of this host's clock" in result.stderr for result in results)
    newest = max(json.loads(result.stdout)["timestamp"] for result in results)
    assert [cache.get(table_key(table)) for table in TABLES] == [newest] * len(TABLES)


def test_last_invalidation_prints_nothing_when_a_cache_failed(cachalot, edited_settings):
    from store import add_dead_redis_cache
    with edited_settings(add_dead_redis_cache):
        result = cachalot("last-invalidation", "--timeout", "1", check=False)
    assert result.returncode == 1
    assert result.stdout == ""


# DUP TUPLE2 forty times: each step doubles the value (2**40 items).
BOMB = b"\x80\x05]" + b"2\x86" * 40 + b"."


@pytest.mark.parametrize("args, code", [
    # A table key that does not unpickle is a missing key, as for Django: a warning, exit 0.
    (["last-invalidation", "library.Author"], 0),
    (["invalidate", "library"], 0),
    # stats counts it as unreadable.
    (["stats"], 0),
    # The query entry itself cannot be shown: exit 1.
    (["query", "--peek", "SELECT id FROM library_author"], 1),
])
def test_a_hostile_pickle_fails_fast_and_cleanly(cachalot, args, code):
    put_pickle(table_key("library_author"), BOMB)
    put_pickle(hashlib.sha1(b"default:SELECT id FROM library_author:[]").hexdigest(), BOMB)
    started = time.time()
    result = cachalot(*args, check=False)
    assert time.time() - started < 20
    assert result.returncode == code, result.stderr
    assert "Fatal error" not in result.stderr and len(result.stderr) < 10_000


def test_a_huge_value_is_quoted_by_its_start(cachalot):
    put_pickle(table_key("library_author"), pickle.dumps(b"A" * 3_000_000, 5))
    result = cachalot("invalidate", "library.Author")
    assert len(result.stderr) < 2_000
    assert "CachalotKit" not in result.stderr


def test_output_errors_are_exit_1_and_a_closed_pipe_is_quiet(cachalot, settings_file):
    full = subprocess.run(f"{binary()} --version > /dev/full", shell=True, capture_output=True, text=True)
    assert full.returncode == 1
    assert full.stderr.strip() == "cachalot: error: cannot write to standard output: No space left on device"
    closed = subprocess.run(f"{binary()} --settings {settings_file} invalidate library >&-", shell=True,
                            capture_output=True, text=True)
    assert closed.returncode == 1 and "Bad file descriptor" in closed.stderr
    Author.objects.bulk_create([Author(name="x" * 100) for _ in range(300)])  # more than one write(2) of output
    # SIGPIPE ignored, as some shells and supervisors leave it: EPIPE ends the run quietly.
    piped = subprocess.run(f"{binary()} --settings {settings_file} query --format csv 'SELECT name FROM library_author' | head -c1",
                           shell=True, capture_output=True, preexec_fn=lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN))
    assert piped.returncode == 0 and piped.stderr == b""
    Author.objects.all().delete()


def test_peek_in_csv_keeps_status_off_stdout(cachalot):
    Author.objects.create(name="Ann")
    list(Author.objects.order_by("id"))
    sql, values = Author.objects.order_by("id").query.sql_with_params()
    result = cachalot("query", "--peek", "--format", "csv", sql, *params(values))
    assert result.stdout.splitlines()[0].startswith("id,name")
    assert "cached: yes" in result.stderr
    Author.objects.all().delete()


def test_query_checks_placeholders_and_accepts_a_trailing_comment(cachalot):
    mismatch = cachalot("query", "SELECT id FROM library_author WHERE id = %s", check=False)
    assert mismatch.returncode == 2 and "placeholders" in mismatch.stderr
    commented = cachalot("query", "--no-cache", "SELECT count(*) FROM library_author; -- done")
    assert commented.stdout.splitlines()[1] == "0"
    several = cachalot("query", "SELECT 1; SELECT 2", check=False)
    assert several.returncode == 2


def test_stats_counts_unreadable_entries(cachalot):
    put_raw(hashlib.sha1(b"junk").hexdigest(), b"\x00\x01 definitely not a cache value")
    report = json.loads(cachalot("stats", "--json").stdout)
    assert report["caches"][0]["groups"]["unreadable"]["count"] == 1


def test_doctor_warns_about_a_readable_literal_password(cachalot, edited_settings, settings_file):
    def with_password(settings):
        settings["DATABASES"]["default"]["PASSWORD"] = "hunter2-literal"
    with edited_settings(with_password):
        settings_file.chmod(0o644)
        result = cachalot("doctor", check=False)
    assert "WARN  settings file" in result.stdout and "DATABASES.default.PASSWORD" in result.stdout
    assert "hunter2" not in result.stdout


@pytest.mark.backends("filebased", reason="zlib bombs live in the file cache")
def test_a_zlib_bomb_costs_no_memory(cachalot, settings_file):
    compressor = zlib.compressobj(9)
    inflated = [compressor.compress(b"\x80\x05(")] + [compressor.compress(bytes(1 << 20)) for _ in range(300)]
    bomb = pickle.dumps(None, 5) + b"".join(inflated) + compressor.flush()
    assert len(bomb) < 400_000
    put_raw(hashlib.sha1(b"bomb").hexdigest(), bomb)
    result = subprocess.run(["/usr/bin/time", "-f", "%M", binary(), "--settings", str(settings_file), "stats", "--json"],
                            capture_output=True, text=True)
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    assert peak_kib < 150_000, peak_kib
    assert json.loads(result.stdout)["caches"][0]["groups"]["unreadable"]["count"] == 1


class TricklingServer:
    """A Redis impostor on loopback: answers every request with `reply`,
    sent `chunk` bytes at a time every `pause` seconds."""
    def __init__(self, reply, chunk, pause):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.reply, self.chunk, self.pause = reply, chunk, pause
        self.stopped = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stopped:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.recv(65536)
            try:
                for start in range(0, len(self.reply), self.chunk):
                    if self.stopped:
                        break
                    connection.sendall(self.reply[start:start + self.chunk])
                    time.sleep(self.pause)
            except OSError:
                pass
            connection.close()

    def close(self):
        self.stopped = True
        self.listener.close()


@pytest.mark.parametrize("reply, chunk, pause, message", [
    (b"$20\r\n" + b"1" * 20 + b"\r\n", 1, 0.5, "no complete reply within 2.0 s"),
    (b"$999999999999\r\n" + b"\x00" * (200 << 20), 1 << 20, 0, "larger than"),
])
def test_a_trickling_or_endless_server_is_cut_off(cachalot, edited_settings, settings_file, reply, chunk, pause, message):
    server = TricklingServer(reply, chunk, pause)
    def point_at_impostor(settings):
        settings["CACHES"]["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                         "LOCATION": f"redis://127.0.0.1:{server.port}/0"}
    try:
        with edited_settings(point_at_impostor):
            started = time.time()
            result = subprocess.run(["/usr/bin/time", "-f", "%M", binary(), "--settings", str(settings_file),
                                     "last-invalidation", "library", "--timeout", "2"], capture_output=True, text=True)
            elapsed = time.time() - started
    finally:
        server.close()
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
    assert elapsed < 15
    assert int(result.stderr.strip().splitlines()[-1]) < 200_000


def against_impostor(cachalot, edited_settings, reply, *args):
    """Runs cachalot with a Redis cache whose server answers `reply` to everything."""
    server = TricklingServer(reply, 64, 0)
    def point_at_impostor(settings):
        settings["CACHES"]["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                         "LOCATION": f"redis://127.0.0.1:{server.port}/0"}
    try:
        with edited_settings(point_at_impostor):
            return cachalot(*args, "--timeout", "2", check=False)
    finally:
        server.close()


class StallingProxy:
    """A loopback proxy to a real Redis that passes everything until a client
    sends a GET, then holds that connection: the server "stops answering"
    exactly when a whole value is fetched."""
    def __init__(self, port):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.port, self.target = self.listener.getsockname()[1], port
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self.pipe, args=(server, client, False), daemon=True).start()

    @staticmethod
    def pipe(source, sink, stall_on_get):
        try:
            while data := source.recv(65536):
                if stall_on_get and b"\r\nGET\r\n" in data:
                    return  # held: neither forwarded nor closed
                sink.sendall(data)
        except OSError:
            pass

    def close(self):
        self.listener.close()


# One plain server behind the proxy: no TLS, replicas, sentinels, shards or cluster.
if BACKEND in ("redis", "redis-prefixed", "django-redis"):
    def test_a_whole_value_the_server_never_sends_fails_stats(cachalot, edited_settings):
        """Values stats reads whole (a query entry pickled with protocol 0, over
        4 KiB): a fetch that times out is the run's failure, exit 1, not one
        more entry counted unreadable with exit 0."""
        client = redis_client()
        name = cache.make_key("e" * 40)
        client.set(name, pickle.dumps((time.time(), list(range(3000))), 0))
        proxy = StallingProxy(client.connection_pool.connection_kwargs["port"])
        def through_proxy(settings):
            settings["CACHES"]["default"]["LOCATION"] = f"redis://127.0.0.1:{proxy.port}/0"
        try:
            with edited_settings(through_proxy):
                result = cachalot("stats", "--json", "--timeout", "2", check=False)
        finally:
            proxy.close()
            client.delete(name)
        assert result.returncode == 1, result.stdout
        assert "no complete reply" in result.stderr, result.stderr
        assert json.loads(result.stdout)["caches"][0]["groups"] is None


def test_requirepass_without_a_password_says_so(cachalot, edited_settings):
    result = against_impostor(cachalot, edited_settings, b"-NOAUTH Authentication required.\r\n", "last-invalidation")
    assert result.returncode == 1
    assert "requires authentication" in result.stderr


def test_a_server_that_is_not_redis_is_named_so(cachalot, edited_settings):
    result = against_impostor(cachalot, edited_settings, b"HTTP/1.1 400 Bad Request\r\n\r\n", "invalidate")
    assert result.returncode == 1
    assert "does not speak Redis" in result.stderr and '"HTTP/1.1 400 Bad Request"' in result.stderr, result.stderr
    assert "the others were invalidated" not in result.stderr and "nothing was invalidated" in result.stderr


@pytest.mark.parametrize("refused", ["-@scripting", "-mget"])
def test_an_acl_user_without_scripting_is_told_what_cachalot_needs(refused, cachalot, edited_settings):
    """Without EVAL, or without a command the stamp script runs (refused
    inside a script with no NOPERM prefix): the message says what is needed."""
    from conftest import start_redis
    process, port = start_redis()
    try:
        import redis
        redis.Redis(port=port).acl_setuser("limited", enabled=True, passwords=["+limited-pw"], keys=["*"],
                                           commands=["+@all", refused])
        def as_limited_user(settings):
            settings["CACHES"]["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                             "LOCATION": f"redis://limited:limited-pw@127.0.0.1:{port}/0"}
        with edited_settings(as_limited_user):
            result = cachalot("invalidate", "auth", check=False)
    finally:
        process.kill()
        process.wait()
    assert result.returncode == 1
    assert "may not run a command cachalot needs" in result.stderr and "EVAL" in result.stderr, result.stderr
    assert "MGET, EXISTS, MSET" in result.stderr, result.stderr


@pytest.mark.backends("redis", reason="its own Redis server, whatever the site's cache")
def test_an_acl_user_without_object_gets_no_silent_idle_times(cachalot, edited_settings):
    """stats --idle reads OBJECT IDLETIME and FREQ: a refusal (NOPERM) is
    the run's failure, not every entry's last read quietly unknown."""
    from conftest import start_redis
    process, port = start_redis()
    try:
        import redis
        admin = redis.Redis(port=port)
        admin.set(":1:" + "a" * 40, b"x")
        admin.acl_setuser("noobject", enabled=True, passwords=["+noobject-pw"], keys=["*"], commands=["+@all", "-object"])
        def as_user_without_object(settings):
            settings["CACHES"]["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                             "LOCATION": f"redis://noobject:noobject-pw@127.0.0.1:{port}/0"}
        with edited_settings(as_user_without_object):
            refused = cachalot("stats", "--idle", check=False)
            plain = cachalot("stats", check=False)
    finally:
        process.kill()
        process.wait()
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "object" in refused.stderr.lower() and "permission" in refused.stderr.lower(), refused.stderr
    assert plain.returncode == 0, plain.stderr


@pytest.mark.parametrize("location", [
    "redis://:s3cret@127.0.0.1:99999/0",
    # urllib ends the authority at "?" or "/": the "port" is the password's head.
    "redis://:s3cret?tail@127.0.0.1:6407/0",
    "redis://:s3cret/tail@127.0.0.1:6407/0",
    # A list element is one URL, however many "," and ";" its password holds.
    ["redis://:s3cret,tail;end@127.0.0.1:1/0"],
])
def test_a_password_never_shows_in_any_command(location, cachalot, edited_settings):
    def with_secret(settings):
        settings["CACHES"]["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    with edited_settings(with_secret):
        for args in (["invalidate"], ["last-invalidation"], ["stats"], ["doctor", "--json"], ["query", "SELECT 1 FROM auth_user"]):
            result = cachalot(*args, check=False)
            assert result.returncode != 0
            output = result.stdout + result.stderr
            assert "s3cret" not in output and "tail" not in output, (args, output)


def test_a_password_a_real_server_refuses_never_shows(cachalot, edited_settings):
    """A real redis-server that rejects the password: every command fails
    on it (exit 1), and none shows the password."""
    from conftest import start_redis
    process, port = start_redis(["--requirepass", "the-right-one"])
    try:
        def with_wrong_password(settings):
            settings["CACHES"]["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                             "LOCATION": f"redis://:s3cret-wrong@127.0.0.1:{port}/0"}
        with edited_settings(with_wrong_password):
            for args in (["invalidate"], ["last-invalidation"], ["stats"], ["doctor", "--json"],
                         ["query", "SELECT 1 FROM auth_user"], ["watch", "--for", "0.2"]):
                result = cachalot(*args, check=False)
                # watch keeps retrying a cache that fails, until --for.
                assert result.returncode == (0 if args[0] == "watch" else 1), (args, result.stderr)
                assert "s3cret" not in result.stdout + result.stderr, args
                assert "WRONGPASS" in result.stdout + result.stderr or "authentication" in result.stdout + result.stderr, (args, result.stderr)
    finally:
        process.kill()
        process.wait()


SITE_AS_NOBODY = """
import os, sys, django
django.setup()
from django.db import connection
from library.models import Book
action = sys.argv[1]
if action == "create":
    connection.cursor().execute("PRAGMA journal_mode=WAL")
    Book.objects.create(title="Before")
if action == "write":
    Book.objects.create(title="Written by the site")
print(",".join(sorted(Book.objects.values_list("title", flat=True))))
"""


@pytest.mark.backends("filebased", reason="file ownership is the file cache's")
@pytest.mark.databases("sqlite", reason="runs a copy of the site on its own SQLite file")
def test_root_keeps_the_sites_files_readable_by_the_site(settings_file, site):
    """Cron runs cachalot as root on a site whose files belong to its user:
    Django, as that user, must read what cachalot wrote and keep writing."""
    assert os.geteuid() == 0, "this test runs as root (as CI does): it hands files to the user nobody"
    import shutil
    import sqlite3
    import tempfile
    python = shutil.which("python3", path="/usr/bin:/bin")
    assert python, "a system python3 readable by nobody is needed (Debian's python3)"
    # The site as nobody loads this virtualenv's packages with that python
    # (pyenv's, under /root, nobody cannot run): only the same Python line can.
    system = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True).stdout.strip()
    if system != str(tuple(sys.version_info[:2])):
        pytest.skip(f"{python} is Python {system}, this virtualenv's packages are for {tuple(sys.version_info[:2])}")
    folder = Path(tempfile.mkdtemp(prefix="cachalot-owner-"))
    try:
        shutil.copy(os.environ["INTEROP_DB"], folder / "site.sqlite3")
        for path in (folder, folder / "site.sqlite3"):
            os.chown(path, 65534, 65534)
        folder.chmod(0o755)
        venv = Path(sys.prefix) / "lib"
        packages = next(venv.glob("python3*/site-packages"))
        env = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": f"{Path(__file__).parent}:{packages}", "DJANGO_SETTINGS_MODULE": "interopsite.settings",
               "INTEROP_DB": str(folder / "site.sqlite3"), "INTEROP_CACHE_DIR": str(folder / "cache"), "INTEROP_CACHE": "filebased"}

        def site_as_nobody(action):
            result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", SITE_AS_NOBODY, action],
                                    env=env, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr
            return result.stdout.strip()

        assert site_as_nobody("create") == "Before"
        with sqlite3.connect(folder / "site.sqlite3") as connection:
            connection.execute("UPDATE catalogue_books SET title = 'After'")
        assert site_as_nobody("read") == "Before", "the site serves its cached (stale) rows"

        settings = json.loads(settings_file.read_text())
        settings["DATABASES"]["default"]["NAME"] = str(folder / "site.sqlite3")
        settings["CACHES"]["default"]["LOCATION"] = str(folder / "cache")
        (folder / "cachalot.json").write_text(json.dumps(settings))
        run = [binary(), "--settings", str(folder / "cachalot.json")]
        subprocess.run(run + ["invalidate", "library"], check=True, capture_output=True)
        owners = {(path.stat().st_uid, path.stat().st_mode & 0o777) for path in (folder / "cache").iterdir()}
        assert owners == {(65534, 0o600)}, owners
        assert site_as_nobody("read") == "After"

        subprocess.run(run + ["query", "--write", "UPDATE catalogue_books SET title = 'By cron'"], check=True, capture_output=True)
        assert site_as_nobody("write") == "By cron,Written by the site"
        root_owned = [path.name for path in folder.rglob("*") if path.stat().st_uid != 65534 and path.name != "cachalot.json"]
        assert root_owned == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)
