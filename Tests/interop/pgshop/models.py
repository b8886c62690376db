"""PostgreSQL-only models: the shapes real sites have that label resolution
and value decoding must get right."""
from django.db import models


class Shelf(models.Model):
    """A schema-qualified db_table: Django keys it literally, quotes included,
    and introspection cannot list it under that name."""

    name = models.CharField(max_length=50)

    class Meta:
        db_table = '"public"."pgshop_shelf"'


class Tag(models.Model):
    name = models.CharField(max_length=50)


class Item(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    added = models.DateTimeField()
    uid = models.UUIDField()
    data = models.JSONField(default=dict)
    tags = models.ManyToManyField(Tag)


class SpecialItem(Item):
    """Multi-table inheritance: its own table joined to pgshop_item."""

    extra = models.CharField(max_length=50)


class ItemView(models.Model):
    """An unmanaged model on a view (created by migration 0002): cachalot
    keys it by the view's name."""

    name = models.CharField(max_length=100)

    class Meta:
        managed = False
        db_table = "pgshop_itemview"
