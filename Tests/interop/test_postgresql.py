"""cachalot against the real Django site on PostgreSQL: schema-qualified
db_table, multi-table inheritance, M2M, a view-backed unmanaged model, a
stale content type, and the values Django's psycopg connection returns."""
import datetime
import decimal
import hashlib
import json
import uuid

import pytest
from cachalot.api import get_last_invalidation
from django.core.cache import cache
from django.db import connection
from pgshop.models import Item, ItemView, Shelf, SpecialItem, Tag

NOW = datetime.datetime(2024, 3, 10, 12, 34, 56, 789000, tzinfo=datetime.timezone.utc)


def make_item(name="Lamp", **extra):
    return Item.objects.create(name=name, price=decimal.Decimal("12.30"), added=NOW,
                               uid=uuid.UUID("12345678-1234-5678-1234-567812345678"), data={"b": [1, 2], "a": 1}, **extra)


@pytest.fixture(autouse=True)
def empty_tables():
    yield
    for model in (SpecialItem, Item, Tag, Shelf):
        model.objects.all().delete()


def without_models(settings):
    del settings["MODELS"]


def test_schema_qualified_table_is_invalidated_by_app_label_and_by_no_label(cachalot, raw_db):
    Shelf.objects.create(name="Before")
    assert list(Shelf.objects.values_list("name", flat=True)) == ["Before"]
    raw_db.execute("UPDATE pgshop_shelf SET name = 'After'")
    raw_db.commit()
    assert list(Shelf.objects.values_list("name", flat=True)) == ["Before"]

    cachalot("invalidate", "pgshop")
    assert list(Shelf.objects.values_list("name", flat=True)) == ["After"]

    raw_db.execute("UPDATE pgshop_shelf SET name = 'Again'")
    raw_db.commit()
    result = cachalot("invalidate", "-v", "2")
    # Introspection lists pgshop_shelf, Django keys '"public"."pgshop_shelf"': MODELS brings it.
    assert '"public"."pgshop_shelf"' in result.stderr and "introspection does not list" in result.stderr
    assert list(Shelf.objects.values_list("name", flat=True)) == ["Again"]


def test_multi_table_inheritance_and_m2m_by_model_label(cachalot, edited_settings, raw_db):
    special = SpecialItem.objects.create(name="Chair", price=decimal.Decimal("1.00"), added=NOW, uid=uuid.uuid4(), extra="old")
    tag = Tag.objects.create(name="red")
    assert SpecialItem.objects.get(pk=special.pk).extra == "old"
    assert list(special.tags.values_list("name", flat=True)) == []
    raw_db.execute("UPDATE pgshop_specialitem SET extra = 'new'")
    raw_db.execute("INSERT INTO pgshop_item_tags (item_id, tag_id) VALUES (?, ?)", (special.pk, tag.pk))
    raw_db.commit()
    assert SpecialItem.objects.get(pk=special.pk).extra == "old"

    cachalot("invalidate", "pgshop.SpecialItem")
    assert SpecialItem.objects.get(pk=special.pk).extra == "new"
    assert list(special.tags.values_list("name", flat=True)) == [], "the M2M table belongs to Item"
    with edited_settings(without_models):
        cachalot("invalidate", "pgshop.item")
    assert list(special.tags.values_list("name", flat=True)) == ["red"]


def test_view_backed_unmanaged_model_is_keyed_by_the_view(cachalot, edited_settings, raw_db):
    item = make_item("Old name")
    assert list(ItemView.objects.values_list("name", flat=True)) == ["Old name"]
    raw_db.execute("UPDATE pgshop_item SET name = 'New name'")
    raw_db.commit()
    cachalot("invalidate", "pgshop.Item")
    # The view's entry depends on the key pgshop_itemview only, as in Django.
    assert list(ItemView.objects.values_list("name", flat=True)) == ["Old name"]
    cachalot("invalidate", "pgshop.ItemView")
    assert list(ItemView.objects.values_list("name", flat=True)) == ["New name"]

    raw_db.execute("UPDATE pgshop_item SET name = 'Third'")
    raw_db.commit()
    with edited_settings(without_models):
        result = cachalot("invalidate", "pgshop", "-v", "2")
    assert "pgshop_itemview" in result.stdout
    assert list(ItemView.objects.values_list("name", flat=True)) == ["Third"]
    assert item.pk


def test_no_label_without_models_covers_the_same_tables_as_djangos_invalidate(cachalot, edited_settings):
    with edited_settings(without_models):
        result = cachalot("invalidate", "--json")
    tables = set(json.loads(result.stdout)["results"][0]["tables"])
    assert tables == set(connection.introspection.table_names()) - {"django_migrations"}


def test_a_stale_content_type_asks_for_models_while_custom_tables_exist(cachalot, edited_settings, raw_db):
    raw_db.execute("INSERT INTO django_content_type (app_label, model) VALUES ('pgshop', 'ghost')")
    raw_db.commit()
    try:
        with edited_settings(without_models):
            result = cachalot("invalidate", "pgshop", check=False)
        # catalogue_books (library.Book's db_table) could be the ghost's table.
        assert result.returncode == 2
        assert "pgshop.ghost" in result.stderr and "catalogue_books" in result.stderr
        # With MODELS the label needs no guessing.
        assert cachalot("invalidate", "pgshop").returncode == 0
    finally:
        raw_db.execute("DELETE FROM django_content_type WHERE model = 'ghost'")
        raw_db.commit()


def test_last_invalidation_is_byte_identical_to_djangos(cachalot):
    cachalot("invalidate", "pgshop")
    # Django's API takes models and table names (a bare word is a table).
    for label in ("pgshop.Shelf", "pgshop.SpecialItem", "pgshop.ItemView", "pgshop_item", '"public"."pgshop_shelf"'):
        assert cachalot("last-invalidation", label).stdout == repr(get_last_invalidation(label)) + "\n", label


