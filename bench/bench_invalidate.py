"""Benchmark: `cachalot invalidate library` vs `python manage.py
invalidate_cachalot library` on the interop site (SQLite + file cache).

Runs the two alternately, ROUNDS times each, and prints the median wall
time, the ratio, and each one's peak resident memory. Not a test.
Run with `make bench` (release binary, interop virtualenv)."""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(os.environ.get("ROUNDS", "15"))
ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "Tests" / "interop"
BINARY = str(Path(os.environ.get("CACHALOT_BIN", ROOT / ".build" / "release" / "cachalot")).resolve())


def run(argv, env, cwd):
    """Runs argv once; returns (seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss


def main():
    work = Path(tempfile.mkdtemp(prefix="cachalot-bench-"))
    env = {**os.environ, "INTEROP_DB": str(work / "db.sqlite3"), "INTEROP_CACHE_DIR": str(work / "cache"),
           "DJANGO_SETTINGS_MODULE": "interopsite.settings",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=SITE, env=env, check=True)
        readme = (ROOT / "README.md").read_text()
        export = re.search(r"<!-- export-command -->\s*```sh\n(.*?)\n```", readme, re.S).group(1)
        subprocess.run(["sh", "-c", export], cwd=SITE, env=env, check=True)
        shutil.move(SITE / "cachalot.json", work / "cachalot.json")

        contenders = {
            "cachalot invalidate library": [BINARY, "--settings", str(work / "cachalot.json"), "invalidate", "library"],
            "manage.py invalidate_cachalot library": [sys.executable, "manage.py", "invalidate_cachalot", "library"],
        }
        samples = {name: [] for name in contenders}
        for _ in range(ROUNDS):
            for name, argv in contenders.items():
                samples[name].append(run(argv, env, SITE))

        print(f"invalidate one app, {ROUNDS} alternating runs each (SQLite + file-based cache)")
        medians = {}
        for name, runs in samples.items():
            medians[name] = statistics.median(seconds for seconds, _ in runs)
            peak = max(rss for _, rss in runs)
            print(f"  {name:40s} median {medians[name] * 1000:8.2f} ms   peak RSS {peak / 1024:7.1f} MiB")
        cli, django = medians.values()
        print(f"  ratio: manage.py / cachalot = {django / cli:.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
