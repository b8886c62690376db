"""`cachalot watch` while the real Django site writes through its ORM: every
write's invalidation appears, with exactly the tables Django moved and the
time it stored, and nothing else appears; watch itself writes nothing."""
import json
import signal
import socket
import subprocess
import threading
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


class Watch:
    """A running `cachalot watch --json`, its stdout and stderr read line by
    line as they come (a thread each), so that a test waits for what watch
    says instead of sleeping. Every wait has a deadline and fails with all
    that watch printed so far."""

    def __init__(self, settings_file, *args):
        self.process = subprocess.Popen([binary(), "--settings", str(settings_file), "watch", "--json", "--interval", "0.1", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out, self.err, self.closed = [], [], 0
        self.changed = threading.Condition()
        self.readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                        for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))]
        for reader in self.readers:
            reader.start()

    def _read(self, stream, lines):
        for line in stream:
            with self.changed:
                lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.closed += 1
            self.changed.notify_all()

    def wait_for(self, what, condition, timeout=20):
        """Waits until `condition()`, which looks at the lines read so far,
        is true and returns it; fails when watch ends or `timeout` s pass first."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (found := condition()):
                left = deadline - time.monotonic()
                if left <= 0 or self.closed == len(self.readers):
                    ended = f"exited {self.process.poll()}" if self.closed == len(self.readers) else f"still running after {timeout} s"
                    pytest.fail(f"watch {ended} without {what}\nstdout:\n{''.join(self.out)}\nstderr:\n{''.join(self.err)}")
                self.changed.wait(left)
        return found

    def note(self, text):
        """Waits for a line of stderr holding `text`; returns stderr so far."""
        return self.wait_for(repr(text) + " on stderr", lambda: any(text in line for line in self.err) and "".join(self.err))

    def watching(self):
        """The notes on stderr up to "watching", which watch says once it
        has read every cache once: a write from then on is reported."""
        return self.note("watching")

    def events(self):
        return [event for event in map(json.loads, self.out) if event["type"] == "invalidation"]

    def wait_for_events(self, what, condition):
        """Waits until `condition(events)` holds; returns the events."""
        return self.wait_for(what, lambda: condition(self.events()) and self.events())

    def end(self, signal_=None, timeout=30):
        """Sends `signal_` (or lets --for run out) and waits for the exit:
        (events, summary, stderr)."""
        if signal_ is not None:
            self.process.send_signal(signal_)
        self.process.wait(timeout=timeout)
        for reader in self.readers:
            reader.join(timeout=10)
        lines = [json.loads(line) for line in self.out]
        assert self.process.returncode == 0, "".join(self.err)
        assert lines and lines[-1]["type"] == "summary" and lines[-1]["final"] is True, lines
        return lines[:-1], lines[-1], "".join(self.err)


@pytest.fixture
def watch(settings_file):
    """Starts `cachalot watch --json` (Watch); whatever still runs at the end of the test is killed."""
    started = []

    def start(*args):
        started.append(Watch(settings_file, *args))
        return started[-1]
    yield start
    for watching in started:
        if watching.process.poll() is None:
            watching.process.kill()
            watching.process.wait()


def wait_for_port(port, timeout=10):
    """Until something listens on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert time.monotonic() < deadline, f"nothing listens on port {port} after {timeout} s"
        time.sleep(0.02)


def tables_by_time(events):
    by_time = {}
    for event in events:
        by_time.setdefault(event["time"], set()).add(event["table"])
    return by_time


def test_every_orm_write_is_one_group_of_events_and_nothing_else(watch):
    Author.objects.create(name="Before")  # table keys exist before watch starts
    watching = watch()
    watching.watching()
    expected = []
    writes = [lambda: Author.objects.create(name="Ann"),
              lambda: Book.objects.create(title="One"),
              lambda: Author.objects.filter(name="Ann").update(name="Anne")]
    for write in writes:
        before = stamps()
        write()
        group = moved(before, stamps())
        expected.append(group)
        # Each write's events before the next write: one write per poll.
        watching.wait_for_events(f"the events of {group}", lambda events: group <= {(e["table"], e["time"]) for e in events})
    # Absence is only seen over time: three polls after the last write's
    # events, for an event printed twice or late to show.
    time.sleep(0.3)
    events, summary, _ = watching.end(signal.SIGINT)
    assert all(event["type"] == "invalidation" for event in events)
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
    # Polled at --interval 0.1: at least half the reads the watch's length allows.
    assert summary["polls"] >= summary["seconds"] / 0.1 / 2 and summary["poll_ms_median"] > 0, summary


def test_an_interval_below_a_hundredth_of_a_second_is_a_usage_error(cachalot):
    result = cachalot("watch", "--interval", "0.001", check=False)
    assert result.returncode == 2 and "at least 0.01" in result.stderr and not result.stdout


def test_watch_writes_nothing_and_ends_with_a_summary_on_ctrl_c(watch):
    Author.objects.create(name="Ann")
    before = {name: repr(value) for name, value in stored_entries()}
    watching = watch()
    watching.watching()
    # A few polls for a watch that wrote to write: no output marks a poll
    # that finds nothing, so only time can let them happen.
    time.sleep(0.3)
    events, summary, _ = watching.end(signal.SIGINT, timeout=10)
    assert events == [] and summary["invalidations"] == 0 and summary["polls"] >= 2
    assert {name: repr(value) for name, value in stored_entries()} == before


