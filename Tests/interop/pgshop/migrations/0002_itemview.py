from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pgshop", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE VIEW pgshop_itemview AS SELECT id, name FROM pgshop_item",
            "DROP VIEW pgshop_itemview",
        ),
    ]
