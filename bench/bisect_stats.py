"""Which commit slowed `cachalot stats` down: a binary search over a range
of commits, each built in release in a throwaway worktree (with the
packages its own `make deps` installs) and measured with today's
bench_stats.py (fewer entries and rounds). Not a test.

    python3 bench/bisect_stats.py GOOD BAD [--threshold 0.5] [--entries 200000]
    python3 bench/bisect_stats.py --measure COMMIT...

GOOD must measure under the threshold and BAD over it; prints each commit's
ratio (stats / redis-cli --scan) and the first commit over the threshold.
--measure prints the ratio of each commit given, in order."""
import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKTREE = Path(os.environ.get("BISECT_WORKTREE", "/tmp/cachalot-bisect"))


def git(*args, cwd=ROOT):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def ratio(commit, entries):
    """Builds `commit` and returns its stats / redis-cli --scan ratio."""
    if WORKTREE.exists():
        git("worktree", "remove", "--force", str(WORKTREE))
    git("worktree", "add", "--detach", str(WORKTREE), commit)
    # Each commit installs what it builds against (older ones linked hiredis).
    subprocess.run(["make", "-s", "deps"], cwd=WORKTREE, check=True, stdout=subprocess.DEVNULL)
    build = subprocess.run(["swift", "build", "-c", "release", "--product", "cachalot"], cwd=WORKTREE,
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit(f"{commit}: the release build failed:\n{build.stderr[-2000:]}")
    binary = WORKTREE / ".build" / "release" / "cachalot"
    bench = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_stats.py")], capture_output=True, text=True,
                           env={**os.environ, "CACHALOT_BIN": str(binary), "ENTRIES": str(entries), "ROUNDS": "3"})
    found = re.search(r"bar: stats / \(redis-cli --scan \| wc -l\): ([0-9.]+)", bench.stdout)
    if not found:
        sys.exit(f"{commit}: no ratio in the bench's output:\n{bench.stdout[-2000:]}{bench.stderr[-2000:]}")
    return float(found.group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("good", nargs="?")
    parser.add_argument("bad", nargs="?")
    parser.add_argument("--measure", nargs="+", metavar="COMMIT")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--entries", type=int, default=200_000)
    options = parser.parse_args()
    try:
        if options.measure:
            for commit in options.measure:
                print(f"{commit[:7]} {ratio(commit, options.entries):.2f}  {git('log', '-1', '--format=%s', commit)[:100]}", flush=True)
        elif options.good and options.bad:
            bisect(options)
        else:
            parser.error("give GOOD and BAD, or --measure COMMIT...")
    finally:
        if WORKTREE.exists():
            git("worktree", "remove", "--force", str(WORKTREE))
        shutil.rmtree(WORKTREE, ignore_errors=True)


def bisect(options):
    commits = git("rev-list", "--reverse", "--first-parent", f"{options.good}..{options.bad}").split()

    def measure(commit):
        value = ratio(commit, options.entries)
        print(f"{commit[:7]} {value:.2f}  {git('log', '-1', '--format=%s', commit)[:100]}", flush=True)
        return value

    if measure(git("rev-parse", options.good)) >= options.threshold:
        sys.exit(f"GOOD ({options.good}) is not under {options.threshold}")
    low, high = -1, len(commits) - 1  # commits[high] is over the threshold
    if measure(commits[high]) < options.threshold:
        sys.exit(f"BAD ({options.bad}) is not over {options.threshold}")
    while high - low > 1:
        middle = (low + high) // 2
        if measure(commits[middle]) >= options.threshold:
            high = middle
        else:
            low = middle
    print(f"first commit over {options.threshold}: {commits[high][:7]} {git('log', '-1', '--format=%s', commits[high])[:200]}")


if __name__ == "__main__":
    main()
