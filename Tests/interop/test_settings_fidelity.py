"""Settings whose effect cachalot cannot reproduce are refused, and what
the site does not cache is left alone, as django-cachalot leaves it: each
of these once made `invalidate` exit 0 with the site stale, or exit 1
where `invalidate_cachalot` succeeds."""
import subprocess

import pytest
from cachalot.api import get_last_invalidation
from conftest import binary
from store import snapshot_cache


def without_models(settings):
    del settings["MODELS"]


@pytest.mark.parametrize("key", ["CACHALOT_UNCACHABLE_APPS", "CACHALOT_ONLY_CACHABLE_APPS"])
def test_app_filters_without_models_are_refused_and_nothing_is_written(key, cachalot, edited_settings):
    before = snapshot_cache()
    with edited_settings(lambda settings: (without_models(settings), settings.update({key: ["library"]}))):
        for args in (["invalidate"], ["invalidate", "auth"]):
            result = cachalot(*args, check=False)
            assert result.returncode == 2, result.stderr
            assert key in result.stderr and "MODELS" in result.stderr
    assert snapshot_cache() == before


def test_an_uncachable_table_named_is_reported_as_skipped(cachalot):
    before = get_last_invalidation("django_migrations")
    result = cachalot("invalidate", "django_migrations")
    assert "successfully" not in result.stdout
    assert "No cache keys invalidated" in result.stdout
    assert "django_migrations: skipped, uncachable" in result.stderr
    assert get_last_invalidation("django_migrations") == before


def test_a_database_the_site_does_not_cache_is_not_opened(cachalot, edited_settings):
    """CACHALOT_DATABASES leaves "archive" out: the site never caches its
    queries, so it is never opened, and its being down changes nothing."""
    def with_uncached_database(settings):
        settings["DATABASES"]["archive"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/nonexistent/archive.sqlite3"}
        settings["CACHALOT_DATABASES"] = ["default"]
    with edited_settings(with_uncached_database):
        for args in (["invalidate"], ["invalidate", "auth"], ["invalidate", "auth_user"]):
            result = cachalot(*args, "-v", "2")
            assert "database 'archive'" not in result.stdout
    assert get_last_invalidation("auth_user") > 0


@pytest.mark.databases("postgresql", reason="a table lock a restore holds, which SQLite has no way to take")
def test_a_no_label_invalidate_without_models_reads_no_content_type(edited_settings, settings_file, raw_db):
    """Django's no-label invalidate lists tables and nothing else; a restore
    holding django_content_type locked must not stop it."""
    raw_db.execute("LOCK TABLE django_content_type IN ACCESS EXCLUSIVE MODE")
    try:
        with edited_settings(without_models):
            result = subprocess.run([binary(), "--settings", str(settings_file), "invalidate"],
                                    capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    finally:
        raw_db.commit()
