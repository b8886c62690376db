"""A site on a six-node Redis Cluster through django-valkey 0.4's cluster
backend (INTEROP_CACHE=django-valkey-cluster): keys on every primary, the
site's own set_many writing another version when CACHALOT_TIMEOUT is set,
and primaries that die before and during an invalidation. The round trips
every backend passes (test_interop.py and the others) run here too."""
import json
import os
import random
import signal
import subprocess
import time

import pytest
from cachalot.settings import cachalot_settings
from django.core.cache import cache
from django.db import connection
from library.models import Book

import conftest
import redisserver
from conftest import binary
from store import redis_client, table_key

pytestmark = pytest.mark.backends("redis", reason="a Redis Cluster")


def titles():
    return sorted(Book.objects.values_list("title", flat=True))


def site_tables():
    return [name for name in connection.introspection.table_names() if name != "django_migrations"]


def made(table):
    return cache.make_key(table_key(table))


def owner_port(key, client=None):
    return (client or redis_client()).get_node_from_key(key).port


def owner_after_failover(key, dead, seconds=10):
    """The primary of `key`'s slot once every live node names the same one
    and not `dead`: the election's winner announces itself, and the other
    nodes may learn it a moment after a client already wrote to it."""
    import redis

    deadline = time.time() + seconds
    while True:
        live = [port for port in cluster_ports() if port != dead]
        views = {owner_port(key, redis.cluster.RedisCluster(host="127.0.0.1", port=port)) for port in live}
        if len(views) == 1 and dead not in views:
            return views.pop()
        if time.time() > deadline:
            pytest.fail(f"the live nodes name {sorted(views)} as the owner of {key} {seconds} s after {dead} died")
        time.sleep(0.1)


def stamps(tables):
    """{table: stored stamp or None}, read from the primaries the way the site reads them (version VERSION)."""
    client = redis_client()
    return {table: (float(value) if (value := client.get(made(table))) is not None else None) for table in tables}


def cluster_ports():
    return [int(url.rsplit(":", 1)[1].split("/")[0]) for url in os.environ["INTEROP_REDIS_URLS"].split(",")]


def kill_node(port):
    """SIGKILL the node on `port`: (index in REDIS_SERVERS, its command line)."""
    index = next(i for i, process in enumerate(conftest.REDIS_SERVERS) if str(port) in process.args)
    process = conftest.REDIS_SERVERS[index]
    process.kill()
    process.wait()
    return index, process.args


def restart_node(index, args):
    """The node back with its nodes.conf: it rejoins as a replica of whoever took its slots."""
    conftest.REDIS_SERVERS[index] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    redisserver.wait_for_cluster(cluster_ports(), seconds=60)
    wait_for_replicas()
    # The site's ValkeyCluster clients keep the map they read first, and a
    # FLUSHDB to a former primary does not make them read it again: the
    # next test's site connects afresh, as a restarted site would.
    cache.client._clients = [None] * len(cache.client._clients)


def wait_for_replicas(seconds=30):
    """Until every primary has its replica linked again, in the CLUSTER SLOTS
    of every node: cachalot reads the map from whichever node answers first,
    and a node that has not yet heard of a restarted replica lists none (so
    cachalot rightly waits for none)."""
    import redis

    deadline = time.time() + seconds
    while time.time() < deadline:
        views = [redis.Redis(host="127.0.0.1", port=port).execute_command("CLUSTER SLOTS") for port in cluster_ports()]
        # Each range: [first, last, primary, replica, ...].
        if all(view and all(len(entry) >= 4 for entry in view) for view in views):
            return
        time.sleep(0.1)
    pytest.fail(f"a primary has no replica in some node's CLUSTER SLOTS {seconds} s after a restart")


def test_one_invalidation_reaches_every_primary_as_the_site_reads_it(cachalot):
    import redis

    tables = site_tables()
    nodes = [redis.Redis(port=port) for port in cluster_ports()]
    for node in nodes:
        node.config_resetstat()
    before = time.time()
    cachalot("invalidate")
    # LOCATION's entries are all named by CLUSTER SLOTS: proven members without asking each.
    asked = [name for node in nodes for name in node.info("commandstats") if name in ("cmdstat_cluster|myid", "cmdstat_cluster|nodes")]
    assert not asked, asked
    client = redis_client()
    primaries = {owner_port(made(table), client) for table in tables}
    assert len(primaries) == 3, "the site's table keys spread over the three primaries"
    stored = stamps(tables)
    assert len(set(stored.values())) == 1 and next(iter(stored.values())) >= before
    for table in tables:
        # repr(float) text, never expiring: what the cluster backend's set_many writes.
        raw = client.get(made(table))
        assert raw == repr(float(raw)).encode() and client.pttl(made(table)) == -1
    assert cache.get_many([table_key(table) for table in tables]) == {table_key(table): stored[table] for table in tables}


