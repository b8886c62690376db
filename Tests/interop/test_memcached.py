"""cachalot on Django's memcached backends (pymemcache and pylibmc), on one
server and on pools: every key where the site's client looks for it, the
clients' flags, Django's expiry rules, and a pool with a server down."""
import json
import time

import pytest
from cachalot.api import get_last_invalidation
from django.core.cache import cache
from django.db import connection
from store import BACKEND, memcached_holders, memcached_servers, stored_bytes, table_key

pytestmark = pytest.mark.backends("memcached", reason="memcached backends only")

POOL = BACKEND.endswith("-pool")


def every_table():
    return sorted(set(connection.introspection.table_names()) - {"django_migrations"})


def test_every_table_key_is_where_the_sites_client_reads_it(cachalot):
    cachalot("invalidate")
    stamped = {table: stored_bytes(table) for table in every_table()}  # at most one holder each
    assert all(stamped.values())
    # Django reads each through its own client: a key on another server would be a miss.
    for table in every_table():
        assert isinstance(cache.get(table_key(table)), float), table
    if POOL:
        used = {server for table in every_table() for server in memcached_holders(cache.make_key(table_key(table)))}
        assert len(used) > 1, "a pool of three should spread the keys"


def test_django_and_cachalot_read_each_others_stamps(cachalot):
    from cachalot.api import invalidate

    invalidate("library.Book")
    assert cachalot("last-invalidation", "library.Book").stdout == repr(get_last_invalidation("library.Book")) + "\n"
    cachalot("invalidate", "auth")
    assert cachalot("last-invalidation", "auth.User").stdout == repr(get_last_invalidation("auth.User")) + "\n"


def test_an_int_stored_by_the_client_is_read_as_a_timestamp(cachalot):
    cache.set(table_key("library_author"), 5, None)  # flags 2 (pymemcache) or 4 (pylibmc)
    assert cachalot("last-invalidation", "library.Author").stdout == "5.0\n"
    cachalot("invalidate", "library.Author")
    assert cache.get(table_key("library_author")) > time.time() - 60


def test_expiry_follows_djangos_memcached_rules(cachalot, edited_settings):
    def exp_of(table):
        from store import RawMemcached

        made = cache.make_key(table_key(table))
        for server in memcached_servers():
            raw = RawMemcached(server)
            dumped = raw.dump()
            raw.close()
            if made in dumped:
                return dumped[made][0]

    with edited_settings(lambda settings: settings.update(CACHALOT_TIMEOUT=40 * 86400)):
        cachalot("invalidate", "auth.Group")
    # Beyond 30 days Django sends an absolute time.
    assert abs(exp_of("auth_group") - (time.time() + 40 * 86400)) < 5
    with edited_settings(lambda settings: settings.update(CACHALOT_TIMEOUT=0.5)):
        cachalot("invalidate", "auth.Group")
    # int(0.5) == 0: Django sends -1, the key is gone at once.
    assert cache.get(table_key("auth_group")) is None


def test_a_key_prefix_memcached_refuses_is_exit_2(cachalot, edited_settings):
    with edited_settings(lambda settings: settings["CACHES"]["default"].update(KEY_PREFIX="my site")):
        result = cachalot("invalidate", "auth", check=False)
    assert result.returncode == 2 and "KEY_PREFIX" in result.stderr


def test_python_memcached_is_refused_with_its_replacements(cachalot, edited_settings):
    def old_backend(settings):
        settings["CACHES"]["default"]["BACKEND"] = "django.core.cache.backends.memcached.MemcachedCache"

    with edited_settings(old_backend):
        result = cachalot("invalidate", "auth", check=False)
    assert result.returncode == 2 and "removed in Django 4.1" in result.stderr and "PyMemcacheCache" in result.stderr


def dead_server_owns_a_table_key(pool, dead, options):
    """Whether the site's client, given `pool` + `dead`, places a table key on `dead`.

    A free port is random and so is the placement it gets: without this check the
    dead server holds no key about once in a few hundred runs, and has nothing to fail."""
    made = [cache.make_key(table_key(table)) for table in every_table()]
    if BACKEND.startswith("pymemcache"):
        from pymemcache.client.rendezvous import RendezvousHash

        ring = RendezvousHash(nodes=pool + [dead])
        return any(ring.get_node(key) == dead for key in made)
    import pylibmc

    # libmemcached's error names the server a key went to: a dead one refuses.
    client = pylibmc.Client(pool + [dead], binary=options.get("binary", False), behaviors=options.get("behaviors"))
    for key in made:
        try:
            client.get(key)
        except pylibmc.Error as error:
            if f"host: {dead} " in str(error):
                return True
    return False


def with_dead_server(settings):
    """The site's pool plus a server nobody runs (and that holds some table keys), for cachalot only."""
    from conftest import free_port

    caches = settings["CACHES"]["default"]
    pool = list(caches["LOCATION"])
    for _ in range(50):
        dead = f"127.0.0.1:{free_port()}"
        if dead_server_owns_a_table_key(pool, dead, caches.get("OPTIONS", {})):
            caches["LOCATION"] = pool + [dead]
            return
    raise AssertionError("no free port whose server the client gives a table key")


def test_a_server_down_in_the_pool_fails_alone(cachalot, edited_settings, settings_file):
    with edited_settings(with_dead_server):
        result = cachalot("invalidate", "--timeout", "2", "-v", "2", check=False)
        dead = json.loads(settings_file.read_text())["CACHES"]["default"]["LOCATION"][-1]
    assert result.returncode == 1
    assert dead in result.stderr and "table keys map to it" in result.stderr
    stamped = [table for table in every_table() if isinstance(cache.get(table_key(table)), float)]
    # -v 2 says of each table whether its key was written, and the error counts the same.
    lines = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    written = [line for line in lines if ": invalidated " in line]
    unwritten = [line for line in lines if ": NOT invalidated" in line]
    assert len(written) + len(unwritten) == len(every_table()), result.stdout
    assert f"wrote {len(written)} of {len(every_table())} table keys" in result.stderr, result.stderr
    if BACKEND.startswith("pymemcache"):
        # pymemcache sends a dead server's keys to the runner-up, which is
        # where the site's own pool (without it) reads them: all fresh.
        assert stamped == every_table()
        assert not unwritten, unwritten
    else:
        # libmemcached keeps them on the dead server: those stay unstamped.
        assert stamped and stamped != every_table()
        assert written and unwritten


BEHAVIORS = [
    {"hash": "md5"}, {"hash": "crc"}, {"hash": "fnv1a_32"}, {"hash": "fnv1_64"}, {"hash": "murmur"},
    {"ketama": True}, {"distribution": "consistent", "hash": "md5"}, {"ketama_weighted": True},
]


if BACKEND.startswith("pylibmc"):
    # pylibmc's behaviors exist on the pylibmc runs only: defined there, never skipped elsewhere.
    @pytest.mark.parametrize("behaviors", BEHAVIORS)
    def test_pylibmc_behaviors_place_keys_as_libmemcached_does(cachalot, edited_settings, behaviors):
        import pylibmc

        client = pylibmc.Client(memcached_servers_text(), behaviors=behaviors)
        client.flush_all()

        def configure(settings):
            settings["CACHES"]["default"]["OPTIONS"] = {"behaviors": behaviors}

        with edited_settings(configure):
            cachalot("invalidate")
        for table in every_table():
            assert client.get(cache.make_key(table_key(table))) is not None, (behaviors, table)


def memcached_servers_text():
    return [f"{host}:{port}" for host, port in memcached_servers()]
