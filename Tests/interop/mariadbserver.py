"""A real MariaDB server for the interop tests and the benchmarks (Debian's
mariadb-server): a data directory initialised in a folder, a free loopback
port and a socket there, running as an unprivileged user, no system
service. The user `site` (password `site-pass`) owns the utf8mb4
database `site`."""
import os
import shutil
import socket
import subprocess
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_mariadb(folder, extra=()):
    """Starts the server in `folder` (created), with `extra` server
    options: (process, port). Raises RuntimeError when it cannot."""
    daemon = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    if not os.path.exists(daemon):
        raise RuntimeError("MariaDB is not installed (make test installs mariadb-server)")
    folder.mkdir(parents=True)
    # A temporary folder of its own: servers bootstrapping side by side in
    # /tmp remove each other's temporary tables.
    (folder / "tmp").mkdir()
    user = "nobody" if os.geteuid() == 0 else None
    if user:
        for path in (folder.parent, folder, folder / "tmp"):
            shutil.chown(path, "nobody", "nogroup")
    install = ["mariadb-install-db", "--no-defaults", f"--datadir={folder / 'data'}", f"--tmpdir={folder / 'tmp'}",
               "--auth-root-authentication-method=socket", "--skip-test-db"] + ([f"--user={user}"] if user else [])
    subprocess.run(install, check=True, capture_output=True)
    port = free_port()
    log = open(folder / "mariadb.log", "w")
    process = subprocess.Popen([daemon, "--no-defaults", f"--datadir={folder / 'data'}", f"--tmpdir={folder / 'tmp'}", f"--socket={folder / 'sock'}",
                                f"--port={port}", "--bind-address=127.0.0.1", f"--pid-file={folder / 'pid'}", "--skip-log-bin",
                                "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M", *extra] + ([f"--user={user}"] if user else []),
                               stdout=log, stderr=log)
    client = client_command(folder)
    deadline = time.time() + 30
    while subprocess.run(client + ["-e", "SELECT 1"], capture_output=True).returncode != 0:
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"mariadbd did not start: {(folder / 'mariadb.log').read_text()[-2000:]}")
        time.sleep(0.1)
    subprocess.run(client + ["-e", "CREATE DATABASE site CHARACTER SET utf8mb4; "
                                   "CREATE USER 'site'@'%' IDENTIFIED BY 'site-pass'; GRANT ALL ON *.* TO 'site'@'%';"], check=True)
    return process, port


def client_command(folder, database=None):
    """The mariadb client as root over the socket in `folder`."""
    return ["mariadb", "--no-defaults", "-S", str(folder / "sock"), "-u", "root"] + ([database] if database else [])