def test_the_sites_own_invalidations_land_under_another_version_and_doctor_says_why(cachalot, edited_settings, monkeypatch):
    """django-valkey 0.4.1's cluster set_many(data, CACHALOT_TIMEOUT) takes
    the timeout as the key version. django-cachalot stores results and
    invalidations with set_many: once CACHALOT_TIMEOUT is set, both land
    under version 300, which the site never reads, so what it cached before
    is never invalidated by its own writes."""
    Book.objects.create(title="First")
    assert titles() == ["First"]
    # A deploy sets CACHALOT_TIMEOUT (django-cachalot reads it once, at start-up).
    monkeypatch.setattr(cachalot_settings, "CACHALOT_TIMEOUT", 300)
    Book.objects.create(title="Second")
    assert titles() == ["First"], "the site's own invalidation should be invisible to it"
    assert redis_client().get(cache.make_key(table_key("catalogue_books"), version=300)) is not None
    with edited_settings(lambda settings: settings.update(CACHALOT_TIMEOUT=300)):
        report = cachalot("doctor", check=False)
        assert "WARN  CACHALOT_TIMEOUT" in report.stdout and "version 300" in report.stdout, report.stdout
        cachalot("invalidate", "library")
    assert titles() == ["First", "Second"], "cachalot writes the version the site reads"
    monkeypatch.undo()
    Book.objects.all().delete()


def test_a_slot_being_migrated_is_written_where_ask_sends_it(cachalot):
    """Resharding moves a slot key by key: a key already moved is answered
    with ASK by its old owner, and the write goes to the new one behind
    ASKING (the map still names the old owner until the move ends)."""
    import redis

    cachalot("invalidate", "auth.Group")
    key = made("auth_group")
    client = redis_client()
    slot = client.keyslot(key)
    source = owner_port(key, client)
    target = next(port for port in {owner_port(made(table), client) for table in site_tables()} if port != source)
    nodes = {port: redis.Redis(port=port) for port in (source, target)}
    ids = {port: node.execute_command("CLUSTER", "MYID").decode() for port, node in nodes.items()}
    nodes[target].execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source])
    nodes[source].execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target])
    nodes[source].execute_command("MIGRATE", "127.0.0.1", target, key, 0, 5000)
    before = time.time()
    result = cachalot("invalidate", "auth.Group", "-v", "2")
    assert "auth_group: invalidated" in result.stdout
    # The move ends: the new owner first, then the old one (cluster spec, "Live reconfiguration").
    for port in (target, source):
        nodes[port].execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[target])
    assert float(nodes[target].get(key)) >= before
    cache.client._clients = [None] * len(cache.client._clients)
    assert cache.get(table_key("auth_group")) >= before


def test_a_primary_that_died_is_replaced_and_the_invalidation_reaches_its_successor(cachalot):
    key = made("auth_user")
    port = owner_port(key)
    index, args = kill_node(port)
    try:
        before = time.time()
        # The cluster promotes the replica after cluster-node-timeout (1 s here) and an election.
        result = cachalot("invalidate", "--timeout", "30", "auth", check=False)
        assert result.returncode == 0, result.stderr
        owner_after_failover(key, port)
        assert stamps(["auth_user"])["auth_user"] >= before
        assert cache.get(table_key("auth_user")) >= before, "the site reads the stamp on the new primary"
    finally:
        restart_node(index, args)


def test_a_stamp_no_replica_acknowledged_is_not_exit_0(cachalot):
    """Replication is asynchronous: a stamp only the primary holds would be
    lost by a failover. With the replica stopped (not yet marked failed),
    WAIT gets no acknowledgement and the run is exit 1, naming the node."""
    key = made("auth_user")
    client = redis_client()
    slot = client.keyslot(key)
    owner = next(entry for (first, last), entry in client.cluster_slots().items() if first <= slot <= last)
    replicas = [process for process in conftest.REDIS_SERVERS if any(str(port) in process.args for _, port, *_ in owner["replicas"])]
    assert replicas, owner
    for replica in replicas:
        replica.send_signal(signal.SIGSTOP)
    try:
        result = cachalot("invalidate", "--timeout", "1", "auth.User", check=False)
    finally:
        for replica in replicas:
            replica.send_signal(signal.SIGCONT)
    assert result.returncode == 1, f"{owner}: {result.stdout} {result.stderr}"
    assert "acknowledged" in result.stderr and f":{owner['primary'][1]}/0 (0 of 1 replicas)" in result.stderr, result.stderr
    redisserver.wait_for_cluster(cluster_ports(), seconds=60)
    wait_for_replicas()


