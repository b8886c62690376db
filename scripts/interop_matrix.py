#!/usr/bin/env python3
"""Runs the interop suite (Tests/interop) across a matrix of virtualenvs:
Python x Django x django-cachalot x django-redis (x redis-py).

    python3 scripts/interop_matrix.py              # every cell, every variant; writes Tests/interop/matrix.md
    python3 scripts/interop_matrix.py --diagonal   # oldest and newest cell, a few variants (make test)
    python3 scripts/interop_matrix.py --cells py313-dj61-ca291-dr70 --sqlite-caches filebased,redis
    python3 scripts/interop_matrix.py --list

Each cell gets a virtualenv in .matrix/<cell> built from PyPI with the cell's
interpreter (~/.pyenv/versions/<x.y.z>, or PYENV_ROOT): Tests/interop/requirements.txt
with the cell's Django, django-cachalot, django-redis and redis-py pinned
instead. A stamp file (.matrix/<cell>/.stamp) holds the exact requirements and
interpreter; a venv whose stamp matches is reused. Logs of every pytest run go
to .matrix/logs/<cell>/. The binary under test is CACHALOT_BIN (or --bin).

Exit status: 1 if any run of a non-skipped cell failed (pip resolution or
install failures included), else 0. A cell whose interpreter is absent is
skipped, with the reason in the summary."""
import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX_DIR = ROOT / ".matrix"
REQUIREMENTS = ROOT / "Tests" / "interop" / "requirements.txt"
MARKDOWN = ROOT / "Tests" / "interop" / "matrix.md"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"

# Newest patch of each release on PyPI (checked 2026-11-28 with `pip index versions`).
DJANGO = {"4.2": "4.2.30", "5.1": "5.1.15", "5.2": "5.2.19", "6.0": "6.0.10", "6.1": "6.1.3"}
CACHALOT = {"2.6": "2.6.3", "2.7": "2.7.0", "2.8": "2.8.0", "2.9": "2.9.1"}
DJANGO_REDIS = {"5.4": "5.4.0", "6.0": "6.0.0", "7.0": "7.0.0"}
# redis-py for each django-redis: the major current when it was released
# (5.4.0: Oct 2023, redis 5.0; 6.0.0: Jun 2025, redis 6; 7.0.0: redis 8, as
# requirements.txt has it).
REDIS_PY = {"5.4": "5.0.*", "6.0": "6.*", "7.0": "8.*"}


