"""On SQLite, the rows `cachalot query` stores on a miss are the Python
values Django's own cursor returns (sqlite3 opened with PARSE_DECLTYPES |
PARSE_COLNAMES and Django's converters for bool, date, time, datetime and
timestamp): what Django caches for the same query, value for value and
type for type."""
import datetime
import hashlib
import json
import os
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, models
from django.test.utils import override_settings

# django-redis's JSON serializer cannot hold these values as Python
# objects (cachalot refuses to store them there): that run leaves this
# file out, as the msgpack one does (datetime_rows).
ENGINES = () if os.environ["INTEROP_CACHE"] == "django-redis-json" else ("sqlite",)
pytestmark = [pytest.mark.databases(*ENGINES, "the converters under test are Django's SQLite ones"),
              pytest.mark.datetime_rows]


class Reading(models.Model):
    """Created by the test itself (schema_editor): every column type whose
    SQLite declared type has one of Django's converters, and decimal, which
    has none."""

    flag = models.BooleanField(null=True)
    at = models.DateTimeField(null=True)
    day = models.DateField(null=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    clock = models.TimeField(null=True)

    class Meta:
        app_label = "library"
        db_table = "library_reading"


@pytest.fixture
def readings():
    with connection.schema_editor() as editor:
        editor.create_model(Reading)
    yield Reading
    with connection.schema_editor() as editor:
        editor.delete_model(Reading)


def cached_result(key):
    stored = cache.get(key)
    assert stored is not None and len(stored) == 2, stored
    return stored[1]


def typed(rows):
    """repr tells True from 1 and Decimal from float, which == does not."""
    return [repr(tuple(row)) for row in rows]


@pytest.mark.parametrize("use_tz", [True, False])
def test_a_miss_stores_the_values_django_caches_for_the_same_query(cachalot, readings, use_tz):
    moment = datetime.datetime(2024, 2, 29, 13, 45, 30, 123456)
    with override_settings(USE_TZ=use_tz):
        at = moment.replace(tzinfo=datetime.timezone.utc) if use_tz else moment
        Reading.objects.create(flag=True, at=at, day=datetime.date(2024, 2, 29), amount=Decimal("12.50"),
                               clock=datetime.time(13, 45, 30, 500000))
        Reading.objects.create(flag=False, at=at.replace(microsecond=0), day=datetime.date(1, 1, 1),
                               amount=Decimal("3.00"), clock=datetime.time(0, 0))
        Reading.objects.create()
        queryset = Reading.objects.order_by("id").values_list("flag", "at", "day", "amount", "clock")
        sql, params = queryset.query.sql_with_params()
        assert params == ()

        miss = cachalot("query", "-v", "--format", "json", sql)
        assert "miss" in miss.stderr
        stored = cached_result(hashlib.sha1(f"default:{sql}:[]:cachalot-cli".encode()).hexdigest())

        list(queryset)  # Django runs it through its cursor and caches the raw rows
        django_rows = [row for chunk in cached_result(hashlib.sha1(f"default:{sql}:[]".encode()).hexdigest())
                       for row in chunk]

    assert typed(stored) == typed(django_rows)
    assert django_rows[0][0] is True and isinstance(django_rows[0][1], datetime.datetime)  # the converters ran
    hit = cachalot("query", "-v", "--format", "json", sql)
    assert "hit" in hit.stderr and hit.stdout == miss.stdout


def test_column_name_types_convert_as_django_s_cursor_does(cachalot, readings):
    """PARSE_COLNAMES: `"x [bool]"` converts and names the column "x"."""
    Reading.objects.create(day=datetime.date(2024, 2, 29))
    sql = 'SELECT day AS "d [timestamp]", 1 AS "one [BOOL]", 0 AS "zero [bool]", day AS "raw [nothing]" FROM library_reading'
    with connection.cursor() as cursor:
        cursor.execute(sql)
        expected = cursor.fetchall()
        names = [column[0] for column in cursor.description]
    cachalot("query", sql)
    stored = cached_result(hashlib.sha1(f"default:{sql}:[]:cachalot-cli".encode()).hexdigest())
    assert typed(stored) == typed(expected)
    shown = json.loads(cachalot("query", "--format", "json", sql).stdout)
    assert list(shown[0]) == names


@pytest.mark.parametrize("text", ["2024-02-29 13:45:30+02:00", "2024-02-29T13:45Z", "2024-02-29 13:45:30.5-05:30",
                                  "2024-02-29 13:45:30.000001", "2024-02-29 00:00:00+00:00", "0001-01-01 00:00:00", "2024-02-29"])
def test_datetime_texts_written_behind_django_s_back_convert_as_its_cursor_does(cachalot, readings, raw_db, text):
    raw_db.execute("INSERT INTO library_reading (at) VALUES (?)", (text,))
    raw_db.commit()
    sql = "SELECT at FROM library_reading"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        expected = cursor.fetchall()
    cachalot("query", sql)
    assert typed(cached_result(hashlib.sha1(f"default:{sql}:[]:cachalot-cli".encode()).hexdigest())) == typed(expected)


@pytest.mark.parametrize("text", ["2024-02-29T13:45:30+0200", "29/02/2024", "2024-02-30 00:00:00", "20240229"])
def test_a_datetime_text_not_reproduced_exactly_is_refused_and_nothing_is_stored(cachalot, readings, raw_db, text):
    raw_db.execute("INSERT INTO library_reading (at) VALUES (?)", (text,))
    raw_db.commit()
    sql = "SELECT at FROM library_reading"
    refused = cachalot("query", sql, check=False)
    assert refused.returncode == 2, refused
    assert "at" in refused.stderr and text in refused.stderr
    assert cache.get(hashlib.sha1(f"default:{sql}:[]:cachalot-cli".encode()).hexdigest()) is None


def test_a_datetime_whose_zone_depends_on_the_python_version_needs_versions(cachalot, readings, raw_db, edited_settings):
    """Python 3.10 names the zone of "…30.5-05:30" (Django's own parser),
    3.11 does not: without VERSIONS.python, cachalot cannot tell which."""
    raw_db.execute("INSERT INTO library_reading (at) VALUES (?)", ("2024-02-29 13:45:30.5-05:30",))
    raw_db.commit()
    with edited_settings(lambda settings: settings.pop("VERSIONS")):
        result = cachalot("query", "SELECT at FROM library_reading", check=False)
    assert result.returncode == 2 and "VERSIONS" in result.stderr, result.stderr
