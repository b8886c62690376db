"""cachalot against a real Django 5.2 + django-cachalot 2.9.1 site.

Each invalidation test follows the same story: Django caches a query, the
database changes behind Django's back, Django keeps serving the old rows,
`cachalot invalidate` runs, and Django serves the new rows."""
import json
import hashlib
import os
import time
from pathlib import Path

import pytest
from cachalot.api import get_last_invalidation, invalidate
from django.contrib.auth.models import User
from django.core.cache import cache
from library.models import Author, Book
from conftest import DATABASE, break_database
from store import MEMCACHED, BACKEND, add_dead_redis_cache, expires_in, redis_client, snapshot_cache, stored_bytes, table_key


def titles():
    return sorted(Book.objects.values_list("title", flat=True))


def stale_then(raw_db, sql, params=()):
    raw_db.execute(sql, params)
    raw_db.commit()


def test_invalidate_app_label_makes_django_read_fresh_rows(cachalot, raw_db):
    Book.objects.create(title="Before")
    assert titles() == ["Before"]
    stale_then(raw_db, "UPDATE catalogue_books SET title = 'After' WHERE title = 'Before'")
    assert titles() == ["Before"], "Django should serve the cached (stale) rows"

    result = cachalot("invalidate", "library")

    assert result.stdout == "Invalidating keys for 2 models...\nCache keys successfully invalidated.\n"
    assert titles() == ["After"]
    Book.objects.all().delete()


def test_invalidate_model_label_reaches_custom_table_and_m2m(cachalot, raw_db):
    book = Book.objects.create(title="Dune")
    frank = Author.objects.create(name="Frank")
    assert list(book.authors.values_list("name", flat=True)) == []
    stale_then(raw_db, "INSERT INTO catalogue_books_authors (book_id, author_id) VALUES (?, ?)", (book.pk, frank.pk))
    assert list(book.authors.values_list("name", flat=True)) == []

    cachalot("invalidate", "library.book", "-c", "default", "-d", "default")

    assert list(book.authors.values_list("name", flat=True)) == ["Frank"]
    Book.objects.all().delete()
    Author.objects.all().delete()


@pytest.mark.datetime_rows
def test_invalidate_without_label_covers_every_table(cachalot, raw_db):
    User.objects.create(username="ann")
    assert list(User.objects.values_list("username", flat=True)) == ["ann"]
    stale_then(raw_db, "UPDATE auth_user SET username = 'bob'")
    assert list(User.objects.values_list("username", flat=True)) == ["ann"]

    result = cachalot("invalidate")

    assert result.stdout.startswith("Invalidating all keys...\n")
    assert list(User.objects.values_list("username", flat=True)) == ["bob"]
    User.objects.all().delete()


def test_uncachable_tables_are_never_written(cachalot):
    cachalot("invalidate")
    assert stored_bytes("django_migrations") is None
    assert stored_bytes("auth_user") is not None


def test_last_invalidation_prints_what_django_prints(cachalot):
    invalidate("library.Book")
    expected = repr(get_last_invalidation("library.Book")) + "\n"
    assert cachalot("last-invalidation", "library.Book").stdout == expected
    invalidate("auth_user")
    assert cachalot("last-invalidation").stdout == repr(get_last_invalidation()) + "\n"
    assert cachalot("last-invalidation", "auth.User").stdout == repr(get_last_invalidation("auth.User")) + "\n"


def test_last_invalidation_reads_what_cachalot_wrote(cachalot):
    cachalot("invalidate", "auth.User")
    printed = cachalot("last-invalidation", "auth.User").stdout
    assert printed == repr(get_last_invalidation("auth.User")) + "\n"
    assert abs(float(printed) - time.time()) < 60


def test_last_invalidation_is_zero_when_nothing_is_stored(cachalot):
    assert get_last_invalidation("library.Author") == 0.0
    assert cachalot("last-invalidation", "library.Author").stdout == "0.0\n"


def test_writes_by_django_after_cachalot_still_invalidate(cachalot):
    cachalot("invalidate", "library")
    before = get_last_invalidation("library.Book")
    Book.objects.create(title="New")
    assert get_last_invalidation("library.Book") > before
    assert titles() == ["New"]
    Book.objects.all().delete()


def test_future_table_key_is_kept_with_a_warning(cachalot):
    future = time.time() + 120
    key = table_key("library_author")
    cache.set(key, future, None)  # django-redis-zlib stores this compressed

    result = cachalot("invalidate", "library.Author")

    assert cache.get(key) == future
    assert "ahead of this host's clock" in result.stderr
    assert get_last_invalidation("library.Author") == future


def test_unknown_label_writes_nothing_and_exits_2(cachalot):
    cachalot("invalidate", "library")
    before = snapshot_cache()
    result = cachalot("invalidate", "librari", check=False)
    assert result.returncode == 2
    assert "did you mean 'library'" in result.stderr
    assert snapshot_cache() == before