def makefile_list(name):
    """A variable of the Makefile (INTEROP_CACHES, ...), continuation lines joined."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    match = re.search(rf"^{name}\s*:=(.*)$", text, re.M)
    if not match:
        sys.exit(f"Makefile has no {name}")
    return match.group(1).split()


@dataclass
class Cell:
    python: str            # x.y; the newest ~/.pyenv/versions/x.y.* is used
    django: str            # x.y, key of DJANGO
    cachalot: str          # x.y, key of CACHALOT
    django_redis: str      # x.y, key of DJANGO_REDIS
    why: str               # what this cell covers
    # Variants this cell cannot run, with the reason (printed in the summary).
    excluded: dict = field(default_factory=dict)
    # Extra or replacing pins ("package==x") for this cell.
    pins: tuple = ()

    def __post_init__(self):
        # Variants that need what a cell's django-redis does not have.
        if self.django_redis == "5.4":
            self.excluded.setdefault("django-redis-gzip", "django-redis 5.4.0 has no django_redis.compressors.gzip (added in 6.0.0)")
        # django-valkey 0.4.1 supports Django 4.2 and 5.2+ by its metadata, but imports
        # django.utils.version.PY313 (base_client.py:23), which Django 4.2 does not have.
        valkey_unusable = {"4.2": "django-valkey 0.4.1 imports django.utils.version.PY313, which Django 4.2 does not have",
                           "5.0": "django-valkey 0.4 does not support Django 5.0", "5.1": "django-valkey 0.4 does not support Django 5.1"}
        if self.django in valkey_unusable:
            for variant in makefile_list("INTEROP_CACHES"):
                if variant.startswith("django-valkey"):
                    self.excluded.setdefault(variant, valkey_unusable[self.django])

    @property
    def name(self):
        return (f"py{self.python.replace('.', '')}-dj{self.django.replace('.', '')}"
                f"-ca{CACHALOT[self.cachalot].replace('.', '')}-dr{self.django_redis.replace('.', '')}")


# The cells. Not a cross product: every value of every axis appears at least
# once, and so does every pair across which something cachalot reads or
# writes changed. Constraints, from each release's metadata on PyPI:
#   django-cachalot 2.6.3, 2.7.0: Django >=3.2,<5.2 (classifiers 3.2, 4.1, 4.2, 5.0, 5.1), Python <=3.12
#   django-cachalot 2.8.0: Django >=3.2,<5.3 (classifiers add 5.2), Python <=3.12
#   django-cachalot 2.9.1: Django >=4.2,<6.2 (classifiers 4.2, 5.2, 6.0, 6.1), Python 3.8-3.14
#   django-redis 5.4.0: Django >=3.2 (classifiers up to 4.2), Python <=3.11
#   django-redis 6.0.0: Django >=4.2 (classifiers 4.2-5.2), Python 3.9-3.13
#   django-redis 7.0.0: Django >=5.2,<7.0 (classifiers 5.2, 6.0), Python >=3.10
#   Django 4.2: Python 3.8-3.12; 5.1, 5.2: 3.10-3.13; 6.0, 6.1: >=3.12
# What changed between them, i.e. the pairs that matter:
#   - cachalot 2.8 added django.core.cache.backends.redis.RedisCache to its
#     supported backends and CACHALOT_CACHE_ITERATORS; 2.9 added
#     CACHALOT_USE_UNSUPPORTED_DATABASE / CACHALOT_ADDITIONAL_SUPPORTED_DATABASES
#     and Django 6.0's subquery table discovery. So every cachalot release
#     meets Django's own RedisCache (the `redis` variants) and the exported
#     settings with and without those keys: 2.6, 2.7 on 4.2 and 5.1; 2.8 on
#     4.2, 5.1 and 5.2; 2.9.1 on 4.2, 5.2, 6.0, 6.1.
#   - Django's RedisCache / FileBasedCache / memcached backends across
#     4.2 -> 5.x -> 6.x: each Django line with both a django-redis and
#     Django's own redis backend.
#   - django-redis 5.4 -> 6.0 -> 7.0 (its pickle protocol is
#     pickle.DEFAULT_PROTOCOL, which follows the interpreter): 5.4 on Python
#     3.10 and 3.11, 6.0 on 3.11-3.13, 7.0 on 3.10, 3.12, 3.13; each
#     django-redis on more than one Django line it allows.
#   - Django 6.1 has no django-redis listing it: 7.0.0 (Django <7.0) is used.
#   - The stack of requirements.txt (5.2, 2.9.1, django-redis 7.0) on the
#     oldest and newest Python.
CELLS = [
    # The oldest: every axis at its lowest.
    Cell("3.10", "4.2", "2.6", "5.4", "oldest of everything: cachalot without RedisCache support, django-redis 5.4"),
    Cell("3.11", "5.1", "2.6", "6.0", "cachalot 2.6 on its newest Django (5.1)"),
    Cell("3.11", "4.2", "2.7", "5.4", "cachalot 2.7 (Choices parameters) on Django 4.2, django-redis 5.4 on 3.11"),
    Cell("3.12", "5.1", "2.7", "6.0", "cachalot 2.7 on Django 5.1, Python 3.12"),
    Cell("3.10", "4.2", "2.8", "6.0", "cachalot 2.8 (RedisCache supported, CACHE_ITERATORS) on Django 4.2"),
    Cell("3.11", "5.1", "2.8", "6.0", "cachalot 2.8 on Django 5.1"),
    Cell("3.12", "5.2", "2.8", "6.0", "cachalot 2.8 on its newest Django (5.2), django-redis 6.0 on 5.2"),
    Cell("3.12", "4.2", "2.9", "6.0", "cachalot 2.9.1 on Django 4.2 at its newest Python"),
    Cell("3.10", "5.2", "2.9", "7.0", "requirements.txt's stack on the oldest Python"),
    Cell("3.13", "5.2", "2.9", "7.0", "requirements.txt's stack on the newest Python"),
    Cell("3.13", "5.1", "2.8", "6.0", "Django 5.1 and django-redis 6.0 on Python 3.13 (cachalot 2.8 is pure Python)"),
    Cell("3.12", "6.0", "2.9", "7.0", "Django 6.0 (subquery resolution changed) at its oldest Python"),
    # Python 3.14 (cachalot 2.9.1, django-redis 7.0 and Django >=5.2.8 list it): pickle.DEFAULT_PROTOCOL
    # is 5 there, 4 before, and django-redis pickles with it. Skipped where pyenv has no 3.14.
    Cell("3.14", "6.1", "2.9", "7.0", "Python 3.14: pickle.DEFAULT_PROTOCOL 5, django-redis's pickles follow it"),
    # The newest: every axis at its highest (of the interpreters the issue names).
    Cell("3.13", "6.1", "2.9", "7.0", "newest of everything; django-redis 7.0 does not list Django 6.1"),
]
OLDEST, NEWEST = CELLS[0], CELLS[-1]


DIAGONAL_RUNS = {"sqlite": ["filebased", "redis", "django-redis", "pymemcache"], "postgresql": ["filebased"], "mysql": []}


def default_runs():
    return {"sqlite": makefile_list("INTEROP_CACHES"), "postgresql": makefile_list("INTEROP_PG_CACHES"),
            "mysql": makefile_list("INTEROP_MYSQL_CACHES")}


def interpreter(version):
    """The newest ~/.pyenv/versions/<version>.N, or None."""
    found = []
    for path in PYENV_VERSIONS.glob(f"{version}.*"):
        match = re.fullmatch(re.escape(version) + r"\.(\d+)", path.name)
        if match and (path / "bin" / "python3").exists():
            found.append((int(match.group(1)), path / "bin" / "python3"))
    return max(found)[1] if found else None


def requirements(cell):
    """requirements.txt with the cell's versions pinned instead."""
    pins = {"django": f"Django=={DJANGO[cell.django]}", "django-cachalot": f"django-cachalot=={CACHALOT[cell.cachalot]}",
            "django-redis": f"django-redis=={DJANGO_REDIS[cell.django_redis]}", "redis": f"redis=={REDIS_PY[cell.django_redis]}"}
    for pin in cell.pins:
        pins[re.split(r"[=<>!~\[]", pin, 1)[0].lower()] = pin
    lines, seen = [], set()
    for line in REQUIREMENTS.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)", line)
        name = match.group(1).lower() if match else None
        if name in pins:
            lines.append(pins[name])
            seen.add(name)
        elif name == "django-valkey" and cell.django in ("5.0", "5.1"):
            continue  # it requires Django != 5.0, 5.1: its variants are excluded from the cell
        else:
            lines.append(line)
    lines += [pin for name, pin in pins.items() if name not in seen]
    return "\n".join(lines) + "\n"


