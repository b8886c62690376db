from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    """Custom db_table and an M2M field: the two cases label resolution must get right."""

    title = models.CharField(max_length=200)
    authors = models.ManyToManyField(Author)

    class Meta:
        db_table = "catalogue_books"
