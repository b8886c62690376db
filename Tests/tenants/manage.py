#!/usr/bin/env python
"""The multi-tenant sites of the tenant interop tests: tenantsite
(django-tenants) by default, pgschemassite (django-pgschemas) when
DJANGO_SETTINGS_MODULE says so."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
