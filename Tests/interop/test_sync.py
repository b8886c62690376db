"""`cachalot sync` against the real site: writes behind Django's back are
found from the database's own evidence, only their tables are invalidated,
and the site serves fresh rows; missing evidence means invalidation."""
import json
import signal
import subprocess
import time

import pytest
from cachalot.api import get_last_invalidation
from django.core.cache import cache
from django.db import connection
from library.models import Author, Book

from conftest import DATABASE, RawDatabase, binary, restart_database, wait_for_database


@pytest.fixture(autouse=True)
def no_rows():
    """The tables these tests write start empty, whatever earlier tests left."""
    Book.objects.all().delete()
    Author.objects.all().delete()


def titles():
    return sorted(Book.objects.values_list("title", flat=True))


def behind_django(*statements):
    """Writes as a cron job would, on its own connection. PostgreSQL counts
    a write once the session flushes its statistics: forced at commit here
    (a later sync would find it anyway; the test wants this one to)."""
    raw = RawDatabase()
    for sql in statements:
        raw.execute(sql)
    if DATABASE == "postgresql":
        raw.execute("SELECT pg_stat_force_next_flush()")
    raw.commit()
    raw.close()


def sync(cachalot, *args):
    """`cachalot sync --json`, once the site's own writes are counted:
    Django's persistent connection flushes its statistics up to ~10 s
    late, and a late count would show up as a change in a later sync."""
    if DATABASE == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
    return json.loads(cachalot("sync", "--json", *args).stdout)


def changed(report):
    return sorted({table for result in report["results"] for table in result["changed"]})


def test_first_sync_invalidates_every_table_then_none(cachalot):
    before = time.time()
    first = sync(cachalot)
    assert all(before <= result["evidence_read_at"] <= time.time() and result["evidence_read_iso"].endswith("+00:00")
               for result in first["results"])
    assert {result["reason"] for result in first["results"]} == {"first run"}
    assert "catalogue_books" in changed(first) and all(result["evidence_saved"] for result in first["results"])
    assert get_last_invalidation("library.Book") > 0
    second = sync(cachalot)
    assert changed(second) == [] and not any(result["evidence_saved"] for result in second["results"])


def test_a_write_behind_django_invalidates_its_table_only(cachalot):
    Book.objects.create(title="Before")
    Author.objects.create(name="Ann")
    sync(cachalot)
    assert titles() == ["Before"]
    authors_stamp = get_last_invalidation("library.Author")
    behind_django("UPDATE catalogue_books SET title = 'After'")
    assert titles() == ["Before"], "Django serves the cached (stale) rows"
    report = sync(cachalot)
    assert changed(report) == ["catalogue_books"], report
    assert titles() == ["After"]
    assert get_last_invalidation("library.Author") == authors_stamp
    assert changed(sync(cachalot)) == []
    Book.objects.all().delete()
    Author.objects.all().delete()


def test_deletes_and_truncates_are_found(cachalot):
    Author.objects.create(name="Ann")
    Book.objects.create(title="Dune")
    sync(cachalot)
    assert list(Author.objects.values_list("name", flat=True)) == ["Ann"]
    # TRUNCATE moves no row counter on PostgreSQL (only the relfilenode);
    # SQLite has none. Both servers refuse it on a referenced table unless told.
    emptied = {"sqlite": ["DELETE FROM catalogue_books"],
               "postgresql": ["TRUNCATE TABLE catalogue_books CASCADE"],
               "mysql": ["SET FOREIGN_KEY_CHECKS = 0", "TRUNCATE TABLE catalogue_books", "SET FOREIGN_KEY_CHECKS = 1"]}[DATABASE]
    behind_django("DELETE FROM library_author", *emptied)
    cascaded = ["catalogue_books_authors"] if DATABASE == "postgresql" else []
    assert changed(sync(cachalot)) == sorted(["catalogue_books", "library_author"] + cascaded)
    assert list(Author.objects.values_list("name", flat=True)) == [] and titles() == []


