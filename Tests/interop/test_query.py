"""`cachalot query` against what the real Django site caches and writes."""
import hashlib
import json
import os
import signal
from contextlib import contextmanager

from django.core.cache import cache
from library.models import Author, Book

import conftest


def peek(cachalot, sql, params):
    args = ["query", "--peek", "--format", "json", sql]
    for param in params:
        args += ["--param", str(param)]
    return json.loads(cachalot(*args).stdout)


def test_peek_sees_what_django_cached_with_and_without_parameters(cachalot):
    Book.objects.create(title="One")
    Book.objects.create(title="It's two")
    for queryset in (Book.objects.order_by("id"), Book.objects.filter(title="It's two"),
                     Book.objects.filter(id__gt=0).values_list("title", flat=True)):
        expected = [list(row) for row in queryset.values_list()] if not queryset.query.values_select else None
        list(queryset)  # Django caches it
        sql, params = queryset.query.sql_with_params()
        seen = peek(cachalot, sql, params)
        assert seen["cached"] is True and seen["fresh"] is True, (sql, params, seen)
        rows = [list(row.values()) for row in seen["rows"]]
        if expected is not None:
            assert rows == expected
        else:
            assert [row[0] for row in rows] == list(queryset)
    Book.objects.all().delete()


def test_peek_of_an_uncached_query_says_so(cachalot):
    seen = peek(cachalot, "SELECT name FROM library_author WHERE id = %s", [12345])
    assert seen["cached"] is False and seen["rows"] == []


def test_cli_cached_query_is_invalidated_by_a_django_write(cachalot):
    Author.objects.create(name="Ann")
    sql = "SELECT name FROM library_author ORDER BY name"
    first = cachalot("query", "-v", "--format", "json", sql)
    assert "miss" in first.stderr and json.loads(first.stdout) == [{"name": "Ann"}]
    second = cachalot("query", "-v", "--format", "json", sql)
    assert "hit" in second.stderr

    # What the CLI stored loads in Python as (float, list of tuples), under
    # its own key: Django's key for the same SQL stays untouched.
    django_key = hashlib.sha1(f"default:{sql}:[]".encode()).hexdigest()
    cli_key = hashlib.sha1(f"default:{sql}:[]:cachalot-cli".encode()).hexdigest()
    stored = cache.get(cli_key)
    from store import NO_TUPLES, is_query_entry

    assert is_query_entry(stored) and stored[1] == ([["Ann"]] if NO_TUPLES else [("Ann",)])
    assert cache.get(django_key) is None

    Author.objects.create(name="Bob")  # cachalot in Django invalidates library_author
    third = cachalot("query", "-v", "--format", "json", sql)
    assert "miss" in third.stderr
    assert json.loads(third.stdout) == [{"name": "Ann"}, {"name": "Bob"}]
    Author.objects.all().delete()


def test_write_is_refused_without_write_and_invalidates_with_it(cachalot):
    Book.objects.create(title="Before")
    assert list(Book.objects.values_list("title", flat=True)) == ["Before"]
    refused = cachalot("query", "UPDATE catalogue_books SET title = 'After'", check=False)
    assert refused.returncode == 2
    assert list(Book.objects.values_list("title", flat=True)) == ["Before"]

    done = cachalot("query", "--write", "UPDATE catalogue_books SET title = %s", "--param", "After")
    assert done.stdout.startswith("1 row changed; invalidated catalogue_books")
    assert list(Book.objects.values_list("title", flat=True)) == ["After"]
    Book.objects.all().delete()


def test_a_failed_write_rolls_back_and_invalidates_nothing(cachalot):
    from cachalot.api import get_last_invalidation

    book = Book.objects.create(title="Only")
    before = get_last_invalidation("library.Book")
    failed = cachalot("query", "--write", "INSERT INTO catalogue_books (id, title) VALUES (%s, %s)",
                      "--param", str(book.pk), "--param", "dup", check=False)
    assert failed.returncode == 1
    assert "unique" in failed.stderr.lower() or "duplicate entry" in failed.stderr.lower()
    assert get_last_invalidation("library.Book") == before
    Book.objects.all().delete()


def test_corrupt_entry_is_reported_with_exit_1(cachalot):
    sql = "SELECT id FROM library_author"
    key = hashlib.sha1(f"default:{sql}:[]".encode()).hexdigest()
    from store import BACKEND, put_raw

    put_raw(key, b"\x80\x05N.not zlib at all" if BACKEND == "filebased" else b"\x80\x05\x95garbage")
    result = cachalot("query", "--peek", sql, check=False)
    assert result.returncode == 1
    assert "cachalot: error:" in result.stderr and "Traceback" not in result.stderr


