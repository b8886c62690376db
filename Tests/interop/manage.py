#!/usr/bin/env python
"""The interop Django site: real Django + django-cachalot on SQLite and the file cache."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interopsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
