"""How the benchmarks time commands: each contender started with
posix_spawn (no shell, no Python in the child), the contenders run in turn
ROUNDS times so that a slow moment of the machine hits all of them, then
medians and ratios; peak resident memory comes from one more run under GNU
time (a vfork'd child's own rusage counts Python's pages too)."""
import os
import statistics
import subprocess
import sys
import time

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


def bar(description, value, limit):
    """Records and prints one of the bars the lean-core issue sets."""
    met = value <= limit
    BARS.append((description, value, limit, met))
    print(f"  bar: {description}: {value:.2f} (at most {limit:.2f}) {'met' if met else 'MISSED'}")


def summary():
    print("\nbars:")
    for description, value, limit, met in BARS:
        print(f"  {'met   ' if met else 'MISSED'} {description}: {value:.2f} (at most {limit:.2f})")
