"""`cachalot watch` while the real Django site writes through its ORM: every
write's invalidation appears, with exactly the tables Django moved and the
time it stored, and nothing else appears; watch itself writes nothing."""
import json
import signal
import subprocess
import time

import pytest

from django.core.cache import cache
from django.db import connection
from library.models import Author, Book
from conftest import binary
from store import BACKEND, stored_entries, table_key


def stamps():
    """Every table's stored invalidation time, as Django reads it."""
    return {table: cache.get(table_key(table)) for table in connection.introspection.table_names()}


def moved(before, after):
    return {(table, after[table]) for table in after if after[table] is not None and after[table] != before.get(table)}


def watch(settings_file, *args):
    return subprocess.Popen([binary(), "--settings", str(settings_file), "watch", "--json", "--interval", "0.1", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_watching(process):
    """The notes on stderr: how each cache is followed, then "watching" once
    the tables are resolved and the stores open. Returns them."""
    notes = []
    while not notes or "watching" not in notes[-1]:
        notes.append(process.stderr.readline())
        assert notes[-1], notes
    return "".join(notes)


def test_every_orm_write_is_one_group_of_events_and_nothing_else(settings_file):
    Author.objects.create(name="Before")  # table keys exist before watch starts
    process = watch(settings_file, "--for", "2.5")
    wait_until_watching(process)
    time.sleep(0.3)
    expected = []
    writes = [lambda: Author.objects.create(name="Ann"),
              lambda: Book.objects.create(title="One"),
              lambda: Author.objects.filter(name="Ann").update(name="Anne")]
    for write in writes:
        before = stamps()
        write()
        expected.append(moved(before, stamps()))
        time.sleep(0.4)  # several polls apart
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    events, summary = lines[:-1], lines[-1]
    assert all(event["type"] == "invalidation" for event in events)
    assert summary["type"] == "summary" and summary["final"] is True
    # One group per write (a write is one set_many with one time() for all its tables) ...
    groups = {}
    for event in events:
        groups.setdefault(event["time"], set()).add((event["table"], event["time"]))
    assert sorted(groups.values(), key=min) == sorted([group for group in expected if group], key=min)
    # ... and each event knows its group's size, its model and the gap.
    for event in events:
        assert event["together"] == len(groups[event["time"]]), event
        assert event["cache"] == "default" and event["database"] == "default"
    assert next(e for e in events if e["table"] == "library_author")["models"] == ["library.Author"]
    first_author = next(e for e in events if e["table"] == "library_author")
    assert first_author["gap_seconds"] is not None and first_author["gap_seconds"] > 0
    assert summary["invalidations"] == len(events)
    busiest = summary["tables"][0]
    assert busiest["table"] == "library_author" and busiest["invalidations"] == sum(
        1 for group in expected for table, _ in group if table == "library_author")
    assert summary["polls"] >= 10 and summary["poll_ms_median"] > 0


def test_an_interval_below_a_hundredth_of_a_second_is_a_usage_error(cachalot):
    result = cachalot("watch", "--interval", "0.001", check=False)
    assert result.returncode == 2 and "at least 0.01" in result.stderr and not result.stdout


def test_watch_writes_nothing_and_ends_with_a_summary_on_ctrl_c(settings_file):
    Author.objects.create(name="Ann")
    before = {name: repr(value) for name, value in stored_entries()}
    process = watch(settings_file)
    wait_until_watching(process)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert summary["type"] == "summary" and summary["invalidations"] == 0 and summary["polls"] >= 2
    assert {name: repr(value) for name, value in stored_entries()} == before


if BACKEND in ("redis", "django-redis"):
    # Defined on the one-server Redis runs only (they need a server of their own), never skipped elsewhere.
    def own_redis_settings(port):
        def change(settings):
            settings["CACHES"]["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/0"
        return change

    def test_a_cache_restart_is_survived_and_said(cachalot, edited_settings, settings_file):
        from conftest import start_redis

        server, port = start_redis()
        try:
            with edited_settings(own_redis_settings(port)):
                cachalot("invalidate", "library")
                process = watch(settings_file, "--for", "6", "--timeout", "0.5")
                wait_until_watching(process)
                server.terminate()
                server.wait()
                time.sleep(1.0)
                server = subprocess.Popen(server.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1.0)
                cachalot("invalidate", "auth_user")  # a restarted, empty server: read afresh first
                time.sleep(0.5)
                cachalot("invalidate", "library.Author")
                out, err = process.communicate(timeout=30)
        finally:
            server.kill()
        assert process.returncode == 0, err
        assert "retrying every 0.100 s" in err and "answers again" in err
        events = [json.loads(line) for line in out.splitlines()][:-1]
        # The restarted server is empty: its keys vanished quietly, and each
        # comes back as news when stamped; nothing from before is replayed.
        assert [event["table"] for event in events] == ["auth_user", "library_author"]


    def test_keyspace_notifications_are_followed_instead_of_polling(cachalot, edited_settings, settings_file):
        from conftest import start_redis

        server, port = start_redis(("--notify-keyspace-events", "K$"))
        try:
            with edited_settings(own_redis_settings(port)):
                cachalot("invalidate", "library")
                process = watch(settings_file, "--for", "3")
                notes = wait_until_watching(process)
                time.sleep(0.3)
                cachalot("invalidate", "library.Author")
                time.sleep(0.3)
                cachalot("invalidate", "auth_user")
                out, err = process.communicate(timeout=30)
        finally:
            server.kill()
        assert process.returncode == 0, err
        assert "Redis keyspace notifications" in notes
        lines = [json.loads(line) for line in out.splitlines()]
        assert [event["table"] for event in lines[:-1]] == ["library_author", "auth_user"]
        # One read to start, one per notified write (a write's messages may
        # come in two reads): 30 polls at --interval 0.1 otherwise.
        assert 3 <= lines[-1]["polls"] <= 5

    def test_enable_notifications_turns_them_on_and_puts_them_back(cachalot, edited_settings, settings_file):
        from conftest import start_redis
        import redis

        server, port = start_redis(("--notify-keyspace-events", "Ex"))
        client = redis.Redis(port=port)
        try:
            with edited_settings(own_redis_settings(port)):
                cachalot("invalidate", "library")
                plain = watch(settings_file, "--for", "0.3")
                assert "--enable-notifications turns them on" in wait_until_watching(plain)
                plain.communicate(timeout=30)
                process = watch(settings_file, "--enable-notifications")
                notes = wait_until_watching(process)
                during = client.config_get("notify-keyspace-events")["notify-keyspace-events"]
                cachalot("invalidate", "library.Author")
                time.sleep(0.5)
                process.send_signal(signal.SIGHUP)  # a closed terminal puts them back too
                out, err = process.communicate(timeout=30)
                after = client.config_get("notify-keyspace-events")["notify-keyspace-events"]
        finally:
            server.kill()
        assert process.returncode == 0, err
        assert "Redis keyspace notifications" in notes
        assert set(during) >= set("K$Ex") and after == "xE"
        lines = [json.loads(line) for line in out.splitlines()]
        assert [event["table"] for event in lines[:-1]] == ["library_author"] and lines[-1]["polls"] == 2


@pytest.mark.backends("memcached", reason="a pool of servers, one of which goes down")
def test_a_pool_member_down_does_not_silence_the_others_and_its_return_is_reported(cachalot, edited_settings, settings_file):
    """Two memcached servers of cachalot's own: while one is down, the other's
    invalidations are still reported; when it is back, what changed is."""
    from conftest import free_port

    ports = [free_port(), free_port()]

    def start(port):
        return subprocess.Popen(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-u", "nobody"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = [start(port) for port in ports]
    time.sleep(0.3)

    def on_own_pool(settings):
        settings["CACHES"]["default"]["LOCATION"] = [f"127.0.0.1:{port}" for port in ports]
    try:
        with edited_settings(on_own_pool):
            placed = json.loads(cachalot("invalidate", "--json").stdout)
            tables = placed["results"][0]["tables"]
            process = watch(settings_file, "--for", "6")
            wait_until_watching(process)
            time.sleep(0.3)
            servers[1].kill()
            servers[1].wait()
            time.sleep(0.3)
            # Stamped wherever cachalot can write now: some land on the live server.
            cachalot("invalidate", *tables, "--timeout", "1", check=False)
            time.sleep(0.5)
            servers[1] = start(ports[1])
            time.sleep(0.5)
            cachalot("invalidate", *tables)
            out, err = process.communicate(timeout=30)
    finally:
        for server in servers:
            server.kill()
            server.wait()
    events = [json.loads(line) for line in out.splitlines()][:-1]
    times = sorted({event["time"] for event in events})
    assert len(times) == 2, (times, err)
    during, after = ({event["table"] for event in events if event["time"] == time_} for time_ in times)
    assert during and during != set(tables), "the live server's tables, while the other was down"
    assert after == set(tables), "every table once both answer (the restarted server's keys came back)"
    assert "following its other servers" in err
