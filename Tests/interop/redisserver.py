"""A real redis-server for the interop and tenant tests (Debian's
package): a free loopback port, no persistence, its data in a folder of
its own, no system service."""
import os
import shutil
import socket
import subprocess
import time

from pgserver import free_port


def start_redis(parent, extra=()):
    """Starts the server with its folder in `parent`: (process, port).
    Raises RuntimeError when it cannot."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(server):
        raise RuntimeError("redis-server is not installed (make test installs it)")
    port = free_port()
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