def test_watch_follows_the_successor_of_a_failed_primary(settings_file, cachalot):
    """watch listens to each primary's keyspace notifications; when one
    dies its feed breaks, and the feed it reopens reads the map again and
    listens to the replica promoted in its place."""
    from test_watch import Watch

    watching = Watch(settings_file, "--enable-notifications", "--timeout", "0.5")
    key = made("auth_user")
    index, args = None, None
    try:
        assert "keyspace notifications" in watching.watching()
        index, args = kill_node(owner_port(key))
        watching.note("retrying")
        cachalot("invalidate", "--timeout", "30", "auth.User")
        watching.wait_for_events("auth_user after the failover", lambda events: any(e["table"] == "auth_user" for e in events))
        watching.note("answers again")
        # The successor's notifications, not polling: a write after the return is announced.
        cachalot("invalidate", "library.Author")
        watching.wait_for_events("library_author", lambda events: any(e["table"] == "library_author" for e in events))
        events, _, err = watching.end(signal.SIGINT)
    finally:
        if watching.process.poll() is None:
            watching.process.kill()
            watching.process.wait()
        if index is not None:
            restart_node(index, args)
    assert "stopped following" not in err and "polled from now on" not in err, err


def test_a_cluster_that_wants_a_password_says_so(cachalot):
    """A login problem is said at once, not taken for a node that is down."""
    import redis

    nodes = [redis.Redis(port=port) for port in cluster_ports()]
    for node in nodes:
        node.config_set("requirepass", "cluster-s3cret")
    try:
        result = cachalot("invalidate", "--timeout", "10", "auth.User", check=False)
    finally:
        for port in cluster_ports():
            redis.Redis(port=port, password="cluster-s3cret").config_set("requirepass", "")
    assert result.returncode == 1 and "NOAUTH" in result.stderr and "no node of the cluster" not in result.stderr, result.stderr
    assert "got no answer" not in result.stderr, "a login problem is not retried until the deadline"


def test_a_location_outside_the_cluster_is_refused(cachalot, edited_settings):
    """The site reads through LOCATION's other entries: one that is not a
    node of the first one's cluster would serve keys cachalot never writes."""
    from conftest import start_redis

    server, port = start_redis()
    try:
        def add_plain_server(settings):
            settings["CACHES"]["default"]["LOCATION"].append(f"valkey://127.0.0.1:{port}")
        with edited_settings(add_plain_server):
            result = cachalot("invalidate", "auth.User", check=False)
    finally:
        server.kill()
        server.wait()
    assert result.returncode == 1, result.stderr
    assert "LOCATION's entry 3" in result.stderr and "cluster support disabled" in result.stderr, result.stderr


def run_invalidate(settings_file, timeout):
    return subprocess.Popen([binary(), "--settings", str(settings_file), "invalidate", "--timeout", str(timeout), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def many_tables(raw_db):
    """3,000 extra tables, so that one invalidation takes long enough to be cut in the middle."""
    names = [f"bulk_table_{i}" for i in range(3000)]
    for name in names:
        raw_db.execute(f"CREATE TABLE {name} (id integer)")
    raw_db.commit()
    yield names
    for name in names:
        raw_db.execute(f"DROP TABLE {name}")
    raw_db.commit()


def test_a_primary_killed_during_an_invalidation_never_leaves_exit_0_with_a_stale_key(settings_file, many_tables):
    """Each round: an invalidation starts, a primary is killed a few
    milliseconds in, then the outcome is checked against the cluster once
    it settled. Exit 0 must mean every table key holds the new stamp; exit 1
    must name what was not written, and whatever it reports written is."""
    tables = site_tables()
    outcomes = []
    rng = random.Random(7)
    for timeout in (1, 30, 1, 30):
        client = redis_client()
        victim = rng.choice(sorted({owner_port(made(table), client) for table in tables}))
        before = time.time()
        process = run_invalidate(settings_file, timeout)
        time.sleep(rng.uniform(0.005, 0.04))
        index, args = kill_node(victim)
        try:
            stdout, stderr = process.communicate(timeout=120)
            redisserver.wait_for_cluster([port for port in cluster_ports() if port != victim], seconds=60, known=6)
            stored = stamps(tables)
            report = json.loads(stdout)
            stamp = report["timestamp"]
            assert stamp >= before
            if process.returncode == 0:
                stale = [table for table in tables if stored[table] is None or stored[table] < stamp]
                assert not stale, f"exit 0 while {len(stale)} table keys are stale, e.g. {stale[:3]}"
            else:
                assert process.returncode == 1, stderr
                failure = json.dumps(report["failed_caches"])
                assert "got no answer" in failure or "acknowledged" in failure, failure
                written = [table for result in report["results"] for table in result["written"]]
                assert written and len(written) < len(tables), "cut in the middle: some written, not all"
                assert all(stored[table] >= stamp for table in written), "what exit 1 reports written is"
            outcomes.append(process.returncode)
        finally:
            restart_node(index, args)
    print("exit codes of the rounds:", outcomes)
    assert 0 in outcomes, f"no round succeeded after a failover: {outcomes}"
