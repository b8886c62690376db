import django_pgschemas.postgresql.base
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Tenant",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("schema_name", models.CharField(max_length=63, unique=True,
                                                 validators=[django_pgschemas.postgresql.base.check_schema_name])),
                ("name", models.CharField(max_length=100)),
            ],
            options={"abstract": False},
        ),
    ]
