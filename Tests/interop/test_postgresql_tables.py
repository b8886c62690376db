"""`query` on the real Django site on PostgreSQL: `--write` invalidates
every table a statement writes under the key Django reads it by (mixed
case, another schema, a partition of the model's table), and a read that
calls a user-defined function, which may read tables no plan shows, is
never served from or stored in the cache."""
import json

import pytest
from django.db import connection, models

pytestmark = pytest.mark.databases("postgresql", "PostgreSQL schemas, partitions and functions")


class Gadget(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "pgshop"
        managed = False
        db_table = "ShopGadget"


class OtherShelf(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "pgshop"
        managed = False
        db_table = '"other"."pgx_shelf"'


class Event(models.Model):
    name = models.CharField(max_length=50)
    at = models.DateField()

    class Meta:
        app_label = "pgshop"
        managed = False
        db_table = "pgx_event"


TABLES = """
    CREATE TABLE "ShopGadget" (id serial PRIMARY KEY, name text);
    CREATE SCHEMA other;
    CREATE TABLE other.pgx_shelf (id serial PRIMARY KEY, name text);
    CREATE TABLE pgx_event (id serial, name text, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
    CREATE TABLE ev_three PARTITION OF pgx_event FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
    CREATE FUNCTION gadget_total() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM "ShopGadget"';
    CREATE VIEW pgx_named AS SELECT name, gadget_total() AS total FROM pgx_event;
    CREATE VIEW pgx_named_again AS SELECT name, total FROM pgx_named;
"""


@pytest.fixture
def tables(edited_settings):
    with connection.cursor() as cursor:
        cursor.execute(TABLES)
    models_of_this_file = {"pgshop.Gadget": "ShopGadget", "pgshop.OtherShelf": '"other"."pgx_shelf"', "pgshop.Event": "pgx_event"}
    with edited_settings(lambda settings: settings["MODELS"].update(models_of_this_file)):
        yield
    with connection.cursor() as cursor:
        cursor.execute("DROP VIEW pgx_named_again, pgx_named; DROP FUNCTION gadget_total(); DROP TABLE pgx_event, \"ShopGadget\"; "
                       "DROP SCHEMA other CASCADE")


@pytest.mark.parametrize("model, statement", [
    (Gadget, 'TRUNCATE "ShopGadget"'),
    (OtherShelf, "TRUNCATE other.pgx_shelf"),
    (Event, "TRUNCATE ev_three"),
    (Event, "DELETE FROM ev_three"),
    (Event, "ALTER TABLE ev_three ADD CONSTRAINT named CHECK (name IS NOT NULL)"),
])
def test_write_invalidates_the_key_django_reads_the_table_by(cachalot, tables, model, statement):
    fields = {"at": "2024-03-02"} if model is Event else {}
    model.objects.create(name="Cached", **fields)
    assert list(model.objects.values_list("name", flat=True)) == ["Cached"]  # Django caches it
    if statement.startswith("ALTER"):
        with connection.cursor() as cursor:  # behind Django's back: only the invalidation makes it seen
            cursor.execute("UPDATE pgx_event SET name = 'Changed'")
    cachalot("query", "--write", statement)
    expected = ["Changed"] if statement.startswith("ALTER") else []
    assert list(model.objects.values_list("name", flat=True)) == expected



def test_a_read_calling_a_user_function_is_never_cached(cachalot, tables):
    Event.objects.create(name="One", at="2024-03-02")
    for sql in ("SELECT name, gadget_total() FROM pgx_event", "SELECT * FROM pgx_named", "SELECT * FROM pgx_named_again"):
        first = cachalot("query", "-v", "--format", "json", sql)
        assert "uncachable" in first.stderr and "gadget_total" in first.stderr, first.stderr
        assert json.loads(first.stdout)[0]["name"] == "One"
        Gadget.objects.create(name="New")  # changes what gadget_total() reads
        second = cachalot("query", "-v", "--format", "json", sql)
        assert "hit" not in second.stderr
        assert list(json.loads(second.stdout)[0].values())[-1] == Gadget.objects.count()


def test_a_deferred_trigger_s_writes_are_invalidated_too(cachalot, tables):
    """A constraint trigger deferred to COMMIT writes after the statement:
    its table is invalidated all the same."""
    with connection.cursor() as cursor:
        cursor.execute("""CREATE FUNCTION pgx_log() RETURNS trigger LANGUAGE plpgsql AS
                          $$ BEGIN INSERT INTO "ShopGadget" (name) VALUES ('from the trigger'); RETURN NULL; END $$;
                          CREATE CONSTRAINT TRIGGER pgx_logged AFTER INSERT ON other.pgx_shelf
                          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pgx_log()""")
    try:
        assert list(Gadget.objects.values_list("name", flat=True)) == []  # Django caches it
        cachalot("query", "--write", "INSERT INTO other.pgx_shelf (name) VALUES ('shelved')")
        assert list(Gadget.objects.values_list("name", flat=True)) == ["from the trigger"]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER pgx_logged ON other.pgx_shelf; DROP FUNCTION pgx_log()")
