from django.db import models
from django_pgschemas.models import TenantModel


class Tenant(TenantModel):
    """A dynamic tenant of django-pgschemas: one schema per row."""
    name = models.CharField(max_length=100)
