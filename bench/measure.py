"""How the benchmarks time commands: each contender started with
posix_spawn (no shell, no Python in the child), the contenders run in turn
ROUNDS times so that a slow moment of the machine hits all of them, then
medians and ratios; peak resident memory comes from one more run under GNU
time (a vfork'd child's own rusage counts Python's pages too)."""
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = int(os.environ.get("ROUNDS", "31"))


def run_once(argv, cwd=None, env=None):
    """Runs argv once with stdout and stderr discarded; its wall time in seconds."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
        previous = os.getcwd()
        if cwd:
            os.chdir(cwd)
        try:
            start = time.perf_counter()
            pid = os.posix_spawnp(argv[0], argv, env if env is not None else os.environ, file_actions=actions)
            _, status = os.waitpid(pid, 0)
            elapsed = time.perf_counter() - start
        finally:
            os.chdir(previous)
    finally:
        os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, argv[:6]))} ... exited {os.waitstatus_to_exitcode(status)}")
    return elapsed


def peak_memory_kib(argv, cwd=None, env=None):
    """Peak resident set size of one run, as GNU time reports it (%M)."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], env=env, cwd=cwd, check=True, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return int(result.stderr.strip().splitlines()[-1])


def compare(title, contenders, cwd=None, env=None, rounds=ROUNDS, before=None):
    """contenders: name → argv. `before(name)` runs untimed before each run.
    Prints a table and returns the medians in seconds by name."""
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, argv in contenders.items():
            if before:
                before(name)
            samples[name].append(run_once(argv, cwd, env))
    peaks = {name: peak_memory_kib(argv, cwd, env) for name, argv in contenders.items()}
    medians = {name: statistics.median(runs) for name, runs in samples.items()}
    first = next(iter(medians))
    print(f"\n{title} ({rounds} alternating runs each)")
    for name, median in medians.items():
        unit, scale = ("s", 1) if median >= 1 else ("ms", 1000)
        print(f"  {name:52s} median {median * scale:9.2f} {unit:2s} {median / medians[first]:7.2f}x"
              f"  peak RSS {peaks[name] / 1024:6.1f} MiB")
    return medians


BARS = []
# make bench-check: a bar missed by more than its margin fails the run.
CHECK = os.environ.get("BENCH_CHECK") == "1"
# The exit status of a run in which a bar slid (the Makefile measures again);
# any other failure (a command that exited non-zero) is 1 and is not retried.
SLID = 3
# A JSON-lines file each bar is appended to (make bench writes README's
# Performance section from it: bench/publish.py).
RESULTS = os.environ.get("BENCH_RESULTS")


def cli_entry_key(sql, params):
    """The digest `cachalot query` stores its own entry under (docs/FORMATS.md,
    "Query keys"): the key redis-cli GETs for the same read. The cache holds
    the statement's remembered analysis too, under another digest."""
    return hashlib.sha1(f"default:{sql}:{[str(param) for param in params]}:cachalot-cli".encode()).hexdigest()


def bar(description, value, limit, standing=None, margin=0.3, at_least=False):
    """One of the bars the issues set: `value` at most `limit` (at least,
    with `at_least`). A bar not met yet carries `standing`, the figure it
    stood at on main when last measured (README, Performance): until it is
    met, make bench-check holds it there instead, so it cannot slide
    further. `margin` is how far a noisy 2-core machine may stray past
    the bar (or the standing figure) before bench-check fails."""
    met = value >= limit if at_least else value <= limit
    held = limit if standing is None else (min(limit, standing) if at_least else max(limit, standing))
    allowed = held / (1 + margin) if at_least else held * (1 + margin)
    slid = value < allowed if at_least else value > allowed
    if met and standing is not None:
        print(f"  note: {description} now meets its bar: its standing figure ({standing}) can go")
    BARS.append({"bar": description, "value": round(value, 3), "limit": limit, "at_least": at_least, "met": met,
                 "standing": standing, "allowed": round(allowed, 3), "slid": slid})
    print(f"  bar: {description}: {value:.2f} ({'at least' if at_least else 'at most'} {limit:.2f}) {'met' if met else 'MISSED'}"
          + (f"; SLID past {allowed:.2f}" if slid else ""))


FIGURES = []


def figure(description, value):
    """A figure that is not a bar, published beside them: what the machine
    itself allows (a floor no client can go below), or where a bar's gap
    comes from (the same run off this disk)."""
    FIGURES.append({"figure": description, "value": round(value, 3)})
    print(f"  figure: {description}: {value:.2f}")


def summary():
    """Prints every bar; appends them to BENCH_RESULTS; under BENCH_CHECK,
    exits SLID (3) when one slid past what it is held to."""
    print("\nbars:")
    for entry in BARS:
        print(f"  {'met   ' if entry['met'] else 'MISSED'} {entry['bar']}: {entry['value']:.2f}"
              f" ({'at least' if entry['at_least'] else 'at most'} {entry['limit']:.2f})")
    if RESULTS:
        with open(RESULTS, "a") as results:
            for entry in BARS + FIGURES:
                results.write(json.dumps({"script": Path(sys.argv[0]).name, "rounds": ROUNDS, **entry}) + "\n")
    slid = [entry for entry in BARS if entry["slid"]]
    if CHECK and slid:
        print("bench-check: " + "; ".join(f"{entry['bar']} is {entry['value']:.2f}, past {entry['allowed']:.2f}"
                                          for entry in slid), file=sys.stderr)
        sys.exit(SLID)
