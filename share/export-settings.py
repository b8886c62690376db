# The settings cachalot reads, exported from a running Django site.
#
# `cachalot init` runs this inside the site (`python manage.py shell -c`)
# and writes what it prints as the settings file. Where cachalot cannot run
# the site's Python (a container, another host), run it there yourself:
#
#     python manage.py shell -c "$(cat /usr/share/cachalot/export-settings.py)" > cachalot.json
#
# It prints JSON: every CACHALOT_* setting, USE_TZ, TIME_ZONE,
# CACHE_HERD_TIMEOUT, CACHES, DATABASES (passwords included: keep the file
# private, or replace them with ${VAR}), MODELS (each model label, the
# auto-created many-to-many ones included, to its table), APPS (each app
# label to its name, for suggesting labels) and VERSIONS
# (Python and the packages whose formats cachalot follows). With
# CACHALOT_EXPORT_TO set, it writes there instead of standard output, so
# that nothing the site prints while starting can mix with the JSON.
import importlib.metadata
import json
import os
import sys

from django.apps import apps
from django.conf import settings


def _plain(value):
    """What json cannot write itself: sets as sorted lists, the rest (paths,
    lazy strings) as text."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def _versions():
    wanted = ("django", "django-cachalot", "django-redis")
    found = {"python": "%d.%d.%d" % sys.version_info[:3]}
    for distribution in importlib.metadata.distributions():
        name = (distribution.metadata["Name"] or "").lower()
        if name in wanted:
            found[name] = distribution.version
    return found


def _export():
    exported = {name: getattr(settings, name) for name in dir(settings) if name.startswith("CACHALOT_")}
    exported.update(
        USE_TZ=settings.USE_TZ,
        TIME_ZONE=settings.TIME_ZONE,
        CACHE_HERD_TIMEOUT=getattr(settings, "CACHE_HERD_TIMEOUT", 60),
        CACHES=settings.CACHES,
        DATABASES=settings.DATABASES,
        MODELS={model._meta.label: model._meta.db_table for model in apps.get_models(include_auto_created=True)},
        APPS={config.label: config.name for config in apps.get_app_configs()},
        VERSIONS=_versions(),
    )
    return json.dumps(exported, indent=2, default=_plain) + "\n"


_text = _export()
_target = os.environ.get("CACHALOT_EXPORT_TO")
if _target:
    with open(_target, "w") as _file:
        _file.write(_text)
else:
    sys.stdout.write(_text)
