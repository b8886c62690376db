"""The completion scripts, run in their real shells against the real
binary: labels and aliases come from the settings file (--settings on the
line being completed), commands and choices from the table."""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, binary

pytestmark = pytest.mark.backends("filebased", reason="completion reads only the settings file: once per database")

SCRIPTS = ROOT / "completions"


def shell_env():
    return {**os.environ, "PATH": f"{Path(binary()).resolve().parent}:{os.environ['PATH']}"}


def bash_complete(*words):
    """COMPREPLY of _cachalot for the words, the last one being completed."""
    quoted = " ".join("'" + word.replace("'", "'\\''") + "'" for word in ("cachalot", *words))
    script = f'source {SCRIPTS / "cachalot.bash"}; COMP_WORDS=({quoted}); COMP_CWORD={len(words)}; _cachalot; printf "%s\\n" "${{COMPREPLY[@]}}"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=shell_env(), check=True)
    return sorted(line for line in result.stdout.splitlines() if line)


def fish_complete(line):
    script = f'source {SCRIPTS / "cachalot.fish"}; complete -C "{line}"'
    result = subprocess.run(["fish", "-c", script], capture_output=True, text=True, env=shell_env(), check=True)
    return sorted(line.split("\t")[0] for line in result.stdout.splitlines() if line)


# An interactive zsh on a pseudo-terminal (zpty) with compinit and the
# script on fpath types the line and TAB; compadd, wrapped, prints what each
# call adds between markers.
ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''; RPROMPT=''; fpath=($1 \$fpath); PATH=$2:\$PATH; autoload -U compinit; compinit -u -D"
zpty -w z "compadd() { builtin compadd -O __hits \"\$@\"; print -r -- \$'\\n@@BEGIN'; print -rl -- \$__hits; print -r -- @@END; builtin compadd \"\$@\" }"
zpty -w -n z "$3"$'\t'
out=''
for i in {1..50}; do
    sleep 0.1
    while zpty -r -t z chunk; do out+=$chunk; done
    [[ $out == *@@END* && $i -gt 8 ]] && break
done
print -r -- "$out"
zpty -d z
"""


def zsh_complete(line):
    result = subprocess.run(["zsh", "-f", "-c", ZSH_DRIVER, "zsh", str(SCRIPTS), str(Path(binary()).resolve().parent), line],
                            capture_output=True, text=True, timeout=30)
    hits, inside = set(), False
    for raw in result.stdout.replace("\r", "").splitlines():
        if raw == "@@BEGIN":
            inside = True
        elif raw == "@@END":
            inside = False
        elif inside and raw:
            hits.add(raw)
    return sorted(hits)


def test_bash_completes_labels_aliases_commands_and_choices(settings_file):
    settings = ("--settings", str(settings_file))
    labels = bash_complete(*settings, "invalidate", "libr")
    assert "library" in labels and "library.Book" in labels and "library.Author" in labels
    assert all(label.startswith("libr") for label in labels)
    auth = bash_complete(*settings, "last-invalidation", "au")
    assert "auth" in auth and "auth.User" in auth and all(label.startswith("au") for label in auth)
    assert bash_complete(*settings, "invalidate", "-c", "") == ["default"]
    assert bash_complete(*settings, "stats", "--db", "") == ["default"]
    # Real bash splits --settings=PATH at the = (COMP_WORDBREAKS).
    assert bash_complete("--settings", "=", str(settings_file), "invalidate", "-d", "") == ["default"]
    assert bash_complete("inv") == ["invalidate"]
    assert bash_complete("last-invalidation", "--format", "") == ["age", "float", "iso", "json"]
    assert "--dry-run" in bash_complete("invalidate", "--")
    # No settings file where the line points: nothing, and no error on the terminal.
    assert bash_complete("--settings", "/nonexistent.toml", "invalidate", "") == []


def labels_of(settings_file):
    result = subprocess.run([binary(), "--settings", str(settings_file), "completions", "--list", "labels"],
                            capture_output=True, text=True, check=True)
    return result.stdout.split()


@pytest.mark.parametrize("complete", [lambda line: fish_complete(line), lambda line: zsh_complete(line)], ids=["fish", "zsh"])
def test_fish_and_zsh_complete_labels_aliases_commands_and_choices(settings_file, complete):
    line = f"cachalot --settings {settings_file}"
    labels = complete(f"{line} invalidate libr")
    assert "library" in labels and "library.Book" in labels
    assert all(label.startswith("libr") for label in labels)
    assert complete(f"{line} invalidate -c ") == ["default"]
    assert complete(f"cachalot --settings={settings_file} stats --db ") == ["default"]
    assert "invalidate" in complete("cachalot inv")
    assert complete("cachalot query --format ") == ["csv", "json", "table", "tsv"]


def test_list_is_what_the_settings_hold(settings_file):
    labels = labels_of(settings_file)
    assert labels == sorted(set(labels))
    assert {"auth", "auth.User", "library", "library.Book", "library.Book_authors", "contenttypes"} <= set(labels)
    run = subprocess.run([binary(), "--settings", str(settings_file), "completions", "--list", "caches"],
                         capture_output=True, text=True, check=True)
    assert run.stdout == "default\n"
    refused = subprocess.run([binary(), "completions", "--list", "labels", "bash"], capture_output=True, text=True)
    assert refused.returncode == 2 and "takes no shell name" in refused.stderr


@pytest.mark.parametrize("complete", ["bash", "fish", "zsh"])
def test_a_hostile_alias_or_label_is_offered_as_it_is_never_run(tmp_path, settings_file, complete):
    import json

    settings = json.loads(settings_file.read_text())
    alias = "$(touch${IFS}%s)" % (tmp_path / "ran")
    settings["CACHES"] = {alias: settings["CACHES"]["default"]}
    settings["CACHALOT_CACHE"] = alias.replace("${", "$${")  # values are expanded; $${ is a literal ${
    settings["MODELS"]["x.`touch${IFS}%s`" % (tmp_path / "ran2")] = "x_y"
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(settings))  # keys are never expanded: the alias is these characters
    if complete == "bash":
        caches = bash_complete("--settings", str(hostile), "invalidate", "-c", "")
        bash_complete("--settings", str(hostile), "invalidate", "x")
    elif complete == "fish":
        caches = fish_complete(f"cachalot --settings {hostile} invalidate -c ")
        fish_complete(f"cachalot --settings {hostile} invalidate x")
    else:
        caches = zsh_complete(f"cachalot --settings {hostile} invalidate -c ")
        zsh_complete(f"cachalot --settings {hostile} invalidate x")
    assert caches == [alias]
    assert not (tmp_path / "ran").exists() and not (tmp_path / "ran2").exists()