SQL = """SELECT id, name, price, added, uid, data, 12.5::numeric(6,3), '{"b": [1, 2], "a": 1}'::json,
'{1,NULL}'::int[], '{"x y",NULL}'::text[], '1 day 02:03:04.5'::interval, '-1 mon'::interval, '2024-02-29'::date,
'13:45:30.5'::time, '13:45:30+02'::timetz, '\\xdead'::bytea, 1e-20::numeric, 'NaN'::numeric, 1.5::real,
'2024-03-10 12:34:56'::timestamp, '10.0.0.1'::inet, NULL FROM pgshop_item ORDER BY id"""


def test_query_rows_are_the_values_djangos_connection_returns(cachalot):
    make_item("Lamp")
    make_item("Désk")
    cachalot("query", SQL)
    stored = cache.get(hashlib.sha1(f"default:{SQL}:[]:cachalot-cli".encode()).hexdigest())
    with connection.cursor() as cursor:
        cursor.execute(SQL, ())
        expected = cursor.fetchall()
    assert isinstance(stored, tuple) and isinstance(stored[0], float)
    rows = stored[1]
    assert [[(type(v), repr(v)) for v in row] for row in rows] == [[(type(v), repr(v)) for v in row] for row in expected]


def test_peek_reads_djangos_entries_with_postgresql_types(cachalot):
    make_item("Lamp")
    queryset = Item.objects.filter(price__gt=decimal.Decimal("1.5")).values_list("id", "price", "added", "uid", "data")
    expected = list(queryset)  # Django caches it
    sql, params = queryset.query.sql_with_params()
    args = ["query", "--peek", "--format", "json", sql]
    for param in params:
        args += ["--param", str(param)]
    seen = json.loads(cachalot(*args).stdout)
    assert seen["cached"] is True and seen["fresh"] is True
    row = list(seen["rows"][0].values())
    assert row[0] == expected[0][0]
    assert row[1] == "12.30"
    assert row[2] == "datetime.datetime(2024, 3, 10, 12, 34, 56, 789000, tzinfo=datetime.timezone.utc)"
    assert row[3] == "12345678-1234-5678-1234-567812345678"
    assert json.loads(row[4]) == {"a": 1, "b": [1, 2]}


def test_query_on_a_schema_qualified_table_follows_djangos_key(cachalot):
    Shelf.objects.create(name="One")
    sql = 'SELECT name FROM "public"."pgshop_shelf" ORDER BY name'
    assert json.loads(cachalot("query", "--format", "json", sql).stdout) == [{"name": "One"}]
    Shelf.objects.create(name="Two")  # Django invalidates '"public"."pgshop_shelf"'
    second = cachalot("query", "-v", "--format", "json", sql)
    assert "miss" in second.stderr and json.loads(second.stdout) == [{"name": "One"}, {"name": "Two"}]
    assert '"public"."pgshop_shelf"' in second.stderr


def test_query_write_invalidates_the_tables_it_writes(cachalot):
    make_item("Before")
    assert list(Item.objects.values_list("name", flat=True)) == ["Before"]
    done = cachalot("query", "--write", "UPDATE pgshop_item SET name = %s", "--param", "After")
    assert done.stdout.startswith("1 row changed; invalidated pgshop_item")
    assert list(Item.objects.values_list("name", flat=True)) == ["After"]


def test_a_table_replaced_by_a_view_makes_the_remembered_analysis_stale(cachalot):
    """A migration replaces a table by a view of the same name that also
    reads another table. Its DDL names the table, so django-cachalot
    invalidates it: the analysis remembered for a statement on it no longer
    holds, the database is asked again and names both tables. Had the old
    analysis been kept, a write to the other table would be served stale.
    A statement through a view is never remembered: a view can be defined
    again without naming the tables it read."""
    make_item("Lamp")
    Tag.objects.create(name="red")
    queryset = Tag.objects.order_by("name").values_list("name", flat=True)
    sql, params = queryset.query.sql_with_params()
    query = ["query", "-v", "--format", "json", sql] + [f"--param={param}" for param in params]

    def names(result):
        return [row["name"] for row in json.loads(result.stdout)]

    assert list(queryset) == ["red"]  # the site caches it
    assert cachalot(*query).stderr.startswith("cachalot: hit, ")  # asks the database, remembers
    assert "database not opened" in cachalot(*query).stderr
    with connection.cursor() as cursor:  # as a migration's RunSQL runs it
        cursor.execute("ALTER TABLE pgshop_tag RENAME TO pgshop_tag_base; "
                       "CREATE VIEW pgshop_tag AS SELECT id, name FROM pgshop_tag_base UNION ALL SELECT id, name FROM pgshop_item")
    try:
        assert list(Tag.objects.order_by("name").values_list("name", flat=True)) == ["Lamp", "red"]  # cached again
        after = cachalot(*query)  # a miss: pgshop_tag_base has no table key yet
        assert "database not opened" not in after.stderr and "pgshop_item" in after.stderr, after.stderr
        assert names(after) == ["Lamp", "red"]
        again = cachalot(*query)
        assert again.stderr.startswith("cachalot: hit, "), "a statement through a view asks the database every time"
        make_item("Desk")  # invalidates pgshop_item only
        fresh = cachalot(*query)
        assert "miss" in fresh.stderr and names(fresh) == ["Desk", "Lamp", "red"], fresh.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP VIEW pgshop_tag; ALTER TABLE pgshop_tag_base RENAME TO pgshop_tag")
