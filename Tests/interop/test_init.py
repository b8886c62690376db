"""`cachalot init` against the real site: the file it writes, --check, the
${VAR} it keeps, and what it refuses. conftest's session file is itself
written by `init` (on every cache and database), so these cover the rest."""
import json
import os
import stat
import subprocess
import sys

import pytest

from conftest import HERE, binary, init_command

pytestmark = pytest.mark.backends("filebased", reason="init runs the site's Python: once per database is enough")


def run(command, env=None):
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def test_init_writes_what_the_session_uses_and_check_agrees(tmp_path, settings_file):
    target = tmp_path / "cachalot.json"
    result = run(init_command(target))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text()) == json.loads(settings_file.read_text())
    lines = result.stdout.splitlines()
    assert lines[0].startswith("caches: default (django.core.cache.backends.filebased.FileBasedCache)")
    assert lines[2].startswith("models: ") and int(lines[2].split(": ")[1]) >= 10
    assert "django-cachalot 2." in lines[3] and "django " in lines[3]
    assert any(line.startswith("OK    settings: ") for line in lines), "init runs doctor after writing"
    check = run(init_command(target, "--check"))
    assert (check.returncode, check.stdout.strip()) == (0, f"{target} matches the site's settings")
    again = run(init_command(target))
    assert again.returncode == 0 and f"{target} already matches the site's settings" in again.stdout


def test_check_names_each_difference_and_init_asks_before_overwriting(tmp_path):
    target = tmp_path / "cachalot.json"
    run(init_command(target))
    settings = json.loads(target.read_text())
    settings["CACHES"]["default"]["KEY_PREFIX"] = "old"
    settings["MODELS"]["gone.Model"] = "gone_model"
    del settings["MODELS"]["library.Book"]
    target.write_text(json.dumps(settings))
    edited = target.read_text()

    check = run(init_command(target, "--check"))
    assert check.returncode == 1
    assert check.stdout.splitlines() == [
        '- CACHES.default.KEY_PREFIX: "old"',
        '- MODELS["gone.Model"]: "gone_model"',
        '+ MODELS["library.Book"]: "catalogue_books"',
        f"{target} differs from the site's settings in 3 keys: run cachalot init",
    ]
    assert target.read_text() == edited

    declined = run(init_command(target))  # no terminal: never asks, never overwrites
    assert declined.returncode == 1 and "left as it was" in declined.stderr and "--force" in declined.stderr
    assert target.read_text() == edited
    forced = run(init_command(target, "--force"))
    assert forced.returncode == 0 and f"wrote {target}" in forced.stdout
    assert run(init_command(target, "--check")).returncode == 0


def test_a_variable_in_the_file_is_kept_and_compared_expanded(tmp_path):
    target = tmp_path / "cachalot.json"
    run(init_command(target))
    settings = json.loads(target.read_text())
    name = settings["DATABASES"]["default"]["NAME"]
    password = settings["DATABASES"]["default"].get("PASSWORD", "")  # site-pass on PostgreSQL and MariaDB
    settings["DATABASES"]["default"]["NAME"] = "${SITE_DATABASE_NAME}"
    settings["DATABASES"]["default"]["PASSWORD"] = "${SITE_DATABASE_PASSWORD}"
    settings["CACHES"]["default"]["KEY_PREFIX"] = "old"  # a difference, so that init rewrites the file
    target.write_text(json.dumps(settings))
    env = {"SITE_DATABASE_NAME": str(name), "SITE_DATABASE_PASSWORD": password}

    check = run(init_command(target, "--check"), env)
    assert check.returncode == 1 and check.stdout.splitlines()[0] == '- CACHES.default.KEY_PREFIX: "old"'
    assert run(init_command(target, "--force"), env).returncode == 0
    rewritten = json.loads(target.read_text())
    assert rewritten["DATABASES"]["default"]["NAME"] == "${SITE_DATABASE_NAME}"
    assert rewritten["DATABASES"]["default"]["PASSWORD"] == "${SITE_DATABASE_PASSWORD}"
    assert password == "" or password not in target.read_text()
    # The commands read the file as the site: the variables supply what it left out.
    assert run([binary(), "--settings", str(target), "doctor"], env).returncode == 0
    assert "KEY_PREFIX" not in rewritten["CACHES"]["default"]
    assert run(init_command(target, "--check"), env).returncode == 0
    # Where the variable holds another value, the file no longer matches the site.
    moved = run(init_command(target, "--check"), {**env, "SITE_DATABASE_NAME": "/elsewhere.sqlite3"})
    assert moved.returncode == 1 and "~ DATABASES.default.NAME: " in moved.stdout
    unset = subprocess.run(init_command(target, "--check"), capture_output=True, text=True,
                           env={key: value for key, value in {**os.environ, **env}.items() if key != "SITE_DATABASE_NAME"})
    assert unset.returncode == 2 and "environment variable SITE_DATABASE_NAME is not set" in unset.stderr


