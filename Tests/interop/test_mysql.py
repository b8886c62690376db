"""cachalot against the real Django site on MariaDB (mysqlclient): the raw
values Django's MySQL connection returns, Django's entries read back,
labels with and without MODELS."""
import datetime
import decimal
import hashlib
import json

import pytest
from cachalot.api import get_last_invalidation
from django.core.cache import cache
from django.db import connection
from myshop.models import Item

ADDED = datetime.datetime(2024, 3, 10, 8, 30, 15, 123456, tzinfo=datetime.timezone.utc)


@pytest.fixture(autouse=True)
def empty_tables():
    yield
    Item.objects.all().delete()


def without_models(settings):
    del settings["MODELS"]


def make_item(name="Lamp"):
    return Item.objects.create(name=name, price=decimal.Decimal("12345678.90"), added=ADDED, data=b"\x00\x01\xff'", flag=True)


def test_stale_then_fresh_by_app_model_table_and_no_label_with_and_without_models(cachalot, edited_settings, raw_db):
    item = make_item("Before")
    for run, labels in enumerate([["myshop"], ["myshop.Item"], ["myshop_item"], []]):
        for models in (True, False):
            name = f"After {run} {models}"
            assert Item.objects.get(pk=item.pk).name != name
            raw_db.execute("UPDATE myshop_item SET name = ?", (name,))
            raw_db.commit()
            if models:
                cachalot("invalidate", *labels)
            else:
                with edited_settings(without_models):
                    cachalot("invalidate", *labels)
            assert Item.objects.get(pk=item.pk).name == name, (labels, models)


def test_last_invalidation_is_byte_identical(cachalot):
    cachalot("invalidate", "myshop")
    assert cachalot("last-invalidation", "myshop.Item").stdout == repr(get_last_invalidation("myshop.Item")) + "\n"


SQL = """SELECT id, name, price, added, data, flag, 1.5, 1e0, CAST('13:45:07.12' AS TIME(6)), CAST('2024-02-29' AS DATE),
CAST(42 AS UNSIGNED), 18446744073709551615, _binary'ab', X'00ff', NULL, CAST(0.0000001 AS DECIMAL(10,8)), SUM(id), AVG(3)
FROM myshop_item GROUP BY id ORDER BY id"""


def test_query_rows_are_the_values_djangos_connection_returns(cachalot):
    make_item("Lamp")
    make_item("Désk ☃")
    cachalot("query", SQL)
    stored = cache.get(hashlib.sha1(f"default:{SQL}:[]:cachalot-cli".encode()).hexdigest())
    with connection.cursor() as cursor:
        cursor.execute(SQL, ())
        expected = cursor.fetchall()
    rows = stored[1]
    assert [[(type(v), repr(v)) for v in row] for row in rows] == [[(type(v), repr(v)) for v in row] for row in expected]


def test_peek_reads_djangos_entries_with_decimal_datetime_and_binary_columns(cachalot):
    make_item()
    queryset = Item.objects.filter(price__gt=decimal.Decimal("1.5")).values_list("id", "price", "added", "data", "flag")
    list(queryset)  # Django caches it
    sql, params = queryset.query.sql_with_params()
    args = ["query", "--peek", "--format", "json", sql]
    for param in params:
        args += ["--param", str(param)]
    seen = json.loads(cachalot(*args).stdout)
    assert seen["cached"] is True and seen["fresh"] is True
    row = list(seen["rows"][0].values())
    assert row[1] == "12345678.90"
    assert row[2] == "datetime.datetime(2024, 3, 10, 8, 30, 15, 123456)"  # naive, as the driver returns it
    assert row[3] == "AAH/Jw=="  # bytes, base64 in JSON
    assert row[4] == 1  # a boolean column comes back as an int


def test_query_write_and_a_join_with_a_derived_table(cachalot):
    make_item("Before")
    assert list(Item.objects.values_list("name", flat=True)) == ["Before"]
    done = cachalot("query", "--write", "UPDATE myshop_item SET name = %s", "--param", "After")
    assert done.stdout.startswith("1 rows changed; invalidated myshop_item")
    assert list(Item.objects.values_list("name", flat=True)) == ["After"]
    result = cachalot("query", "-v", "SELECT d.n FROM (SELECT i.name AS n FROM myshop_item i JOIN django_content_type c ON c.id > 0) d")
    assert "myshop_item" in result.stderr and "django_content_type" in result.stderr
