"""MySQL-only models: the column types whose raw values MySQL's driver
returns in its own way (Decimal, naive datetimes, bytes, booleans as ints)."""
from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    added = models.DateTimeField()
    data = models.BinaryField()
    flag = models.BooleanField(default=False)
