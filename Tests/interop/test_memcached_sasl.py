"""pylibmc with SASL (`binary: True`, username and password) against a
memcached started with -S, which speaks only the binary protocol: the
site's round trip through cachalot, the stamps as pylibmc reads them, and
what cannot work over SASL said plainly. Runs with pylibmc-sasl only."""
import json

from django.core.cache import cache
from library.models import Book

from conftest import MEMCACHED_SASL_PASSWORD
from store import table_key


def titles():
    return sorted(Book.objects.values_list("title", flat=True))


def test_a_stale_site_is_fresh_after_invalidate(cachalot, raw_db):
    Book.objects.create(title="Before")
    assert titles() == ["Before"]
    raw_db.execute("UPDATE catalogue_books SET title = 'After'")
    raw_db.commit()
    assert titles() == ["Before"], "the site serves its cached rows"
    cachalot("invalidate", "library")
    assert titles() == ["After"]
    Book.objects.all().delete()


def test_stamps_read_back_as_pylibmc_reads_them(cachalot):
    cachalot("invalidate", "library.Book")
    stamp = cache.get(table_key("catalogue_books"))
    assert isinstance(stamp, float)
    assert cachalot("last-invalidation", "library.Book").stdout == repr(stamp) + "\n"
    # A second run finds the key and moves it forward (binary gets, then a set with its CAS).
    cachalot("invalidate", "library.Book")
    assert cache.get(table_key("catalogue_books")) > stamp


def test_a_refused_password_is_exit_1_naming_sasl_and_never_shown(cachalot, edited_settings):
    def wrong(settings):
        settings["CACHES"]["default"]["OPTIONS"]["password"] = "not-" + MEMCACHED_SASL_PASSWORD
    with edited_settings(wrong):
        result = cachalot("invalidate", "library", check=False)
    assert result.returncode == 1, result.stderr
    assert "SASL authentication as \"site\" failed" in result.stderr
    assert MEMCACHED_SASL_PASSWORD not in result.stderr + result.stdout


def test_stats_reads_table_keys_by_name_and_says_it_cannot_list(cachalot):
    cachalot("invalidate", "library.Book")
    stamp = cache.get(table_key("catalogue_books"))
    result = cachalot("stats", "--json")
    assert "the entries cannot be listed" in result.stderr
    report = json.loads(result.stdout)
    (stats,) = report["caches"]
    assert stats["reachable"] and stats["groups"] is None and "cannot list keys" in stats["entries_unlisted"]
    assert stats["server"]["memcached_version"]
    (database,) = stats["databases"]
    assert database["newest_invalidation"]["table"] == "catalogue_books"
    assert database["newest_invalidation"]["timestamp"] == stamp
    text = cachalot("stats").stdout
    assert "reachable: yes" in text and "entries: not listed" in text