def test_dry_run_says_what_and_writes_nothing(cachalot):
    sync(cachalot)
    stamp = get_last_invalidation("library.Author")
    behind_django("INSERT INTO library_author (name) VALUES ('Zoe')")
    dry = sync(cachalot, "--dry-run")
    assert dry["dry_run"] and changed(dry) == ["library_author"]
    assert not any(result["invalidated"] or result["evidence_saved"] for result in dry["results"])
    assert get_last_invalidation("library.Author") == stamp
    assert changed(sync(cachalot)) == ["library_author"]
    Author.objects.all().delete()


def test_a_flushed_cache_is_a_first_run(cachalot):
    sync(cachalot)
    cache.clear()
    assert {result["reason"] for result in sync(cachalot)["results"]} == {"first run"}


@pytest.mark.databases("postgresql", "the statistics counters are PostgreSQL's")
def test_a_statistics_reset_invalidates_every_table(cachalot):
    import os

    import psycopg

    sync(cachalot)
    with psycopg.connect(host="127.0.0.1", port=os.environ["INTEROP_PG_PORT"], dbname="site", user="postgres",
                         autocommit=True) as superuser:
        superuser.execute("SELECT pg_stat_reset()")
    report = sync(cachalot)
    assert {result["reason"] for result in report["results"]} == {"evidence restarted"}
    assert "catalogue_books" in changed(report)


def test_text_output_names_the_changed_tables(cachalot):
    sync(cachalot)
    behind_django("INSERT INTO library_author (name) VALUES ('Bo')")
    lines = cachalot("sync").stdout.splitlines()
    assert any("database 'default': 1 of" in line and "changed: library_author; invalidated" in line for line in lines), lines
    Author.objects.all().delete()


@pytest.mark.databases("postgresql", "the site's model on a view and its schema-qualified db_table are PostgreSQL's")
def test_a_view_changes_with_the_tables_it_reads_and_a_qualified_table_is_followed(cachalot):
    sync(cachalot)
    behind_django("INSERT INTO pgshop_item (name, price, added, uid, data) "
                  "VALUES ('pen', 1, now(), gen_random_uuid(), '{}')")
    assert changed(sync(cachalot)) == ["pgshop_item", "pgshop_itemview"]
    behind_django("INSERT INTO public.pgshop_shelf (name) VALUES ('top')")
    # The table is keyed twice by Django: by its qualified db_table and by the
    # name introspection lists; both move.
    assert changed(sync(cachalot)) == ['"public"."pgshop_shelf"', "pgshop_shelf"]


