from django.db import models


class Book(models.Model):
    """A tenant table: one per schema."""
    title = models.CharField(max_length=100)