@pytest.mark.backends("filebased", reason="labels are resolved before any cache is opened")
@pytest.mark.parametrize("typed, suggested", [
    ("django.contrib.auth", "'auth', the label of app django.contrib.auth"),  # Django's own suggestion
    ("django.contrib.auth.User", "'auth.User', app django.contrib.auth by its label"),
    ("library.models", "'library', the whole app"),
    ("library.models.Book", "'library.Book'"),
    ("book", "'library.Book'"),
    ("Library", "'library'"),
])
def test_an_unknown_label_suggests_what_was_meant(cachalot, typed, suggested):
    result = cachalot("invalidate", typed, check=False)
    assert result.returncode == 2
    assert f'unknown label "{typed}"' in result.stderr and f"(did you mean {suggested}?)" in result.stderr, result.stderr


def test_dry_run_writes_nothing(cachalot):
    before = snapshot_cache()
    result = cachalot("invalidate", "auth", "--dry-run", "-v", "2")
    assert result.returncode == 0
    assert "would invalidate" in result.stdout
    assert snapshot_cache() == before


def test_table_key_values_are_what_django_writes(cachalot):
    """Byte-level: what each backend itself would store for the same float."""
    import pickle
    import zlib

    cachalot("invalidate", "auth.Group")
    data = stored_bytes("auth_group")
    value = cache.get(table_key("auth_group"))
    assert isinstance(value, float)
    if BACKEND == "filebased":
        expiry = pickle.dumps(None, pickle.HIGHEST_PROTOCOL)
        assert data[:len(expiry)] == expiry
        assert zlib.decompress(data[len(expiry):]) == pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    elif BACKEND.startswith("redis") or MEMCACHED:
        # Both memcached clients pickle with the highest protocol too (flags 1).
        assert data == pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    elif BACKEND.startswith("django-valkey"):
        # django-valkey: a float bypasses serializer and compressor
        # (util.encode), and valkey-py's Encoder sends it as its repr.
        from django_valkey.util import encode
        from valkey._parsers.encoders import Encoder

        client = cache.client
        assert data == Encoder("utf-8", "strict", False).encode(encode(value, client._serializer, client._compressor))
        assert data == repr(value).encode()
    else:
        # django-redis: its serializer's bytes, through its compressor when
        # longer than the compressor's threshold (lzma 100, others 15).
        from django_redis.exceptions import CompressorError

        client = cache.client
        payload = client._serializer.dumps(value)
        threshold = getattr(client._compressor, "min_length", 0)
        if type(client._compressor).__name__ == "IdentityCompressor" or len(payload) <= threshold:
            assert data == payload
        else:
            assert data != payload
            try:
                assert client._compressor.decompress(data) == payload
            except CompressorError:
                raise AssertionError(f"{type(client._compressor).__name__} cannot read what cachalot wrote")


def test_timeout_follows_cachalot_timeout(cachalot, edited_settings):
    """CACHALOT_TIMEOUT from the settings file becomes the key's expiry."""
    with edited_settings(lambda settings: settings.update(CACHALOT_TIMEOUT=300)):
        cachalot("invalidate", "auth.Permission")
    if BACKEND.endswith("-cluster"):
        # django-valkey's cluster set_many is MSET per slot: no expiry, as the site writes table keys.
        assert expires_in("auth_permission") == -0.001
        return
    # memcached keeps whole seconds; HerdClient adds CACHE_HERD_TIMEOUT (60 s).
    extra = 60 if BACKEND.endswith("-herd") else 0
    assert 289 + extra < expires_in("auth_permission") <= 300 + extra
    assert cache.get(table_key("auth_permission")) is not None


def test_a_cache_that_is_down_fails_alone_with_exit_1(cachalot, edited_settings, raw_db):
    """Two caches: the site's, and a Redis nobody listens on. The site's is
    still invalidated; the run says which failed and exits 1, quickly."""
    Book.objects.create(title="Up")
    assert titles() == ["Up"]
    stale_then(raw_db, "UPDATE catalogue_books SET title = 'Down'")
    urls = []
    with edited_settings(lambda settings: urls.append(add_dead_redis_cache(settings))):
        started = time.time()
        result = cachalot("invalidate", "library", "--timeout", "2", check=False)
    assert result.returncode == 1
    assert time.time() - started < 10
    assert f"cache 'down' ({urls[0]})" in result.stderr
    assert "successfully" not in result.stdout
    assert titles() == ["Down"]
    Book.objects.all().delete()


@pytest.mark.backends("redis", reason="Redis backends only")
def test_a_wrong_redis_password_is_exit_1(cachalot, edited_settings):
    def wrong_password(settings):
        settings["CACHES"]["default"]["LOCATION"] = os.environ["INTEROP_REDIS_URL"].replace("://", "://:wrong@", 1)

    with edited_settings(wrong_password):
        result = cachalot("last-invalidation", check=False)
    assert result.returncode == 1
    assert "authentication failed" in result.stderr