if BACKEND in ("redis", "django-redis"):
    # Defined on the one-server Redis runs only (they need a server of their own), never skipped elsewhere.
    def own_redis_settings(port):
        def change(settings):
            settings["CACHES"]["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/0"
        return change

    def test_a_cache_restart_is_survived_and_said(cachalot, edited_settings, watch):
        from conftest import start_redis

        server, port = start_redis()
        try:
            with edited_settings(own_redis_settings(port)):
                cachalot("invalidate", "library")
                watching = watch("--timeout", "0.5")
                watching.watching()
                server.terminate()
                server.wait()
                watching.note("retrying every 0.100 s")
                server = subprocess.Popen(server.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # Read afresh from the restarted, empty server before anything is stamped there.
                watching.note("answers again")
                cachalot("invalidate", "auth_user")
                watching.wait_for_events("auth_user", lambda events: any(e["table"] == "auth_user" for e in events))
                cachalot("invalidate", "library.Author")
                watching.wait_for_events("library_author", lambda events: any(e["table"] == "library_author" for e in events))
                events, _, err = watching.end(signal.SIGINT)
        finally:
            server.kill()
        assert "retrying every 0.100 s" in err and "answers again" in err
        # The restarted server is empty: its keys vanished quietly, and each
        # comes back as news when stamped; nothing from before is replayed
        # (it would come before auth_user, in the read that found the server back).
        assert [event["table"] for event in events] == ["auth_user", "library_author"]


    def test_keyspace_notifications_are_followed_instead_of_polling(cachalot, edited_settings, watch):
        from conftest import start_redis

        server, port = start_redis(("--notify-keyspace-events", "K$"))
        try:
            with edited_settings(own_redis_settings(port)):
                cachalot("invalidate", "library")
                watching = watch()
                notes = watching.watching()
                cachalot("invalidate", "library.Author")
                watching.wait_for_events("library_author", lambda events: any(e["table"] == "library_author" for e in events))
                cachalot("invalidate", "auth_user")
                watching.wait_for_events("auth_user", lambda events: any(e["table"] == "auth_user" for e in events))
                # A quiet second, in which polling at --interval 0.1 would read
                # about ten times and a watch on notifications never reads.
                time.sleep(1.0)
                events, summary, _ = watching.end(signal.SIGINT)
        finally:
            server.kill()
        assert "Redis keyspace notifications" in notes
        assert [event["table"] for event in events] == ["library_author", "auth_user"]
        # One read to start, one per notified write (a write's messages may
        # come in two reads): 10 more polls at --interval 0.1 otherwise.
        assert 3 <= summary["polls"] <= 5, summary

    def test_enable_notifications_turns_them_on_and_puts_them_back(cachalot, edited_settings, watch):
        from conftest import start_redis
        import redis

        server, port = start_redis(("--notify-keyspace-events", "Ex"))
        client = redis.Redis(port=port)
        try:
            with edited_settings(own_redis_settings(port)):
                cachalot("invalidate", "library")
                plain = watch("--for", "0.3")
                assert "--enable-notifications turns them on" in plain.watching()
                plain.end()
                watching = watch("--enable-notifications")
                notes = watching.watching()
                during = client.config_get("notify-keyspace-events")["notify-keyspace-events"]
                cachalot("invalidate", "library.Author")
                watching.wait_for_events("library_author", lambda events: any(e["table"] == "library_author" for e in events))
                # Half a second without writes: polling at --interval 0.1 would read about five times.
                time.sleep(0.5)
                events, summary, _ = watching.end(signal.SIGHUP)  # a closed terminal puts them back too
                after = client.config_get("notify-keyspace-events")["notify-keyspace-events"]
        finally:
            server.kill()
        assert "Redis keyspace notifications" in notes
        assert set(during) >= set("K$Ex") and after == "xE"
        assert [event["table"] for event in events] == ["library_author"] and summary["polls"] == 2


@pytest.mark.backends("memcached", reason="a pool of servers, one of which goes down")
def test_a_pool_member_down_does_not_silence_the_others_and_its_return_is_reported(cachalot, edited_settings, watch):
    """Two memcached servers of cachalot's own: while one is down, the other's
    invalidations are still reported; when it is back, what changed is."""
    from conftest import free_port

    ports = [free_port(), free_port()]

    def start(port):
        server = subprocess.Popen(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-u", "nobody"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(port)
        return server
    servers = [start(port) for port in ports]

    def on_own_pool(settings):
        settings["CACHES"]["default"]["LOCATION"] = [f"127.0.0.1:{port}" for port in ports]
    try:
        with edited_settings(on_own_pool):
            placed = json.loads(cachalot("invalidate", "--json").stdout)
            tables = placed["results"][0]["tables"]
            watching = watch()
            watching.watching()
            servers[1].kill()
            servers[1].wait()
            watching.note("following its other servers")
            # Stamped wherever cachalot can write now: some land on the live server.
            cachalot("invalidate", *tables, "--timeout", "1", check=False)
            # An event proves the read that found the live server's stamps.
            watching.wait_for_events("the live server's tables", lambda events: events)
            servers[1] = start(ports[1])
            watching.note("answers again")
            cachalot("invalidate", *tables)
            watching.wait_for_events("every table at a second time", lambda events: len(tables_by_time(events)) >= 2
                                     and tables_by_time(events)[max(tables_by_time(events))] >= set(tables))
            events, _, err = watching.end(signal.SIGINT)
    finally:
        for server in servers:
            server.kill()
            server.wait()
    times = sorted({event["time"] for event in events})
    assert len(times) == 2, (times, err)
    during, after = ({event["table"] for event in events if event["time"] == time_} for time_ in times)
    assert during and during != set(tables), "the live server's tables, while the other was down"
    assert after == set(tables), "every table once both answer (the restarted server's keys came back)"
    assert "following its other servers" in err
