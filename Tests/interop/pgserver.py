"""A real PostgreSQL server for the interop tests and the benchmarks
(Debian's package): initdb into a folder as an unprivileged user, a free
loopback port, the socket in the folder, no system service. The role
`site` (password `site-pass`, scram-sha-256 over TCP) owns the database
`site`."""
import os
import shutil
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_postgresql(folder):
    """Starts the server in `folder` (created): (process, port). Raises
    RuntimeError when it cannot."""
    versions = sorted((int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit()), reverse=True) \
        if os.path.isdir("/usr/lib/postgresql") else []
    if not versions:
        raise RuntimeError("PostgreSQL server binaries are not installed (make test installs postgresql)")
    binaries = f"/usr/lib/postgresql/{versions[0]}/bin"
    folder.mkdir(parents=True)
    run_as = []
    if os.geteuid() == 0:
        for path in (folder.parent, folder):
            shutil.chown(path, "nobody", "nogroup")
        run_as = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    subprocess.run(run_as + [f"{binaries}/initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust",
                             "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                   check=True, stdout=subprocess.DEVNULL)
    (folder / "data" / "pg_hba.conf").write_text(
        "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
    port = free_port()
    log = open(folder / "postgres.log", "w")
    process = subprocess.Popen(run_as + [f"{binaries}/postgres", "-D", str(folder / "data"), "-p", str(port), "-k", str(folder),
                                         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"],
                               stdout=log, stderr=log)
    psql = psql_command(folder, port)
    deadline = time.time() + 20
    while subprocess.run(psql + ["-c", "SELECT 1"], capture_output=True).returncode != 0:
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"postgres did not start: {(folder / 'postgres.log').read_text()}")
        time.sleep(0.1)
    subprocess.run(psql + ["-c", "CREATE ROLE site LOGIN CREATEDB PASSWORD 'site-pass'"], check=True)
    subprocess.run(psql + ["-c", "CREATE DATABASE site OWNER site"], check=True)
    return process, port


def stop_postgresql(process):
    """Fast shutdown (SIGINT), waited for: the server removes its shared
    memory segments (/dev/shm/PostgreSQL.*), which SIGKILL leaves behind
    on the machine. Killed if it has not stopped within 30 seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def psql_command(folder, port, database="postgres"):
    """psql as the superuser over the socket in `folder`."""
    return ["psql", "-X", "-q", "-h", str(folder), "-p", str(port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1"]