def test_missing_database_is_exit_1(cachalot, edited_settings):
    with edited_settings(break_database):
        result = cachalot("invalidate", check=False)
    assert result.returncode == 1
    expected = {"sqlite": "no such database file", "postgresql": "Connection refused", "mysql": "Can't connect"}[DATABASE]
    assert expected in result.stderr
    assert "database 'default'" in result.stderr


def test_labels_that_models_answers_need_no_database(cachalot, edited_settings):
    """A database that is down or being restored must not block an app's invalidation."""
    with edited_settings(break_database):
        result = cachalot("invalidate", "library", "auth.User")
        assert result.returncode == 0
        assert cachalot("last-invalidation", "library.Book").stdout == repr(get_last_invalidation("library.Book")) + "\n"
    assert stored_bytes("catalogue_books") is not None


if BACKEND.endswith("-herd"):
    def test_herd_client_wraps_what_it_writes_with_a_timeout(cachalot, edited_settings):
        """HerdClient stores (Marker(), value, int(time.time()) + timeout) with
        CACHE_HERD_TIMEOUT (60 s) more expiry; cachalot writes those bytes."""
        import pickle

        with edited_settings(lambda settings: settings.update(CACHALOT_TIMEOUT=300)):
            cachalot("invalidate", "auth.Group")
        data = stored_bytes("auth_group")
        client = cache.client
        compressor = getattr(client, "_compressor", None)
        packed = compressor.decompress(data) if compressor and type(compressor).__name__ != "IdentityCompressor" else data
        marker, value, stamp = pickle.loads(packed)
        assert type(marker).__name__ == "Marker" and abs(value - time.time()) < 60 and isinstance(stamp, int)
        # The site's own client packs and encodes the same tuple (django-valkey
        # compresses it too: its threshold is 15 bytes for every compressor).
        assert data == (client.encode((client._marker, value, stamp)) if BACKEND.startswith("django-valkey")
                        else client._serializer.dumps((client._marker, value, stamp)))
        assert 350 < expires_in("auth_group") <= 360
        assert cache.get(table_key("auth_group")) == value
        assert cachalot("last-invalidation", "auth.Group").stdout == repr(value) + "\n"


def test_the_export_command_records_the_sites_versions(settings_file):
    """VERSIONS, as cachalot reads them: django-redis's pickle protocol follows the Python recorded."""
    import sys
    from importlib.metadata import version

    import django

    versions = json.loads(settings_file.read_text())["VERSIONS"]
    assert versions["python"] == "%d.%d.%d" % sys.version_info[:3]
    assert versions["django"] == django.__version__
    assert versions["django-cachalot"] == version("django-cachalot")
    assert versions["django-redis"] == version("django-redis")
    assert versions["django-valkey"] == version("django-valkey")


if BACKEND.endswith("-herd"):
    @pytest.mark.parametrize("timeout", [300, 300.0])
    def test_a_herd_stamp_keeps_the_type_of_cachalot_timeout(cachalot, edited_settings, timeout):
        """HerdClient stores (Marker(), value, timeout + int(time.time())):
        the stamp is an int or a float as CACHALOT_TIMEOUT is, in Django's
        writes and in cachalot's."""
        import pickle
        cache.set("herd-probe", 1.5, timeout)
        def unpacked(key):
            return cache.client.decode(redis_client().get(key)) if BACKEND.startswith("django-valkey") \
                else pickle.loads(redis_client().get(key))
        # django-valkey's decode unwraps nothing: (Marker, value, stamp) comes back whole.
        django_stamp = unpacked(cache.make_key("herd-probe"))[2]
        with edited_settings(lambda settings: settings.update(CACHALOT_TIMEOUT=timeout)):
            cachalot("invalidate", "auth.Group")
        ours = unpacked(cache.make_key(table_key("auth_group")))[2]
        assert type(ours) is type(django_stamp) is type(timeout), (ours, django_stamp)


@pytest.mark.backends("filebased", reason="dispatch, not a backend, is under test")
@pytest.mark.databases("sqlite", reason="dispatch, not a database, is under test")
def test_every_command_reaches_its_own_code(cachalot):
    """Each command's output is one only that command makes: a command
    table that sent one command to another's function fails here."""
    expected = {
        ("invalidate", "auth"): lambda out: out.endswith("Cache keys successfully invalidated.\n"),
        ("last-invalidation", "auth"): lambda out: float(out) > 0,
        ("query", "--format", "json", "SELECT 1 AS one FROM auth_user LIMIT 1"): lambda out: json.loads(out) == [],
        ("stats",): lambda out: out.startswith("[cache default]\nbackend: filebased\n"),
        ("watch", "--for", "0.1", "--json"): lambda out: json.loads(out.splitlines()[-1])["type"] == "summary",
        ("doctor",): lambda out: out.startswith("OK    settings: "),
        ("completions", "bash"): lambda out: "complete -F" in out,
    }
    for args, looks_right in expected.items():
        result = cachalot(*args)
        assert looks_right(result.stdout), (args, result.stdout[:300])