def run_logged(command, log, env=None, timeout=None):
    with open(log, "a") as out:
        out.write(f"$ {' '.join(map(str, command))}\n")
        out.flush()
        try:
            return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\n!! timed out after {timeout} s\n")
            return 124


def ensure_venv(cell, python, logs):
    """The cell's venv, built or reused: (python path, None) or (None, error)."""
    venv = MATRIX_DIR / cell.name
    wanted = requirements(cell)
    version = subprocess.run([str(python), "-c", "import sys; print(sys.version)"], capture_output=True, text=True).stdout
    stamp_text = f"{python}\n{version}\n{wanted}"
    stamp = venv / ".stamp"
    if stamp.exists() and stamp.read_text() == stamp_text and (venv / "bin" / "python").exists():
        return venv / "bin" / "python", None
    shutil.rmtree(venv, ignore_errors=True)
    log = logs / "pip.log"
    log.unlink(missing_ok=True)
    if run_logged([str(python), "-m", "venv", str(venv)], log) != 0:
        return None, f"venv creation failed (see {log.relative_to(ROOT)})"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    (venv / "requirements.txt").write_text(wanted)
    if run_logged(pip + ["install", "-q", "--upgrade", "pip"], log, timeout=900) != 0 or \
            run_logged(pip + ["install", "-q", "-r", str(venv / "requirements.txt")], log, timeout=1800) != 0:
        tail = [line for line in log.read_text().splitlines() if "ERROR" in line or "error:" in line][-2:]
        return None, "pip install failed: " + " / ".join(tail)[:300] + f" (see {log.relative_to(ROOT)})"
    stamp.write_text(stamp_text)
    return venv / "bin" / "python", None


def installed_versions(python):
    code = ("import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "('Django', 'django-cachalot', 'django-redis', 'redis', 'pylibmc', 'mysqlclient', 'psycopg')}))")
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return json.loads(result.stdout) if result.returncode == 0 else {}


COUNT = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?|xfailed|xpassed)")


