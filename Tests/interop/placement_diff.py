"""Differential placement test: for seeded random cache configurations
(server lists with and without weights, host spellings, unix sockets,
pylibmc's behaviors, pymemcache's options, django-redis's ShardClient and
LOCATION shapes, KEY_PREFIX and VERSION), every table key must land on the
server where the live client, built by Django from the same CACHES entry,
stores it; a configuration the client cannot run, or one holding an
option cachalot deliberately refuses, must be exit 2 naming it.

    python Tests/interop/placement_diff.py --configs 300 [--seed N] [--only I]

Real memcached and redis-server processes on free loopback ports and unix
sockets are started once and flushed between configurations."""
import argparse
import hashlib
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import django
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[2]
TABLES = [f"app_table{i}" for i in range(12)]
PYLIBMC_HASHES = ["default", "md5", "crc", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32", "murmur"]


def table_key(table):
    return hashlib.sha1(f"default:{table}".encode()).hexdigest()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def wait_for(address):
    deadline = time.time() + 10
    while time.time() < deadline:
        family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
        with socket.socket(family) as probe:
            if probe.connect_ex(address) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"placement-diff: no server came up at {address}")


class Servers:
    """The real servers every configuration draws from. Each has an id;
    `spellings` are the ways a LOCATION can name it."""

    def __init__(self, folder):
        self.folder, self.processes = folder, []
        # memcached runs as nobody: its sockets go where nobody may write.
        sockets = folder / "sockets"
        sockets.mkdir()
        os.chmod(folder, 0o755)
        os.chmod(sockets, 0o1777)
        self.v6 = ipv6_loopback()
        self.memcached_tcp = []  # (id, port)
        ports = [free_port() for _ in range(3)]
        # One on the default port when it is free: libmemcached names its points differently there.
        if port_free(11211):
            ports.append(11211)
        for port in ports:
            listen = ["-l", "127.0.0.1"] + (["-l", "[::1]"] if self.v6 else [])
            self.start(["memcached", *listen, "-p", str(port), "-U", "0", "-u", "nobody"], ("127.0.0.1", port))
            self.memcached_tcp.append((f"memcached:{port}", port))
        self.memcached_unix = []  # (id, path)
        for index in range(2):
            path = str(sockets / f"memcached-{index}.sock")
            self.start(["memcached", "-s", path, "-a", "0777", "-u", "nobody"], path)
            self.memcached_unix.append((f"memcached:{path}", path))
        self.redis = []  # (id, port, socket path)
        for index in range(3):
            port, path = free_port(), str(sockets / f"redis-{index}.sock")
            self.start(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--unixsocket", path,
                        "--save", "", "--appendonly", "no", "--dir", str(folder)], ("127.0.0.1", port))
            self.redis.append((f"redis:{port}", port, path))

    def start(self, command, address):
        if not shutil.which(command[0]):
            sys.exit(f"placement-diff: {command[0]} is not installed (make deps installs it)")
        self.processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(address)

    def stop(self):
        for process in self.processes:
            process.kill()
            process.wait()

    def memcached_connections(self):
        for server, port in self.memcached_tcp:
            yield server, socket.create_connection(("127.0.0.1", port), timeout=10)
        for server, path in self.memcached_unix:
            connection = socket.socket(socket.AF_UNIX)
            connection.settimeout(10)
            connection.connect(path)
            yield server, connection

    def holders(self, made):
        """{made key: {server id, ...}} over every server."""
        found = {key: set() for key in made}
        for server, connection in self.memcached_connections():
            with connection:
                connection.sendall(b"get " + b" ".join(key.encode() for key in made) + b"\r\n")
                reply = b""
                while not reply.endswith(b"END\r\n"):
                    chunk = connection.recv(1 << 16)
                    assert chunk, "memcached closed the connection"
                    reply += chunk
                for line in reply.split(b"\r\n"):
                    if line.startswith(b"VALUE "):
                        found[line.split(b" ")[1].decode()].add(server)
        import redis

        for server, port, _ in self.redis:
            client = redis.Redis(port=port)
            for key in made:
                if client.exists(key):
                    found[key].add(server)
            client.close()
        return found

    def flush(self):
        for _, connection in self.memcached_connections():
            with connection:
                connection.sendall(b"flush_all\r\n")
                assert connection.recv(100) == b"OK\r\n"
        import redis

        for _, port, _ in self.redis:
            redis.Redis(port=port).flushall()