def test_syncs_running_at_once_lose_no_change(cachalot, settings_file):
    Book.objects.create(title="Book 0")
    sync(cachalot)
    for round_ in range(1, 4):
        assert titles() == [f"Book {round_ - 1}"]  # cached
        behind_django(f"UPDATE catalogue_books SET title = 'Book {round_}'")
        if DATABASE == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_force_next_flush()")
        racing = [subprocess.Popen([binary(), "--settings", str(settings_file), "sync"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        for process in racing:
            assert process.wait(timeout=60) == 0, process.stderr.read()
        # Whichever sync saved last, the change was invalidated before any
        # evidence of it was saved.
        assert titles() == [f"Book {round_}"]
    Book.objects.all().delete()


def test_follow_finds_each_change_as_it_comes(cachalot, settings_file):
    Book.objects.create(title="Followed")
    sync(cachalot)
    follow = subprocess.Popen([binary(), "--settings", str(settings_file), "sync", "--follow", "--interval", "0.2", "--for", "20",
                               "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        behind_django("INSERT INTO library_author (name) VALUES ('Followed')")
        line = follow.stdout.readline()
        assert line, follow.stderr.read()
        first = json.loads(line)
        assert changed(first) == ["library_author"] and first["iso"].endswith("+00:00")
        assert list(Author.objects.values_list("name", flat=True)) == ["Followed"]
        behind_django("UPDATE catalogue_books SET title = 'Followed too'")
        assert changed(json.loads(follow.stdout.readline())) == ["catalogue_books"]
        assert titles() == ["Followed too"]
        time.sleep(0.5)  # passes that find nothing
        follow.send_signal(signal.SIGTERM)  # ends the follow between passes, as Ctrl-C does
        out, err = follow.communicate(timeout=10)
        assert follow.returncode == 0, err
        assert out == "", "passes that find nothing print nothing"
    finally:
        follow.kill()
    Author.objects.all().delete()
    Book.objects.all().delete()


@pytest.mark.databases("postgresql", "INHERITS is PostgreSQL's")
def test_a_parent_table_moves_with_its_children(cachalot):
    behind_django("CREATE TABLE sync_parent (id int)", "CREATE TABLE sync_child () INHERITS (sync_parent)")
    try:
        sync(cachalot)
        behind_django("INSERT INTO sync_child VALUES (1)")  # SELECT FROM sync_parent now sees it
        assert changed(sync(cachalot)) == ["sync_child", "sync_parent"]
    finally:
        behind_django("DROP TABLE sync_child", "DROP TABLE sync_parent")


def test_an_insert_undone_before_the_next_sync_is_still_found(cachalot):
    # The site may have cached the row in between: PostgreSQL counts both
    # writes, SQLite's AUTOINCREMENT and MySQL's AUTO_INCREMENT move.
    sync(cachalot)
    behind_django("INSERT INTO library_author (name) VALUES ('Ghost')", "DELETE FROM library_author WHERE name = 'Ghost'")
    assert changed(sync(cachalot)) == ["library_author"]


PAIR = "CREATE TABLE sync_pair (id INTEGER PRIMARY KEY, given VARCHAR(20) NOT NULL, family VARCHAR(20) NOT NULL)"


def expect_found(cachalot, table, create, change, drop=None):
    """Makes `table` behind Django's back, syncs, then makes `change`: the
    next sync names `table` alone."""
    behind_django(*create)
    try:
        sync(cachalot)
        behind_django(*change)
        assert changed(sync(cachalot)) == [table]
    finally:
        behind_django(*(drop or [f"DROP TABLE {table}"]))


@pytest.mark.parametrize("rows, change", [
    # MySQL's CHECKSUM TABLE runs one CRC over a row's values end to end:
    # ('Ann', 'Marie') and ('AnnM', 'arie') sum alike, and the site kept the old row.
    ("(1, 'Ann', 'Marie')", ["UPDATE sync_pair SET given = 'AnnM', family = 'arie'"]),
    ("(1, 'Bob', '')", ["UPDATE sync_pair SET given = '', family = 'Bob'"]),
    # CRCs are linear: with a CRC-32 per row, CHECKSUM TABLE and a sum of
    # row CRCs both stayed when these two rows traded values.
    ("(1, 'MW', 'eXprbM'), (2, 'MWeXp', 'rbM')", ["UPDATE sync_pair SET given = 'MWeXp', family = 'rbM' WHERE id = 1",
                                                  "UPDATE sync_pair SET given = 'MW', family = 'eXprbM' WHERE id = 2"]),
    # No value moves, no counter and no file; the site's cached
    # SELECT "given", "family" now reads the other column's values.
    ("(1, 'new', 'c')", ["ALTER TABLE sync_pair RENAME COLUMN given TO spare", "ALTER TABLE sync_pair RENAME COLUMN family TO given",
                         "ALTER TABLE sync_pair RENAME COLUMN spare TO family"]),
])
def test_values_moving_between_columns_or_rows_are_found(rows, change, cachalot):
    expect_found(cachalot, "sync_pair", [PAIR, f"INSERT INTO sync_pair (id, given, family) VALUES {rows}"], change)


@pytest.mark.databases("postgresql", "a column added without rewriting the table is PostgreSQL's")
def test_a_column_dropped_and_added_again_is_found(cachalot):
    # No counter, no relfilenode; the same names and types in the same order.
    expect_found(cachalot, "sync_pair", [PAIR, "INSERT INTO sync_pair (id, given, family) VALUES (1, 'x', 'old')"],
                 ["ALTER TABLE sync_pair DROP COLUMN family", "ALTER TABLE sync_pair ADD COLUMN family VARCHAR(20) NOT NULL DEFAULT 'new'"])


@pytest.mark.databases("postgresql", "enum types are PostgreSQL's")
def test_an_enum_value_renamed_is_found(cachalot):
    expect_found(cachalot, "sync_moods", ["CREATE TYPE sync_mood AS ENUM ('sad', 'ok')",
                                          "CREATE TABLE sync_moods (id INTEGER PRIMARY KEY, mood sync_mood)",
                                          "INSERT INTO sync_moods (id, mood) VALUES (1, 'sad')"],
                 ["ALTER TYPE sync_mood RENAME VALUE 'sad' TO 'blue'"], drop=["DROP TABLE sync_moods", "DROP TYPE sync_mood"])


@pytest.mark.databases("mysql", "CONCAT_WS's charset rules are MySQL's")
def test_a_table_mixing_charsets_has_evidence(cachalot):
    # CONCAT_WS refuses utf8mb4 with utf16 ("Illegal mix of collations"):
    # no evidence, so "changed" at every sync.
    behind_django("CREATE TABLE sync_mixed (id INTEGER PRIMARY KEY, a VARCHAR(10) CHARACTER SET utf8mb4, b VARCHAR(10) CHARACTER SET utf16)",
                  "INSERT INTO sync_mixed (id, a, b) VALUES (1, 'x', 'y')")
    try:
        sync(cachalot)
        assert changed(sync(cachalot)) == []
    finally:
        behind_django("DROP TABLE sync_mixed")


@pytest.mark.databases("sqlite", "a SQLite generated column's expression")
def test_a_generated_columns_expression_is_read(cachalot):
    # Same stored values, same high-water mark; w reads 15 instead of 10.
    expect_found(cachalot, "sync_generated",
                 ["CREATE TABLE sync_generated (id INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER, w INTEGER GENERATED ALWAYS AS (v * 2))",
                  "INSERT INTO sync_generated (v) VALUES (5)"],
                 ["DROP TABLE sync_generated",
                  "CREATE TABLE sync_generated (id INTEGER PRIMARY KEY AUTOINCREMENT, v INTEGER, w INTEGER GENERATED ALWAYS AS (v * 3))",
                  "INSERT INTO sync_generated (id, v) VALUES (1, 5)"])


@pytest.mark.databases("sqlite", "SQLite runs a virtual column's expression when it is read")
def test_a_virtual_column_calling_the_sites_function_keeps_the_table_evidence(cachalot):
    # Django registers functions of its own on its connections (a GeneratedField
    # over ExtractYear calls django_date_extract); cachalot's has none of them.
    import os
    import sqlite3

    raw = sqlite3.connect(os.environ["INTEROP_DB"])
    raw.create_function("site_twice", 1, lambda value: value * 2, deterministic=True)
    raw.execute("CREATE TABLE sync_virtual (id INTEGER PRIMARY KEY, v INTEGER, w INTEGER GENERATED ALWAYS AS (site_twice(v)) VIRTUAL)")
    raw.execute("INSERT INTO sync_virtual (id, v) VALUES (1, 5)")
    raw.commit()
    try:
        sync(cachalot)
        assert changed(sync(cachalot)) == []
        raw.execute("UPDATE sync_virtual SET v = 6")
        raw.commit()
        assert changed(sync(cachalot)) == ["sync_virtual"]
    finally:
        raw.execute("DROP TABLE sync_virtual")
        raw.commit()
        raw.close()


@pytest.mark.databases("sqlite", "only a SQLite column of no declared type keeps -0.0")
def test_a_zero_changing_sign_is_found(cachalot):
    # printf('%!.17g') printed both as 0.0; the site reads -0.0 back.
    behind_django("CREATE TABLE sync_untyped (id INTEGER PRIMARY KEY, x)", "INSERT INTO sync_untyped (id, x) VALUES (1, 0.0)")
    try:
        sync(cachalot)
        raw = RawDatabase()
        raw.execute("UPDATE sync_untyped SET x = ?", (-0.0,))
        raw.commit()
        raw.close()
        assert changed(sync(cachalot)) == ["sync_untyped"]
    finally:
        behind_django("DROP TABLE sync_untyped")


@pytest.mark.databases("sqlite", "SQLite's limit on an expression's depth")
def test_a_table_of_300_columns_has_evidence(cachalot):
    # One expression joining every column passed SQLite's depth limit at
    # some 250 columns: no evidence, so "changed" at every sync.
    columns = ", ".join(f"c{index} INTEGER" for index in range(300))
    behind_django(f"CREATE TABLE sync_wide (id INTEGER PRIMARY KEY, {columns})", "INSERT INTO sync_wide (id, c299) VALUES (1, 7)")
    try:
        sync(cachalot)
        assert changed(sync(cachalot)) == []
        behind_django("UPDATE sync_wide SET c299 = 8")
        assert changed(sync(cachalot)) == ["sync_wide"]
    finally:
        behind_django("DROP TABLE sync_wide")


@pytest.mark.databases("sqlite", "the name is bound as a parameter on SQLite")
def test_an_insert_undone_in_a_table_named_like_a_number_is_still_found(cachalot):
    # SQLite's high-water mark is looked up by the table's name: bound as a
    # number, "2024" matched no row of sqlite_sequence and the mark was lost.
    behind_django('CREATE TABLE "2024" (id integer PRIMARY KEY AUTOINCREMENT, name text)')
    try:
        sync(cachalot)
        behind_django("""INSERT INTO "2024" (name) VALUES ('Ghost')""", 'DELETE FROM "2024"')
        assert changed(sync(cachalot)) == ["2024"]
    finally:
        behind_django('DROP TABLE "2024"')


@pytest.mark.databases("sqlite", "Django's SQLite converters are the point")
@pytest.mark.datetime_rows
def test_values_django_reads_alike_are_told_apart(cachalot):
    # Django's bool converter reads anything but 1 as False: the stored
    # value moved all the same, and `WHERE is_staff` sees the difference.
    from django.contrib.auth.models import User

    User.objects.create(username="ann", is_staff=False)
    sync(cachalot)
    behind_django("UPDATE auth_user SET is_staff = 2 WHERE username = 'ann'")
    assert "auth_user" in changed(sync(cachalot))
    User.objects.all().delete()


@pytest.mark.backends("redis", "the damaged value is written with a raw Redis client")
def test_saved_evidence_that_cannot_be_read_is_a_first_run(cachalot):
    import hashlib

    from store import redis_client

    sync(cachalot)
    made = cache.make_key("cachalot-sync:" + hashlib.sha1(b"default").hexdigest())
    redis_client(made).set(made, b"\x80\x05garbage")
    report = sync(cachalot)
    assert {result["reason"] for result in report["results"]} == {"first run"} and report["ok"]
    assert changed(sync(cachalot)) == []


@pytest.mark.databases("postgresql", "the statistics a crash discards are PostgreSQL's")
def test_a_crashed_backend_makes_every_table_changed(cachalot):
    # A crash discards every counter without moving the database's
    # stats_reset or the start time: the same writes after it would bring
    # the counters back to the saved values. pg_stat_bgwriter's stats_reset moves.
    import os

    sync(cachalot)
    victim = RawDatabase()
    pid = victim.execute("SELECT pg_backend_pid()").fetchone()[0]
    os.kill(pid, signal.SIGKILL)  # the postmaster resets every backend and recovers
    connection.close()
    wait_for_database("the crash", seconds=30)
    report = sync(cachalot)
    assert {result["reason"] for result in report["results"]} == {"evidence restarted"}
    assert "catalogue_books" in changed(report)


@pytest.mark.databases("postgresql", "mysql", "a server of its own to restart")
def test_a_server_restart_loses_no_change(cachalot):
    # PostgreSQL keeps its counters over a clean restart, but its start time
    # is part of the evidence: every table is invalidated. MariaDB's
    # checksums are the rows themselves and survive it.
    Book.objects.create(title="Before")
    sync(cachalot)
    assert titles() == ["Before"]  # cached
    behind_django("UPDATE catalogue_books SET title = 'After'")
    restart_database()
    report = sync(cachalot)
    if DATABASE == "postgresql":
        assert {result["reason"] for result in report["results"]} == {"evidence restarted"}
    assert "catalogue_books" in changed(report)
    assert titles() == ["After"]
    assert changed(sync(cachalot)) == []


def dump_table(table):
    """The engine's own dump tool's output for one table's rows, as an
    operator would keep it for a restore."""
    import os

    if DATABASE == "postgresql":
        return subprocess.run(["pg_dump", "-h", "127.0.0.1", "-p", os.environ["INTEROP_PG_PORT"], "-U", "site", "--data-only",
                               "-t", table, "site"], env={**os.environ, "PGPASSWORD": "site-pass"},
                              check=True, capture_output=True, text=True).stdout
    if DATABASE == "mysql":
        return subprocess.run(["mariadb-dump", "--no-defaults", "-h", "127.0.0.1", "-P", os.environ["INTEROP_MYSQL_PORT"], "-u", "site",
                               "-psite-pass", "site", table], check=True, capture_output=True, text=True).stdout
    return subprocess.run(["sqlite3", os.environ["INTEROP_DB"], f".dump {table}"], check=True, capture_output=True, text=True).stdout


def restore_table(table, dump):
    """What a restore of that one table does, through the engine's own
    client: PostgreSQL's data-only dump goes back after a TRUNCATE, MariaDB's
    and SQLite's dumps drop and recreate the table."""
    import os

    if DATABASE == "postgresql":
        script = f"TRUNCATE {table} CASCADE;\n" + dump
        subprocess.run(["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", os.environ["INTEROP_PG_PORT"],
                        "-U", "site", "site"], input=script, env={**os.environ, "PGPASSWORD": "site-pass"},
                       check=True, capture_output=True, text=True)
    elif DATABASE == "mysql":
        subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", os.environ["INTEROP_MYSQL_PORT"], "-u", "site",
                        "-psite-pass", "site"], input=dump, check=True, capture_output=True, text=True)
    else:
        subprocess.run(["sqlite3", os.environ["INTEROP_DB"]], input=f"PRAGMA foreign_keys = OFF; DROP TABLE {table};\n" + dump,
                       check=True, capture_output=True, text=True)


def test_a_table_restored_from_a_dump_is_found(cachalot):
    Book.objects.create(title="Dumped")
    dump = dump_table("catalogue_books")
    Book.objects.update(title="Edited")  # Django invalidates its own write
    sync(cachalot)
    assert titles() == ["Edited"]  # cached
    restore_table("catalogue_books", dump)
    assert "catalogue_books" in changed(sync(cachalot))
    assert titles() == ["Dumped"]


@pytest.mark.databases("postgresql", "mysql", "a server of its own to restart")
def test_follow_survives_a_database_restart(cachalot, settings_file):
    sync(cachalot)
    follow = subprocess.Popen([binary(), "--settings", str(settings_file), "sync", "--follow", "--interval", "0.2", "--for", "60",
                               "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        restart_database()  # passes while it is down fail and are retried
        behind_django("INSERT INTO library_author (name) VALUES ('Restarted')")
        while True:  # PostgreSQL's first pass after the restart invalidates every table
            line = follow.stdout.readline()
            assert line, follow.stderr.read()
            if "library_author" in changed(json.loads(line)):
                break
        assert list(Author.objects.values_list("name", flat=True)) == ["Restarted"]
        behind_django("INSERT INTO library_author (name) VALUES ('Again')")
        assert changed(json.loads(follow.stdout.readline())) == ["library_author"]
        assert sorted(Author.objects.values_list("name", flat=True)) == ["Again", "Restarted"]
        follow.send_signal(signal.SIGTERM)
        follow.communicate(timeout=10)
        assert follow.returncode == 0
    finally:
        follow.kill()
    Author.objects.all().delete()