def run_suite(python, database, cache, binary, log):
    env = {**os.environ, "INTEROP_CACHE": cache, "INTEROP_DATABASE": database, "CACHALOT_BIN": str(binary),
           "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.time()
    code = run_logged([str(python), "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", "Tests/interop"], log, env=env, timeout=1200)
    counts = {}
    for line in reversed(log.read_text().splitlines()):
        if re.search(r" in [\d.]+s", line) and COUNT.search(line):
            for number, kind in COUNT.findall(line):
                counts["error" if kind.startswith("error") else kind] = int(number)
            break
    failed = [line.split()[1] for line in log.read_text().splitlines() if line.startswith(("FAILED ", "ERROR "))]
    skipped = [line.split(": ", 1)[-1] for line in log.read_text().splitlines() if line.startswith("SKIPPED [")]
    return {"database": database, "cache": cache, "rc": code, "counts": counts, "seconds": round(time.time() - started, 1),
            "failed_tests": failed, "skipped_reasons": skipped, "log": str(log.relative_to(ROOT))}


def run_cell(cell, runs, binary, retries):
    result = {"cell": cell.name, "python": cell.python, "django": DJANGO[cell.django], "cachalot": CACHALOT[cell.cachalot],
              "django_redis": DJANGO_REDIS[cell.django_redis], "why": cell.why, "runs": [], "excluded": dict(cell.excluded)}
    python = interpreter(cell.python)
    if python is None:
        result.update(status="skipped", reason=f"no Python {cell.python} under {PYENV_VERSIONS}")
        return result
    logs = MATRIX_DIR / "logs" / cell.name
    logs.mkdir(parents=True, exist_ok=True)
    started = time.time()
    venv_python, error = ensure_venv(cell, python, logs)
    result["setup_seconds"] = round(time.time() - started, 1)
    if error:
        result.update(status="failed", reason=error)
        return result
    result["installed"] = installed_versions(venv_python)
    result["python"] = subprocess.run([str(venv_python), "-c", "import platform; print(platform.python_version())"],
                                      capture_output=True, text=True).stdout.strip()
    for database, caches in runs.items():
        for cache in caches:
            if cache in cell.excluded:
                continue
            log = logs / f"{database}-{cache}.log"
            log.unlink(missing_ok=True)
            run = run_suite(venv_python, database, cache, binary, log)
            for attempt in range(retries):
                if run["rc"] == 0:
                    break
                # Once more: a run that passes then is flaky, not broken, and is reported as such.
                first = run
                log.rename(log.with_suffix(f".try{attempt + 1}.log"))
                run = run_suite(venv_python, database, cache, binary, log)
                run["flaky"] = f"try {attempt + 1} failed ({brief(first['failed_tests']) or 'rc ' + str(first['rc'])})"
            result["runs"].append(run)
            mark = ("ok" + (f", flaky: {run['flaky']}" if run.get("flaky") else "")) if run["rc"] == 0 else f"FAILED (rc {run['rc']}: {', '.join(run['failed_tests'][:4])})"
            print(f"  {database:<10} {cache:<24} {format_counts(run['counts']):<28} {run['seconds']:>6.1f}s  {mark}", flush=True)
    bad = [run for run in result["runs"] if run["rc"] != 0]
    result["status"] = "failed" if bad else "passed"
    if bad:
        result["reason"] = "; ".join(f"{run['database']}/{run['cache']}" for run in bad)
    return result


def rerun_failed(cell, binary):
    """Reruns the failed runs of the cell's saved result once, merging them in:
    a run that passes now was flaky. Variants the cell now excludes are
    dropped. Returns the merged result, or None without a saved result."""
    path = MATRIX_DIR / "results" / f"{cell.name}.json"
    if not path.exists():
        return None
    saved = json.loads(path.read_text())
    saved["excluded"] = dict(cell.excluded)
    saved["runs"] = [run for run in saved["runs"] if run["cache"] not in cell.excluded]
    failed = [run for run in saved["runs"] if run["rc"] != 0]
    if not failed:
        saved["status"], saved["reason"] = ("passed", None) if saved["runs"] else (saved["status"], saved.get("reason"))
        return {k: v for k, v in saved.items() if v is not None}
    runs = {}
    for run in failed:
        runs.setdefault(run["database"], []).append(run["cache"])
        log = ROOT / run["log"]
        if log.exists():
            log.rename(log.with_suffix(".fullrun.log"))
    print(f"\n== {cell.name}: rerunning {', '.join(f'{d}/{c}' for d, caches in runs.items() for c in caches)}", flush=True)
    fresh = run_cell(cell, runs, binary, 0)
    if not fresh["runs"]:
        return fresh
    again = {(run["database"], run["cache"]): run for run in fresh["runs"]}
    merged = []
    for run in saved["runs"]:
        new = again.get((run["database"], run["cache"]))
        if new is not None:
            if new["rc"] == 0:
                new["flaky"] = f"failed in the full run ({brief(run['failed_tests']) or 'rc ' + str(run['rc'])})"
            run = new
        merged.append(run)
    saved["runs"] = merged
    bad = [run for run in merged if run["rc"] != 0]
    saved["status"] = "failed" if bad else "passed"
    saved.pop("reason", None)
    if bad:
        saved["reason"] = "; ".join(f"{run['database']}/{run['cache']}" for run in bad)
    return saved


def brief(tests, most=4):
    return ", ".join(tests[:most]) + (f" and {len(tests) - most} more" if len(tests) > most else "")


def format_counts(counts):
    order = ("passed", "failed", "error", "skipped", "deselected", "xfailed", "xpassed")
    return ", ".join(f"{counts[kind]} {kind}" for kind in order if counts.get(kind)) or "no result"


def totals(result):
    total = {}
    for run in result["runs"]:
        for kind, number in run["counts"].items():
            total[kind] = total.get(kind, 0) + number
    return total


def summary_rows(results):
    rows = []
    for result in results:
        status = result["status"]
        if result.get("reason"):
            status += f": {result['reason']}"
        runs = len(result["runs"])
        good = sum(1 for run in result["runs"] if run["rc"] == 0)
        rows.append([result["cell"], result["python"], result["django"], result["cachalot"], result["django_redis"],
                     status, f"{good}/{runs}" if runs else "-", format_counts(totals(result)) if runs else "-"])
    return rows


HEADER = ["cell", "Python", "Django", "django-cachalot", "django-redis", "status", "runs ok", "tests (all runs)"]


def print_summary(results, elapsed):
    rows = summary_rows(results)
    widths = [max(len(str(row[i])) for row in rows + [HEADER]) for i in range(len(HEADER))]
    widths[5] = min(widths[5], 60)
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(HEADER, widths)))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    for result in results:
        for cache, reason in result["excluded"].items():
            print(f"{result['cell']}: variant {cache} excluded: {reason}")
        for run in result["runs"]:
            if run.get("flaky"):
                print(f"{result['cell']}: {run['database']}/{run['cache']} flaky: {run['flaky']}, passed on retry")
            if run.get("note"):
                print(f"{result['cell']}: {run['database']}/{run['cache']}: {run['note']}")
            if run["rc"] != 0:
                print(f"{result['cell']}: {run['database']}/{run['cache']} failed: "
                      f"{brief(run['failed_tests']) or 'rc ' + str(run['rc'])} ({run['log']})")
    print(f"\n{sum(r['status'] == 'passed' for r in results)} passed, {sum(r['status'] == 'failed' for r in results)} failed, "
          f"{sum(r['status'] == 'skipped' for r in results)} skipped cells in {elapsed / 60:.1f} min")


