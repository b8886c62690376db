"""Every output format scripts parse, against what the real site stored:
last-invalidation's formats, stats --top, invalidate's verbosity levels,
CSV and TSV with hostile values, Prometheus labels that need escaping."""
import csv
import datetime
import io
import json
import time

import pytest
from cachalot.api import get_last_invalidation
from library.models import Author
from prometheus_client.parser import text_string_to_metric_families


def test_last_invalidation_formats_agree_with_django(cachalot):
    cachalot("invalidate", "library")
    stored = get_last_invalidation("library.Author")
    assert cachalot("last-invalidation", "library.Author").stdout == repr(stored) + "\n"
    iso = cachalot("last-invalidation", "library.Author", "--format", "iso").stdout.strip()
    parsed = datetime.datetime.fromisoformat(iso)
    assert parsed.utcoffset() == datetime.timedelta(0) and abs(parsed.timestamp() - stored) < 1e-6
    age = float(cachalot("last-invalidation", "library.Author", "--format", "age").stdout)
    assert 0 <= age < time.time() - stored + 5
    as_json = json.loads(cachalot("last-invalidation", "library.Author", "--format", "json").stdout)
    assert as_json["last_invalidation"] == stored and as_json["iso"] == iso, as_json


def test_stats_top_lists_only_the_newest_tables(cachalot):
    cachalot("invalidate", "auth")
    time.sleep(0.01)
    cachalot("invalidate", "library.Author")
    report = json.loads(cachalot("stats", "--json", "--top", "1").stdout)
    rows = report["caches"][0]["databases"][0]["invalidations"]
    assert [row["table"] for row in rows] == ["library_author"]


def test_invalidate_verbosity_levels(cachalot):
    quiet = cachalot("invalidate", "library", "-v", "0")
    assert quiet.stdout == ""
    keys = cachalot("invalidate", "library.Author", "-v", "3").stdout
    line = next(line for line in keys.splitlines() if line.strip().startswith("library_author:"))
    import hashlib
    assert line.endswith(" key " + hashlib.sha1(b"default:library_author").hexdigest()), line


HOSTILE = ['comma, here', 'quote " here', "tab\there", "line\nbreak", "back\\slash", "", "NULL", "\\N"]


@pytest.mark.parametrize("form", ["csv", "tsv"])
def test_csv_and_tsv_carry_hostile_values_intact(cachalot, form):
    for name in HOSTILE:
        Author.objects.create(name=name)
    try:
        out = cachalot("query", "--format", form, "SELECT name FROM library_author ORDER BY id").stdout
        if form == "csv":
            rows = list(csv.reader(io.StringIO(out)))
            assert [row[0] for row in rows[1:]] == HOSTILE, rows
        else:
            # TSV: tab, newline and backslash escaped as \t, \n, \\; NULL is \N.
            lines = out.split("\n")[1:-1]
            decoded = [line.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\") for line in lines]
            assert len(lines) == len(HOSTILE) and "\\N" not in lines[:-1], lines
            assert decoded[:5] == HOSTILE[:5]
    finally:
        Author.objects.all().delete()


def test_prometheus_labels_with_quotes_and_backslashes_parse(cachalot, edited_settings):
    """A cache alias holding a quote, a backslash and a newline-free oddity
    must come out as an escaped label the real parser reads back."""
    alias = 'od"d\\alias'

    def rename(settings):
        settings["CACHES"][alias] = settings["CACHES"].pop("default")
        settings["CACHALOT_CACHE"] = alias
    with edited_settings(rename):
        text = cachalot("stats", "--prometheus").stdout
    labels = {sample.labels.get("cache") for family in text_string_to_metric_families(text) for sample in family.samples}
    assert alias in labels, labels


def test_stats_times_carry_their_offset_and_local_is_pythons_astimezone(settings_file):
    import os
    import subprocess

    from conftest import binary

    from cachalot.api import invalidate

    invalidate("library.Author")
    stored = get_last_invalidation("library.Author")

    def newest(*extra, zone):
        result = subprocess.run([binary(), "--settings", str(settings_file), "stats", *extra], capture_output=True,
                                text=True, env={**os.environ, "TZ": zone}, check=True)
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith("newest_invalidation: "))
        return line.split()[2]

    assert newest(zone="Asia/Kolkata") == datetime.datetime.fromtimestamp(stored, datetime.timezone.utc).isoformat()
    local = newest("--local", zone="Asia/Kolkata")
    assert local.endswith("+05:30") and datetime.datetime.fromisoformat(local).timestamp() == pytest.approx(stored, abs=1e-6)


def on_a_terminal(settings_file, *args):
    """stdout of cachalot on a pseudo-terminal, as a person sees it."""
    import os
    import pty
    import subprocess

    from conftest import binary

    leader, follower = pty.openpty()
    result = subprocess.run([binary(), "--settings", str(settings_file), *args], stdout=follower,
                            stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert result.returncode == 0, result.stderr
    return b"".join(chunks).decode().replace("\r\n", "\n").splitlines()


@pytest.mark.parametrize("args, header", [
    (("stats", "--tables"), ["invalidated", "age", "table", "model"]),
    (("last-invalidation", "--per-table"), ["invalidated", "cache", "database", "table"]),
])
def test_every_table_on_a_terminal_has_a_header_and_in_a_pipe_none(cachalot, settings_file, args, header):
    cachalot("invalidate", "library")
    seen = on_a_terminal(settings_file, *args)
    at = next(index for index, line in enumerate(seen) if line.split() == header)
    row = seen[at + 1]
    assert "\t" not in row and "library_author" in "".join(seen[at + 1:])
    # Columns line up under the header.
    assert row.index(row.split()[1]) >= seen[at].index(header[1])
    piped = cachalot(*args).stdout
    assert not any(line.split() == header for line in piped.splitlines())
    assert any(line.count("\t") == len(header) - 1 for line in piped.splitlines())
