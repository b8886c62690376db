from django.db import models


class Genre(models.Model):
    """A shared table: it lives in public, every tenant reads it."""
    name = models.CharField(max_length=100)