class Generator:
    """One random configuration: (CACHES entry, the options cachalot must
    refuse, "|"-separated, one named in its message; or None)."""

    def __init__(self, servers, rng):
        self.servers, self.rng = servers, rng

    def __call__(self):
        family = self.rng.choice(["pylibmc", "pylibmc", "pylibmc", "pymemcache", "shard", "shard", "redis-primary"])
        entry, refused = getattr(self, family.replace("-", "_"))()
        entry["VERSION"] = self.rng.choice([1, 1, 2, 17])
        prefix = self.rng.choice(["", "", "site", "{tag}", "é", "a{b}c", "x}y{z"] + (["a b"] if family in ("pylibmc", "pymemcache") else []))
        if prefix:
            entry["KEY_PREFIX"] = prefix
            options = entry.get("OPTIONS", {})
            if " " in prefix:
                refused = f"{refused}|KEY_PREFIX" if refused else "KEY_PREFIX"
            elif not prefix.isascii() and options.get("behaviors", {}).get("verify_keys") in (True, 1):
                refused = f"{refused}|verify_keys" if refused else "verify_keys"
        return entry, refused

    def shape(self, servers, separators):
        """LOCATION as a list, or a string joined as the backend splits it."""
        if len(servers) == 1 and self.rng.random() < 0.5:
            return servers[0]
        kind = self.rng.choice(["list"] + separators)
        return servers if kind == "list" else kind.join(servers)

    def tcp_host(self):
        return self.rng.choice(["127.0.0.1", "localhost"] + (["[::1]"] if self.servers.v6 else []))

    def pylibmc(self):
        rng, refused = self.rng, None
        if rng.random() < 0.2:
            servers = [rng.choice(["unix:", ""]) + path for _, path in rng.sample(self.servers.memcached_unix, rng.randint(1, 2))]
        else:
            servers = []
            for _, port in rng.sample(self.servers.memcached_tcp, rng.randint(1, len(self.servers.memcached_tcp))):
                spec = self.tcp_host() + ("" if port == 11211 and rng.random() < 0.5 else f":{port}")
                if rng.random() < 0.4:
                    spec = f"{spec if ':' in spec.replace('[::1]', '') else spec + ':11211'}:{rng.randint(1, 5)}"
                servers.append(spec)
        behaviors = {}
        for name in rng.sample(sorted(BEHAVIOR_VALUES), rng.randint(0, 6)):
            behaviors[name] = rng.choice(BEHAVIOR_VALUES[name])
        binary = rng.random() < 0.3
        for name, values in REFUSED_BEHAVIORS.items():
            if name in behaviors and behaviors[name] in values:
                refused = f"{refused}|{name}" if refused else name
        if binary and "verify_keys" in behaviors:
            refused = f"{refused}|verify_keys" if refused else "verify_keys"
        if behaviors.get("buffer_requests") in (True, 1):
            refused = f"{refused}|buffer_requests" if refused else "buffer_requests"
        options = {"behaviors": behaviors} if behaviors or rng.random() < 0.5 else {}
        if binary:
            options["binary"] = True
        return {"BACKEND": "django.core.cache.backends.memcached.PyLibMCCache",
                "LOCATION": self.shape(servers, [",", ";"]), "OPTIONS": options}, refused

    def pymemcache(self):
        rng, refused, servers = self.rng, None, []
        for _, port in rng.sample(self.servers.memcached_tcp, rng.randint(1, len(self.servers.memcached_tcp))):
            servers.append(self.tcp_host() + ("" if port == 11211 and rng.random() < 0.5 else f":{port}"))
        for _, path in rng.sample(self.servers.memcached_unix, rng.randint(0, 2)):
            servers.append(rng.choice(["unix:", ""]) + path)
        rng.shuffle(servers)
        options = {name: rng.choice(values) for name, values in rng.sample(sorted(PYMEMCACHE_OPTIONS.items()), rng.randint(0, 4))}
        if "key_prefix" in options:  # text, never bytes: HashClient raises on every key
            refused = "key_prefix"
        return {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
                "LOCATION": self.shape(servers, [",", ";"]), "OPTIONS": options}, refused

    def redis_urls(self, count):
        urls = []
        for _, port, path in self.rng.sample(self.servers.redis, count):
            urls.append(self.rng.choice([f"redis://127.0.0.1:{port}/0", f"redis://localhost:{port}/0", f"redis://127.0.0.1:{port}",
                                         f"unix://{path}?db=0", f"redis://127.0.0.1:{port}/0?socket_timeout=5"]))
        return urls

    def shard(self):
        urls = self.redis_urls(self.rng.randint(1, 3))
        # django-redis splits a string on "," only: ";" leaves one shard named by the whole text.
        return {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": self.shape(urls, [",", ";"]),
                "OPTIONS": {"CLIENT_CLASS": "django_redis.client.ShardClient"}}, None

    def redis_primary(self):
        urls = self.redis_urls(self.rng.randint(1, 3))
        if self.rng.random() < 0.5:
            return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": self.shape(urls, [",", ";"])}, None
        return {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": self.shape(urls, [","])}, None


BOOL = [True, False, 1, 0]
# Every behavior pylibmc 1.6.3 accepts (pylibmc.all_behaviors + all_callbacks), with values it takes.
BEHAVIOR_VALUES = {
    "no_block": BOOL, "tcp_nodelay": BOOL, "tcp_keepalive": BOOL,
    "hash": PYLIBMC_HASHES + ["hsieh", "jenkins"], "ketama_hash": PYLIBMC_HASHES + ["jenkins"],
    "ketama": BOOL, "ketama_weighted": BOOL,
    "distribution": ["modula", "consistent", "consistent ketama", "consistent ketama spy", "consistent weighted", "random"],
    "cas": BOOL, "buffer_requests": BOOL, "verify_keys": BOOL,
    "connect_timeout": [1000, 4000], "send_timeout": [0, 2000000], "receive_timeout": [0, 2000000],
    "num_replicas": [0, 0, 1], "auto_eject": BOOL, "retry_timeout": [1, 5], "remove_failed": [0, 3],
    "failure_limit": [1, 4], "_io_msg_watermark": [500, 5000], "_io_bytes_watermark": [65536], "_io_key_prefetch": [0, 10],
    "_hash_with_prefix_key": BOOL, "_noreply": BOOL, "_sort_hosts": BOOL, "_poll_timeout": [1000, 5000],
    "_socket_send_size": [0, 65536], "_socket_recv_size": [0, 65536], "dead_timeout": [0, 10],
    "pickle_protocol": [-1, 2, 4, 5], "namespace": ["ns"],
}
REFUSED_BEHAVIORS = {"hash": ["hsieh", "jenkins"], "ketama_hash": ["jenkins"], "distribution": ["random"],
                     "num_replicas": [1], "namespace": ["ns"]}
# pymemcache 4.0.0's HashClient keywords that a TOML/JSON settings file can hold.
PYMEMCACHE_OPTIONS = {
    "connect_timeout": [1, 2.5], "timeout": [1, 5], "no_delay": [True, False], "retry_attempts": [1, 3],
    "retry_timeout": [1], "dead_timeout": [10, 60], "use_pooling": [True, False], "max_pool_size": [4],
    "pool_idle_timeout": [0, 30], "ignore_exc": [True, False], "allow_unicode_keys": [True],
    "default_noreply": [True, False], "encoding": ["ascii", "utf8"], "key_prefix": ["", "p"],
}


def site_placement(entry, servers):
    """Where the live client (Django's backend from the same entry) puts each
    table key: ({made key: servers}, made keys), or raises what the client raises."""
    from django.utils.module_loading import import_string

    params = {key: value for key, value in entry.items() if key not in ("BACKEND", "LOCATION")}
    cache = import_string(entry["BACKEND"])(entry["LOCATION"], params)
    made = [cache.make_and_validate_key(table_key(table)) for table in TABLES]
    try:
        for table in TABLES:
            cache.set(table_key(table), 1.0, None)
        cache.get_many([table_key(table) for table in TABLES])  # flushes pylibmc's buffered or no-reply writes
        if "PyLibMC" in entry["BACKEND"]:
            cache._cache.disconnect_all()
        return servers.holders(made), made, cache
    except Exception:
        cache.close()
        raise


def run_cachalot(binary, entry, folder):
    settings = {"CACHES": {"default": entry},
                "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(folder / "db.sqlite3")}},
                "USE_TZ": True, "VERSIONS": {"python": "%d.%d.%d" % sys.version_info[:3]}}
    (folder / "cachalot.json").write_text(json.dumps(settings))
    return subprocess.run([binary, "--settings", str(folder / "cachalot.json"), "invalidate", "--timeout", "5"],
                          capture_output=True, text=True, timeout=60)


def check(entry, refused, servers, binary, folder):
    """None when cachalot agrees with the live client, else why not."""
    servers.flush()
    try:
        expected, made, cache = site_placement(entry, servers)
    except Exception as error:
        client_error = f"{type(error).__name__}: {error}"
    else:
        client_error = None
        # A refused option may hide keys from this scan (namespace renames them).
        misplaced = {key: found for key, found in expected.items() if len(found) != 1 and not refused}
        cache.close()
        if misplaced:
            return f"the live client stored keys on {misplaced} (expected one server each)"
    servers.flush()
    result = run_cachalot(binary, entry, folder)
    if refused or client_error:
        if result.returncode != 2:
            return f"expected exit 2 ({refused or client_error}), got {result.returncode}: {result.stderr.strip()}"
        if refused and not any(name in result.stderr for name in refused.split("|")):
            return f"exit 2 without naming {refused}: {result.stderr.strip()}"
        return None
    if result.returncode != 0:
        return f"the live client accepts it, cachalot exited {result.returncode}: {result.stderr.strip()}"
    placed = servers.holders(made)
    wrong = {key: (sorted(placed[key]), sorted(expected[key])) for key in made if placed[key] != expected[key]}
    if wrong:
        return "keys placed apart from the live client (cachalot's servers, the client's): " + json.dumps(wrong)
    # And the site reads what cachalot wrote (Redis primaries with replicas read a replica, not checked here).
    if "memcached" not in entry["BACKEND"] and not entry.get("OPTIONS", {}).get("CLIENT_CLASS", "").endswith("ShardClient"):
        return None
    params = {key: value for key, value in entry.items() if key not in ("BACKEND", "LOCATION")}
    from django.utils.module_loading import import_string

    cache = import_string(entry["BACKEND"])(entry["LOCATION"], params)
    unread = [table for table in TABLES if not isinstance(cache.get(table_key(table)), float)]
    cache.close()
    return f"the live client reads no stamp for {unread}" if unread else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", type=int, default=int(os.environ.get("PLACEMENT_CONFIGS", 300)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PLACEMENT_SEED") or random.SystemRandom().randrange(1 << 32)))
    parser.add_argument("--only", type=int, help="run configuration number ONLY of the seed")
    parser.add_argument("--binary", default=os.environ.get("CACHALOT_BIN", str(ROOT / ".build" / "debug" / "cachalot")))
    args = parser.parse_args()
    if not Path(args.binary).exists():
        sys.exit(f"placement-diff: no cachalot binary at {args.binary}; build it first")
    # django-redis's ShardClient warns on its own get_many, Django on keys memcached refuses.
    warnings.filterwarnings("ignore")
    django_settings.configure(USE_TZ=True, CACHES={})
    django.setup()
    folder = Path(tempfile.mkdtemp(prefix="cachalot-placement-"))
    with sqlite3.connect(folder / "db.sqlite3") as database:
        for table in TABLES:
            database.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    servers = Servers(folder)
    print(f"placement-diff: seed {args.seed}, {args.configs} configurations "
          f"(IPv6 loopback {'used' if servers.v6 else 'absent'}; default port 11211 "
          f"{'used' if any(port == 11211 for _, port in servers.memcached_tcp) else 'busy, not used'})")
    ran = agreed = refusals = 0
    failures = []
    try:
        for index in [args.only] if args.only is not None else range(args.configs):
            entry, refused = Generator(servers, random.Random(f"{args.seed}-{index}"))()
            try:
                problem = check(entry, refused, servers, args.binary, folder)
            except Exception:
                problem = "the test itself failed: " + traceback.format_exc()
            ran += 1
            if problem is None:
                agreed += 1
                refusals += refused is not None
            else:
                failures.append(index)
                print(f"DISAGREEMENT seed {args.seed} --only {index}: {json.dumps(entry, ensure_ascii=False)}\n  {problem}")
    finally:
        servers.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"placement-diff: {ran} configurations run, {agreed} agreed ({refusals} of them deliberate refusals), "
          f"{len(failures)} disagreed (seed {args.seed})")
    sys.exit(1 if failures or ran == 0 else 0)


if __name__ == "__main__":
    main()
