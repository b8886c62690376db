"""A real redis-server for the interop and tenant tests (Debian's
package): a free loopback port, no persistence, its data in a folder of
its own, no system service."""
import os
import shutil
import socket
import subprocess
import time

from pgserver import free_port


def start_redis(parent, extra=(), port=None):
    """Starts the server with its folder in `parent`: (process, port).
    Raises RuntimeError when it cannot."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(server):
        raise RuntimeError("redis-server is not installed (make test installs it)")
    port = port or free_port()
    folder = parent / f"redis-{port}"
    folder.mkdir(parents=True)
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


def start_cluster(parent, masters=3, node_timeout_ms=1000):
    """A real Redis Cluster: `masters` primaries and one replica each,
    started as separate redis-servers with --cluster-enabled and joined by
    `redis-cli --cluster create`. A short cluster-node-timeout lets a test
    see a failover within seconds. Returns ([process], [port]); ports[0]
    is a primary. Raises RuntimeError when the cluster does not form."""
    processes, ports = [], []
    try:
        for _ in range(masters * 2):
            # nodes.conf lands in the server's own --dir.
            # Redis 7 waits repl-diskless-sync-delay (5 s) before it feeds a
            # replica; until fed, a replica is too stale to be promoted.
            process, port = start_redis(parent, ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                                 "--cluster-node-timeout", str(node_timeout_ms),
                                                 "--repl-diskless-sync-delay", "0"], port=free_bus_port())
            processes.append(process)
            ports.append(port)
        created = subprocess.run(["redis-cli", "--cluster", "create", *(f"127.0.0.1:{port}" for port in ports),
                                  "--cluster-replicas", "1", "--cluster-yes"], capture_output=True, text=True, timeout=60)
        if created.returncode != 0:
            raise RuntimeError("redis-cli --cluster create failed: " + created.stdout[-400:] + created.stderr[-400:])
        wait_for_cluster(ports)
        return processes, ports
    except BaseException:
        for process in processes:
            process.kill()
            process.wait()
        raise


def free_bus_port():
    """A free loopback port whose cluster bus port (port + 10000) is free too."""
    import random

    while True:
        port = random.randrange(20000, 45000)
        with socket.socket() as first, socket.socket() as bus:
            try:
                first.bind(("127.0.0.1", port))
                bus.bind(("127.0.0.1", port + 10000))
                return port
            except OSError:
                continue


def cluster_info(port):
    """CLUSTER INFO as a dict; empty when the node does not answer within 5 s."""
    try:
        result = subprocess.run(["redis-cli", "-p", str(port), "CLUSTER", "INFO"], capture_output=True, text=True, timeout=5)
    except subprocess.TimeoutExpired:
        return {}
    return dict(line.split(":", 1) for line in result.stdout.split() if ":" in line)


def replica_linked(port):
    """A primary, or a replica whose link to its primary is up."""
    try:
        info = subprocess.run(["redis-cli", "-p", str(port), "INFO", "replication"], capture_output=True, text=True, timeout=5).stdout
    except subprocess.TimeoutExpired:
        return False
    return "role:master" in info or "master_link_status:up" in info


def wait_for_cluster(ports, seconds=30, known=None):
    """Until every node on `ports` says the cluster is ok, knows every node
    (`known`, default: as many as `ports`) and, as a replica, is linked."""
    deadline = time.time() + seconds
    while True:
        infos = [cluster_info(port) for port in ports]
        if all(info.get("cluster_state") == "ok" and info.get("cluster_known_nodes") == str(known or len(ports)) for info in infos) \
                and all(replica_linked(port) for port in ports):
            return
        if time.time() > deadline:
            raise RuntimeError(f"the Redis Cluster did not come up: {infos}")
        time.sleep(0.1)
