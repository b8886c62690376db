"""Writes README's Performance section from the bars `make bench` just
measured (BENCH_RESULTS, one JSON object per bar: measure.py), with the
date, the binary's version and commit, and the machine: the figures are
the bench's own output, never copied by hand."""
import json
import os
import subprocess
import sys
import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- performance:start -->", "<!-- performance:end -->"


def machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    return f"{os.cpu_count()} cores ({model})"


def section(bars, figures, version):
    out = [START,
           f"Measured by `make bench` on {datetime.date.today().isoformat()} with `{version}` on {machine()}:"
           " medians of alternating runs (`bench/measure.py`); ratios, so that the machine's speed cancels out."
           " A bar not met yet is held by `make bench-check` (part of `make test`) to the figure it stood at,"
           " so that it cannot slide further while it is worked on.", "",
           "| what | measured | bar | |", "|---|---|---|---|"]
    for entry in bars:
        bound = f"{'≥' if entry['at_least'] else '≤'} {entry['limit']:g}"
        what = entry["bar"].replace("|", "\\|")  # a pipe inside a cell ends it
        out.append(f"| {what} | {entry['value']:.2f} | {bound} | {'met' if entry['met'] else 'not yet'} |")
    if figures:
        out += ["", "Measured in the same runs beside the bars: floors (what this machine allows whatever the client does), and where a bar's gap comes from:", ""]
        out += [f"- {entry['figure']}: {entry['value']:.2f}" for entry in figures]
    out.append(END)
    return "\n".join(out)


def main():
    results = Path(sys.argv[1])
    entries = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    bars = [entry for entry in entries if "bar" in entry]
    figures = [entry for entry in entries if "figure" in entry]
    if not bars:
        sys.exit(f"{results}: no bars were measured")
    binary = os.environ.get("CACHALOT_BIN", str(ROOT / ".build" / "release" / "cachalot"))
    version = subprocess.run([binary, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    text = README.read_text()
    start, end = text.index(START), text.index(END) + len(END)
    README.write_text(text[:start] + section(bars, figures, version) + text[end:])
    print(f"wrote README.md's Performance section ({len(bars)} bars)")


if __name__ == "__main__":
    main()