def markdown(results, binary_version, elapsed, runs):
    out = ["# Interop matrix", "",
           f"Generated by `scripts/interop_matrix.py` (`make interop-matrix`) on "
           f"{datetime.date.today().isoformat()} against `{binary_version}`, in {elapsed / 60:.0f} min.", "",
           "Each cell is a virtualenv with Tests/interop/requirements.txt, the versions below pinned instead; "
           "each run is `pytest Tests/interop` with one database and one cache variant.", "",
           "Runs per cell: " + "; ".join(f"{db}: {', '.join(caches) or '-'}" for db, caches in runs.items()), "",
           "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in summary_rows(results):
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    out += ["", "## Cells", ""]
    for result in results:
        out.append(f"- `{result['cell']}`: {result['why']}." + (f" Run {result['date']}, Tests/interop digest {result['tests']}."
                                                                 if result.get("date") else ""))
        installed = result.get("installed")
        if installed:
            out.append("  Installed: " + ", ".join(f"{k} {v}" for k, v in installed.items()) + ".")
        for cache, reason in result["excluded"].items():
            out.append(f"  Variant `{cache}` excluded: {reason}.")
    out += ["", "## Runs", "", "| cell | database | cache | result | seconds |", "|---|---|---|---|---|"]
    for result in results:
        for run in result["runs"]:
            verdict = format_counts(run["counts"]) + ("" if run["rc"] == 0 else f" — FAILED: {brief(run['failed_tests'])}")
            if run.get("flaky"):
                verdict += f" (flaky: {run['flaky']}, passed on retry)"
            if run.get("note"):
                verdict += f" ({run['note']})"
            out.append(f"| {result['cell']} | {run['database']} | {run['cache']} | {verdict} | {run['seconds']} |")
    return "\n".join(out) + "\n"


README = ROOT / "README.md"
README_START, README_END = "<!-- compatibility:start -->", "<!-- compatibility:end -->"


def compatibility(results, binary_version, runs):
    """The README's Compatibility table: every cell, what it runs and how it went."""
    out = [README_START,
           f"Proven by `make interop-matrix` on {datetime.date.today().isoformat()} against `{binary_version}`"
           f" (details: `Tests/interop/matrix.md`). Each row is a virtualenv running the interop suite on "
           + "; ".join(f"{db}: {', '.join(caches) or '-'}" for db, caches in runs.items()) + ".", "",
           "| Python | Django | django-cachalot | django-redis | result |", "|---|---|---|---|---|"]
    for result in results:
        good = sum(1 for run in result["runs"] if run["rc"] == 0)
        verdict = {"passed": f"passed ({good}/{len(result['runs'])} runs)"}.get(
            result["status"], result["status"] + (f": {result['reason']}" if result.get("reason") else ""))
        if result["status"] == "failed":
            verdict += f" ({good}/{len(result['runs'])} runs passed)"
        for cache, reason in result["excluded"].items():
            verdict += f"; no {cache}: {reason}"
        out.append(f"| {result['python']} | {result['django']} | {result['cachalot']} | {result['django_redis']} | {verdict} |")
    out.append(README_END)
    return "\n".join(out)


def write_readme(results, binary_version, runs):
    text = README.read_text()
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    README.write_text(text[:start] + compatibility(results, binary_version, runs) + text[end:])


def tests_digest():
    """What the suite was: a digest of Tests/interop's files (a saved result from other tests is stale)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "Tests" / "interop").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.name != MARKDOWN.name:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def report(runs, write, partial=False):
    """The summary, matrix.md and README's Compatibility section from each
    cell's last saved result (`partial`: of a run with a chosen variant set)."""
    results, digest = [], tests_digest()
    for cell in CELLS:
        path = MATRIX_DIR / ("results-partial" if partial else "results") / f"{cell.name}.json"
        if not path.exists():
            absent = interpreter(cell.python) is None
            results.append({"cell": cell.name, "python": cell.python, "django": DJANGO[cell.django], "cachalot": CACHALOT[cell.cachalot],
                            "django_redis": DJANGO_REDIS[cell.django_redis], "why": cell.why, "runs": [],
                            "excluded": dict(cell.excluded), "status": "skipped" if absent else "not run",
                            "reason": f"no Python {cell.python} under {PYENV_VERSIONS}" if absent else "no saved result"})
            continue
        result = json.loads(path.read_text())
        if result.get("tests") != digest:
            print(f"note: {cell.name} last ran on other Tests/interop files ({result.get('tests')}, now {digest})")
        results.append(result)
    versions = sorted({result["binary"] for result in results if result.get("binary")})
    elapsed = sum(result.get("seconds", 0) for result in results)
    print_summary(results, elapsed)
    if write:
        MARKDOWN.write_text(markdown(results, ", ".join(versions) or "?", elapsed, runs))
        write_readme(results, ", ".join(versions) or "?", runs)
        print(f"wrote {MARKDOWN.relative_to(ROOT)} and README.md's Compatibility section")
    return 0 if all(result["status"] in ("passed", "skipped") for result in results) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--diagonal", action="store_true", help="only the oldest and newest cell, a few variants")
    parser.add_argument("--cells", help="comma-separated cell names (default: all)")
    parser.add_argument("--sqlite-caches", help="comma-separated variants on SQLite (default: the Makefile's INTEROP_CACHES)")
    parser.add_argument("--pg-caches", help="variants on PostgreSQL (default: INTEROP_PG_CACHES)")
    parser.add_argument("--mysql-caches", help="variants on MariaDB (default: INTEROP_MYSQL_CACHES)")
    parser.add_argument("--bin", default=os.environ.get("CACHALOT_BIN", str(ROOT / ".build" / "debug" / "cachalot")))
    parser.add_argument("--markdown", choices=("auto", "yes", "no"), default="auto",
                        help="write Tests/interop/matrix.md (auto: in a full run only)")
    parser.add_argument("--retries", type=int, default=1, help="reruns of a failed run (a pass then is reported as flaky)")
    parser.add_argument("--list", action="store_true", help="print the cells and exit")
    parser.add_argument("--rerun-failed", action="store_true",
                        help="rerun only the failed runs of each cell's saved result, merging them in (then use --report)")
    parser.add_argument("--partial", action="store_true",
                        help="with --report: the results of runs with chosen variants (--sqlite-caches …), kept apart")
    parser.add_argument("--report", action="store_true",
                        help="run nothing: summarize every cell's last saved result (.matrix/results) and write matrix.md")
    args = parser.parse_args()

    if args.list:
        for cell in CELLS:
            present = "" if interpreter(cell.python) else "  (interpreter absent)"
            print(f"{cell.name:<26} {cell.why}{present}")
        return 0
    cells = [OLDEST, NEWEST] if args.diagonal else CELLS
    if args.cells:
        wanted = args.cells.split(",")
        unknown = set(wanted) - {cell.name for cell in CELLS}
        if unknown:
            sys.exit(f"unknown cells: {', '.join(sorted(unknown))} (see --list)")
        cells = [cell for cell in CELLS if cell.name in wanted]
    runs = dict(DIAGONAL_RUNS) if args.diagonal else default_runs()
    for database, option in (("sqlite", args.sqlite_caches), ("postgresql", args.pg_caches), ("mysql", args.mysql_caches)):
        if option is not None:
            runs[database] = [cache for cache in option.split(",") if cache]
    if args.report:
        return report(runs, args.markdown != "no", partial=args.partial)
    binary = Path(args.bin).resolve()
    if not binary.exists():
        sys.exit(f"cachalot binary not found at {binary} (CACHALOT_BIN or --bin)")
    binary_version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
    full = not (args.diagonal or args.cells or args.sqlite_caches or args.pg_caches or args.mysql_caches)

    if args.rerun_failed:
        for cell in cells:
            merged = rerun_failed(cell, binary)
            if merged is not None:
                (MATRIX_DIR / "results" / f"{cell.name}.json").write_text(json.dumps(merged, indent=1))
        return report(runs, False)
    print(f"interop matrix: {len(cells)} cells against {binary_version} ({binary})")
    started = time.time()
    results = []
    for cell in cells:
        print(f"\n== {cell.name}: Python {cell.python}, Django {DJANGO[cell.django]}, django-cachalot {CACHALOT[cell.cachalot]}, "
              f"django-redis {DJANGO_REDIS[cell.django_redis]} ({cell.why})", flush=True)
        cell_started = time.time()
        result = run_cell(cell, runs, binary, args.retries)
        result.update(binary=binary_version, tests=tests_digest(), date=datetime.datetime.now().isoformat(timespec="seconds"),
                      seconds=round(time.time() - cell_started, 1))
        if result["status"] != "passed" and not result["runs"]:
            print(f"  {result['status']}: {result.get('reason', '')}")
        results.append(result)
        # Only a cell's full set of runs is what --report and --rerun-failed build on.
        every_run = not (args.diagonal or args.sqlite_caches or args.pg_caches or args.mysql_caches)
        saved = MATRIX_DIR / ("results" if every_run else "results-partial")
        saved.mkdir(parents=True, exist_ok=True)
        (saved / f"{cell.name}.json").write_text(json.dumps(result, indent=1))
    elapsed = time.time() - started
    print_summary(results, elapsed)
    if args.markdown == "yes" or (args.markdown == "auto" and full):
        MARKDOWN.write_text(markdown(results, binary_version, elapsed, runs))
        write_readme(results, binary_version, runs)
        print(f"wrote {MARKDOWN.relative_to(ROOT)} and README.md's Compatibility section")
    if args.diagonal and any(result["status"] == "skipped" for result in results):
        # make test runs the diagonal: a cell it cannot run fails it, loudly.
        print("the diagonal needs both interpreters (pyenv's, as on this machine kind)", file=sys.stderr)
        return 1
    return 1 if any(result["status"] == "failed" for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
