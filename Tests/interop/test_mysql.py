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
    assert done.stdout.startswith("1 row changed; invalidated myshop_item")
    assert list(Item.objects.values_list("name", flat=True)) == ["After"]
    result = cachalot("query", "-v", "SELECT d.n FROM (SELECT i.name AS n FROM myshop_item i JOIN django_content_type c ON c.id > 0) d")
    assert "myshop_item" in result.stderr and "django_content_type" in result.stderr


def charset(name):
    def change(settings):
        settings["DATABASES"]["default"].setdefault("OPTIONS", {})["charset"] = name
    return change


def test_latin1_text_is_sent_and_stored_as_mysqlclient_does(cachalot, edited_settings):
    import MySQLdb

    sql = "SELECT name FROM myshop_item WHERE name = %s"
    with edited_settings(charset("latin1")):
        cachalot("query", "--write", "INSERT INTO myshop_item (name, price, added, data, flag) VALUES (%s, 1, NOW(), '', 0)",
                 "--param", "naïve €")
        cachalot("query", sql, "--param", "naïve €")
        refused = cachalot("query", "--write", "DELETE FROM myshop_item WHERE name = %s", "--param", "☃", check=False)
    assert refused.returncode == 2 and "latin1" in refused.stderr
    assert list(Item.objects.values_list("name", flat=True)) == ["naïve €"]
    stored = cache.get(hashlib.sha1(f"default:{sql}:['naïve €']:cachalot-cli".encode()).hexdigest())
    site = MySQLdb.connect(host=connection.settings_dict["HOST"], port=int(connection.settings_dict["PORT"]), database="site",
                           user="site", password="site-pass", charset="latin1")
    with site.cursor() as cursor:
        cursor.execute(sql, ("naïve €",))
        expected = cursor.fetchall()
    site.close()
    assert [tuple(row) for row in stored[1]] == list(expected) == [("naïve €",)]


def test_another_charset_refuses_query_and_still_invalidates(cachalot, edited_settings):
    make_item("a")
    with edited_settings(charset("gbk")):
        refused = cachalot("query", "--write", "DELETE FROM myshop_item WHERE name = %s", "--param", "\u07e0' OR 1=1 -- ", check=False)
        assert cachalot("invalidate", "myshop").returncode == 0
        assert cachalot("invalidate").returncode == 0
    assert refused.returncode == 2 and "gbk" in refused.stderr
    assert Item.objects.count() == 1


def test_a_param_is_a_str_as_the_key_says(cachalot):
    make_item("abc")
    make_item("0")
    assert list(Item.objects.filter(name=0).values_list("name", flat=True)) == ["0"]
    assert cachalot("query", "SELECT name FROM myshop_item WHERE name = %s", "--param", "0").stdout.split() == ["name", "0"]


def test_peek_never_runs_a_stored_function_and_its_calls_are_never_cached(cachalot, raw_db):
    raw_db.execute("CREATE TABLE IF NOT EXISTS side_log (id int AUTO_INCREMENT PRIMARY KEY)")
    raw_db.execute("DROP FUNCTION IF EXISTS bump")
    raw_db.execute("CREATE FUNCTION bump() RETURNS int DETERMINISTIC MODIFIES SQL DATA "
                   "BEGIN INSERT INTO side_log VALUES (NULL); RETURN 1; END")
    raw_db.execute("DROP FUNCTION IF EXISTS item_total")
    raw_db.execute("CREATE FUNCTION item_total() RETURNS int READS SQL DATA RETURN (SELECT count(*) FROM myshop_item)")
    raw_db.commit()
    make_item("a")
    peek = cachalot("query", "--peek", "SELECT name FROM myshop_item WHERE id = bump()", check=False)
    assert peek.returncode == 2
    assert raw_db.execute("SELECT count(*) FROM side_log").fetchone() == (0,)
    result = cachalot("query", "-v", "SELECT name, item_total() FROM myshop_item")
    assert "uncachable (it calls the stored function item_total" in result.stderr


def test_a_server_that_lower_cases_names_gets_djangos_spelling_stamped(cachalot, edited_settings, site):
    """With lower_case_table_names=1 the server lists `shopgadget`; Django
    keys the model's db_table `ShopGadget`. Both the no-label and the label
    invalidate stamp Django's spelling (MODELS), and query reads it."""
    import subprocess
    from mariadbserver import client_command, start_mariadb
    from store import table_key

    folder = site / "mariadb-lower-case"
    process, port = start_mariadb(folder, extra=["--lower-case-table-names=1"])
    try:
        subprocess.run(client_command(folder, "site") + ["-e", "CREATE TABLE ShopGadget (id INT PRIMARY KEY, name TEXT)"], check=True)

        def on_lower_casing_server(settings):
            settings["DATABASES"]["default"].update(PORT=str(port), HOST="127.0.0.1")
            settings["MODELS"]["shop.ShopGadget"] = "ShopGadget"
        with edited_settings(on_lower_casing_server):
            cachalot("invalidate")
            first = cache.get(table_key("ShopGadget"))
            assert isinstance(first, float), "the no-label invalidate stamps Django's spelling"
            cachalot("invalidate", "shop.ShopGadget")
            assert cache.get(table_key("ShopGadget")) > first
            seen = json.loads(cachalot("query", "--format", "json", "--peek", "SELECT name FROM ShopGadget").stdout)
            assert "ShopGadget" in [table["table"] for table in seen["tables"]], seen
    finally:
        process.kill()
        process.wait()