def test_a_password_in_a_difference_is_never_shown(tmp_path):
    target = tmp_path / "cachalot.json"
    run(init_command(target))
    settings = json.loads(target.read_text())
    settings["DATABASES"]["default"]["PASSWORD"] = "s3cret-old"
    target.write_text(json.dumps(settings))
    check = run(init_command(target, "--check"))
    assert check.returncode == 1
    assert "s3cret" not in check.stdout + check.stderr
    assert any(line.startswith("~ DATABASES.default.PASSWORD: (hidden) → ") for line in check.stdout.splitlines())


@pytest.mark.parametrize("extra, code, words", [
    (["--check", "--force"], 2, "--check and --force exclude each other"),
    (["--settings-module", "no.such.settings"], 1, "No module named 'no'"),
    (["--python", "/nonexistent/python"], 2, "--python /nonexistent/python is not an executable file"),
])
def test_bad_input_writes_nothing(tmp_path, extra, code, words):
    target = tmp_path / "cachalot.json"
    result = run(init_command(target, *extra))
    assert result.returncode == code, result.stderr
    assert words in result.stderr
    assert not target.exists()


def test_manage_py_is_looked_for_in_the_current_folder(tmp_path):
    result = subprocess.run([os.path.abspath(binary()), "init", "-o", str(tmp_path / "x.json")], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2 and f"no manage.py in {tmp_path}" in result.stderr
    toml = tmp_path / "cachalot.toml"
    refused = run([binary(), "init", "--manage", str(HERE / "manage.py"), "--python", sys.executable, "-o", str(toml)])
    assert refused.returncode == 2 and "init writes JSON" in refused.stderr and not toml.exists()


@pytest.mark.parametrize("answer, written", [("y\n", True), ("n\n", False), ("\n", False)])
def test_on_a_terminal_init_asks_before_overwriting(tmp_path, answer, written):
    import pty

    target = tmp_path / "cachalot.json"
    run(init_command(target))
    settings = json.loads(target.read_text())
    settings["CACHES"]["default"]["KEY_PREFIX"] = "old"
    target.write_text(json.dumps(settings))
    leader, follower = pty.openpty()
    process = subprocess.Popen(init_command(target), stdin=follower, stdout=subprocess.PIPE, stderr=follower, text=True)
    os.close(follower)
    seen = b""
    while b"[y/N]" not in seen:
        chunk = os.read(leader, 4096)
        assert chunk, seen
        seen += chunk
    assert f"overwrite {target}?".encode() in seen
    os.write(leader, answer.encode())
    out, _ = process.communicate(timeout=60)
    os.close(leader)
    assert ("KEY_PREFIX" in target.read_text()) != written
    assert (f"wrote {target}" in out) == written
    assert process.returncode == (0 if written else 1)


def edited_site(target, edit, *extra):
    """init on the site with INTEROP_EDIT merged into its CACHES/DATABASES."""
    return run(init_command(target, "--settings-module", "interopsite.edited", *extra), {"INTEROP_EDIT": json.dumps(edit)})


def test_a_value_holding_a_dollar_brace_reads_back_as_itself(tmp_path):
    from conftest import DATABASE

    target = tmp_path / "cachalot.json"
    edit = {"CACHES": {"default": {"KEY_PREFIX": "app${HOME}"}}}
    if DATABASE == "sqlite":  # a server would refuse this password; SQLite ignores it
        edit["DATABASES"] = {"default": {"PASSWORD": "p${ass"}}
    result = edited_site(target, edit)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(target.read_text())["CACHES"]["default"]["KEY_PREFIX"] == "app$${HOME}"
    check = run(init_command(target, "--check", "--settings-module", "interopsite.edited"), {"INTEROP_EDIT": json.dumps(edit)})
    assert check.returncode == 0, check.stdout + check.stderr
    # The stamp lands where a site with that KEY_PREFIX reads it: md5 of "app${HOME}:1:<table key>".
    import hashlib

    from store import table_key

    assert run([binary(), "--settings", str(target), "invalidate", "library.Author"]).returncode == 0
    location = json.loads(target.read_text())["CACHES"]["default"]["LOCATION"]
    made = "app${HOME}:1:" + table_key("library_author")
    assert os.path.exists(os.path.join(location, hashlib.md5(made.encode()).hexdigest() + ".djcache"))


def test_relative_paths_are_the_sites_and_other_extensions_are_refused(tmp_path):
    target = tmp_path / "elsewhere" / "cachalot.json"
    target.parent.mkdir()
    result = edited_site(target, {"CACHES": {"default": {"LOCATION": "relcache"}}})
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["CACHES"]["default"]["LOCATION"] == str(HERE / "relcache")
    refused = run(init_command(tmp_path / "noext"))
    assert refused.returncode == 2 and "does not end in .json" in refused.stderr and not (tmp_path / "noext").exists()


def test_a_symlink_is_followed_and_an_existing_files_mode_kept(tmp_path):
    real = tmp_path / "real.json"
    run(init_command(real))
    settings = json.loads(real.read_text())
    settings["CACHES"]["default"]["KEY_PREFIX"] = "old"
    real.write_text(json.dumps(settings))
    os.chmod(real, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert run(init_command(link, "--force")).returncode == 0
    assert link.is_symlink() and "KEY_PREFIX" not in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_a_placeholder_that_no_longer_holds_is_said(tmp_path):
    target = tmp_path / "cachalot.json"
    run(init_command(target))
    settings = json.loads(target.read_text())
    settings["DATABASES"]["default"]["NAME"] = "${STALE_NAME}"
    target.write_text(json.dumps(settings))
    result = run(init_command(target, "--force"), {"STALE_NAME": "/old/place.sqlite3"})
    assert result.returncode == 0
    assert "DATABASES.default.NAME: the file's ${…} no longer expands to the site's value" in result.stderr
    assert "${STALE_NAME}" not in target.read_text()


def test_force_replaces_a_file_that_does_not_parse(tmp_path):
    target = tmp_path / "cachalot.json"
    target.write_text('{"broken')
    assert run(init_command(target)).returncode == 2
    forced = run(init_command(target, "--force"))
    assert forced.returncode == 0 and json.loads(target.read_text())["MODELS"]


def test_the_readmes_manual_export_writes_what_init_writes(tmp_path):
    import re

    from conftest import ROOT

    command = re.search(r"<!-- export-command -->\s*```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S).group(1)
    command = command.replace("/usr/share/cachalot/export-settings.py", str(ROOT / "share" / "export-settings.py"))
    path = f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"
    manual = subprocess.run(["sh", "-c", command.replace("python manage.py", f"python {HERE / 'manage.py'}")], cwd=tmp_path,
                            env={**os.environ, "PATH": path}, capture_output=True, text=True)
    assert manual.returncode == 0, manual.stderr
    written = tmp_path / "cachalot.json"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    check = run(init_command(written, "--check"))
    assert check.returncode == 0, check.stdout