def test_a_read_behind_a_comment_is_a_read_and_sql_starting_with_dashes_is_explained(cachalot):
    """Write keywords inside comments or quotes do not make a read a write;
    SQL that starts with `--` would be read as an option: the message says
    how to give it."""
    Author.objects.create(name="delete me")
    result = cachalot("query", "--format", "json", "/* update nightly */ SELECT name FROM library_author WHERE name = 'delete me'")
    assert [row["name"] for row in json.loads(result.stdout)] == ["delete me"]
    dashes = cachalot("query", "-- the report\nSELECT 1", check=False)
    assert dashes.returncode == 2
    assert "looks like SQL" in dashes.stderr and "put -- before" in dashes.stderr
    assert json.loads(cachalot("query", "--format", "json", "--", "-- the report\nSELECT name FROM library_author").stdout)
    Author.objects.all().delete()


@contextmanager
def database_unreachable(settings_file):
    """The site's database cannot answer: SQLite's file moved away, or the
    server stopped (SIGSTOP: a connection waits for a handshake that never comes)."""
    if conftest.DATABASE == "sqlite":
        path = json.loads(settings_file.read_text())["DATABASES"]["default"]["NAME"]
        os.rename(path, path + ".away")
        try:
            yield
        finally:
            os.rename(path + ".away", path)
    else:
        conftest.POSTGRESQL.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            conftest.POSTGRESQL.send_signal(signal.SIGCONT)


def test_a_hit_needs_no_database_once_the_statement_was_analysed(cachalot, settings_file):
    """What the database said about a statement is remembered beside its
    entries: the next hit is read from the cache alone, until a write
    changes one of its tables' stamps."""
    Author.objects.create(name="Ann")
    sql = "SELECT name FROM library_author WHERE name = %s"
    query = ["query", "-v", "--timeout", "3", "--format", "json", sql, "--param", "Ann"]
    assert "miss" in cachalot(*query).stderr
    with database_unreachable(settings_file):
        hit = cachalot(*query, check=False)
    assert hit.returncode == 0, hit.stderr
    assert "hit (database not opened" in hit.stderr and json.loads(hit.stdout) == [{"name": "Ann"}]

    Author.objects.create(name="Ann")  # django-cachalot invalidates library_author: the stamp changed
    with database_unreachable(settings_file):
        needs_database = cachalot(*query, check=False)
    assert needs_database.returncode != 0, needs_database.stdout
    again = cachalot(*query)
    assert "miss" in again.stderr and json.loads(again.stdout) == [{"name": "Ann"}, {"name": "Ann"}]

    # Django's own entry: the first hit asks the database once, the next one does not.
    queryset = Author.objects.filter(name="Ann").values_list("name")
    list(queryset)
    django_sql, params = queryset.query.sql_with_params()
    django_query = ["query", "-v", "--timeout", "3", django_sql] + [f"--param={param}" for param in params]
    first = cachalot(*django_query)
    assert first.stderr.startswith("cachalot: hit,"), first.stderr
    with database_unreachable(settings_file):
        second = cachalot(*django_query, check=False)
    assert second.returncode == 0 and "hit (database not opened" in second.stderr, second.stderr
    Author.objects.all().delete()


def test_a_read_through_a_view_asks_the_database_every_time(cachalot, raw_db):
    """A view can be defined again without naming the tables it read (no
    stamp of theirs changes): what the database said about a statement
    through one is never remembered."""
    raw_db.execute("CREATE VIEW author_names AS SELECT name FROM library_author")
    raw_db.commit()
    try:
        Author.objects.create(name="Ann")
        sql = "SELECT name FROM author_names ORDER BY name"
        cachalot("query", sql)
        hit = cachalot("query", "-v", "--format", "json", sql)
        assert hit.stderr.startswith("cachalot: hit,") and "library_author" in hit.stderr, hit.stderr
        # Defined again to read another table: a remembered analysis would still judge by library_author.
        raw_db.execute("DROP VIEW author_names")
        raw_db.execute("CREATE VIEW author_names AS SELECT title AS name FROM catalogue_books")
        raw_db.commit()
        Book.objects.create(title="Zed")  # invalidates catalogue_books only
        fresh = cachalot("query", "-v", "--format", "json", sql)
        assert json.loads(fresh.stdout) == [{"name": "Zed"}], fresh.stderr
    finally:
        raw_db.execute("DROP VIEW author_names")
        raw_db.commit()
        Author.objects.all().delete()
        Book.objects.all().delete()


def test_nothing_is_remembered_when_raw_sql_does_not_invalidate(cachalot, edited_settings):
    """Without CACHALOT_INVALIDATE_RAW a migration's DDL changes no stamp:
    every call asks the database."""
    Author.objects.create(name="Ann")
    sql = "SELECT name FROM library_author"
    with edited_settings(lambda settings: settings.update(CACHALOT_INVALIDATE_RAW=False)):
        cachalot("query", sql)
        second = cachalot("query", "-v", sql)
    assert second.stderr.startswith("cachalot: hit,"), second.stderr
    Author.objects.all().delete()
