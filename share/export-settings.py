# The settings cachalot reads, exported from a running Django site.
#
# `cachalot init` runs this inside the site (`python manage.py shell -c`)
# and writes what it prints as the settings file. Where cachalot cannot run
# the site's Python (a container, another host), run it there yourself:
#
#     CACHALOT_EXPORT_TO=cachalot.json python manage.py shell -c "$(cat /usr/share/cachalot/export-settings.py)"
#
# It prints JSON: every CACHALOT_* setting, USE_TZ, TIME_ZONE,
# CACHE_HERD_TIMEOUT (and what django-redis and django-valkey read beside OPTIONS, where set), CACHES, DATABASES (passwords included: keep the file
# private, or replace them with ${VAR}), MODELS (each model label, the
# auto-created many-to-many ones included, to its table), APPS (each app
# label to its name, for suggesting labels) and VERSIONS
# (Python and the packages whose formats cachalot follows). With
# CACHALOT_EXPORT_TO set, it writes that file (mode 0600) instead of
# standard output, so that nothing the site prints while starting (Django
# 5.2's shell counts its automatic imports there) can mix with the JSON.
# Paths Django takes from the working directory (a relative SQLite NAME or
# file cache LOCATION) are written absolute, and a database ENGINE that
# wraps one of Django's gets BASE_ENGINE naming it. A cache's KEY_FUNCTION
# is written as its dotted path, and unless it is Django's default, with
# KEY_FUNCTION_PROBES: what the site's own function returns for a few
# inputs (in two schemas on a django-tenants or django-pgschemas site),
# against which cachalot checks its template. What names a multi-tenant
# site's schemas and its tenants' search path is written too: TENANT_MODEL,
# PUBLIC_SCHEMA_NAME, TENANT_DB_ALIAS and PG_EXTRA_SEARCH_PATHS
# (django-tenants), TENANTS, PGSCHEMAS_TENANT_DB_ALIAS and
# PGSCHEMAS_EXTRA_SEARCH_PATHS (django-pgschemas).
import contextlib
import importlib.metadata
import json
import os
import ssl
import sys

from django.apps import apps
from django.conf import settings


def _plain(value):
    """What json cannot write itself: sets as sorted lists, the rest (paths,
    lazy strings) as text."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


# redis-py takes ssl_cert_reqs as these names too; json would write numbers.
_VERIFY_MODES = {ssl.CERT_NONE: "none", ssl.CERT_OPTIONAL: "optional", ssl.CERT_REQUIRED: "required"}


def _named(value):
    """ssl.VerifyMode as its name, everywhere in the settings."""
    if isinstance(value, ssl.VerifyMode):
        return _VERIFY_MODES[value]
    if isinstance(value, dict):
        return {key: _named(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_named(item) for item in value]
    return value


_DEFAULT_KEY_FUNCTION = "django.core.cache.backends.base.default_key_func"

# make_key(key, key_prefix, version) inputs: plain, non-ASCII with the
# separator inside, and a cachalot-like hex key.
_PROBE_INPUTS = [
    ("a", "", 1),
    ("K\u00e9y With:Colons", "site:1", 42),
    ("0123456789abcdef0123456789abcdef01234567", "p", 7),
]


def _dotted(function):
    if isinstance(function, str):
        return function
    return "%s.%s" % (function.__module__, function.__qualname__)


def _schema_contexts():
    """(schema name, context manager) pairs that make a tenant package's
    make_key see that schema; one (None, no context) pair elsewhere."""
    probe = "Cachalot_Probe"  # capitals: a function that folds them must fail its probes
    if apps.is_installed("django_tenants"):
        from django.db import DEFAULT_DB_ALIAS
        from django_tenants.utils import schema_context

        public = getattr(settings, "PUBLIC_SCHEMA_NAME", "public")
        # make_key reads django.db.connection, the default alias, whatever
        # TENANT_DB_ALIAS says (django_tenants/cache.py).
        return [(name, schema_context(name, database=DEFAULT_DB_ALIAS)) for name in (public, probe)]
    if apps.is_installed("tenant_schemas"):
        from tenant_schemas.utils import schema_context

        public = getattr(settings, "PUBLIC_SCHEMA_NAME", "public")
        return [(name, schema_context(name)) for name in (public, probe)]
    if apps.is_installed("django_pgschemas"):
        from django_pgschemas.schema import Schema

        return [(name, Schema.create(name)) for name in ("public", probe)]
    return [(None, contextlib.nullcontext())]


def _probes(function, cache):
    """make_key's answers to the fixed inputs and to a table key under the
    cache's own KEY_PREFIX and VERSION (as BaseCache reads them)."""
    from django.utils.module_loading import import_string

    make_key = import_string(function) if isinstance(function, str) else function
    own = ("e0b7cdf4d3bdd45da22b9406f493ae0bee459354", cache.get("KEY_PREFIX", ""), cache.get("VERSION", 1))
    probes = []
    for schema, context in _schema_contexts():
        with context:
            for key, prefix, version in _PROBE_INPUTS + [own]:
                probes.append({"key": key, "key_prefix": prefix, "version": version, "schema": schema,
                               "made": str(make_key(key, prefix, version))})
    return probes


def _caches():
    caches = _named(settings.CACHES)
    for alias, cache in caches.items():
        function = settings.CACHES[alias].get("KEY_FUNCTION")
        if function is not None:
            cache["KEY_FUNCTION"] = _dotted(function)
            if cache["KEY_FUNCTION"] != _DEFAULT_KEY_FUNCTION:
                cache["KEY_FUNCTION_PROBES"] = _probes(function, settings.CACHES[alias])
        location = cache.get("LOCATION")
        if "filebased" in str(cache.get("BACKEND", "")) and isinstance(location, str) and not os.path.isabs(location):
            cache["LOCATION"] = os.path.abspath(location)
    return caches


def _base_engine(alias):
    """The django.db.backends engine a wrapper ENGINE's connection class
    derives from (its module, without .base)."""
    from django.db import connections

    for cls in type(connections[alias]).__mro__:
        if cls.__module__.startswith("django.db.backends.") and cls.__module__.endswith(".base"):
            return cls.__module__[: -len(".base")]
    return None


def _databases():
    databases = _named(settings.DATABASES)
    for alias, database in databases.items():
        engine = str(database.get("ENGINE", ""))
        name = database.get("NAME")
        if engine.endswith(("sqlite3", "spatialite")) and isinstance(name, (str, os.PathLike)):
            text = os.fspath(name)
            if text and text != ":memory:" and not text.startswith("file:") and not os.path.isabs(text):
                database["NAME"] = os.path.abspath(text)
        if not engine.startswith(("django.db.backends.", "django.contrib.gis.db.backends.")) and "BASE_ENGINE" not in database:
            base = _base_engine(alias)
            if base:
                database["BASE_ENGINE"] = base
    return databases


def _versions():
    wanted = ("django", "django-cachalot", "django-redis", "django-valkey")
    found = {"python": "%d.%d.%d" % sys.version_info[:3]}
    for distribution in importlib.metadata.distributions():
        name = (distribution.metadata["Name"] or "").lower()
        if name in wanted:
            found[name] = distribution.version
    return found


def _label(model):
    """A model setting as MODELS names it (apps.get_model ignores the
    model name's case; MODELS keys do not)."""
    return apps.get_model(model)._meta.label


def _tenancy():
    """What says which schemas a multi-tenant site has, under the names of
    its package's settings. Of django-pgschemas' TENANTS only the names,
    the tenant model and the clone reference count: the rest routes
    requests."""
    found = {}
    if apps.is_installed("django_pgschemas") and hasattr(settings, "TENANTS"):
        found["TENANTS"] = {name: {key: entry[key] for key in ("TENANT_MODEL", "CLONE_REFERENCE") if key in entry}
                            if name == "default" else {} for name, entry in settings.TENANTS.items()}
        if "TENANT_MODEL" in found["TENANTS"].get("default", {}):
            found["TENANTS"]["default"]["TENANT_MODEL"] = _label(found["TENANTS"]["default"]["TENANT_MODEL"])
        optional = ("PGSCHEMAS_TENANT_DB_ALIAS", "PGSCHEMAS_EXTRA_SEARCH_PATHS")
    elif hasattr(settings, "TENANT_MODEL"):
        found.update(TENANT_MODEL=_label(settings.TENANT_MODEL),
                     PUBLIC_SCHEMA_NAME=getattr(settings, "PUBLIC_SCHEMA_NAME", "public"))
        optional = ("TENANT_DB_ALIAS", "PG_EXTRA_SEARCH_PATHS")
    else:
        optional = ()
    found.update({name: getattr(settings, name) for name in optional if hasattr(settings, name)})
    return found


def _export():
    exported = {name: getattr(settings, name) for name in dir(settings) if name.startswith("CACHALOT_")}
    exported.update(
        USE_TZ=settings.USE_TZ,
        TIME_ZONE=settings.TIME_ZONE,
        CACHE_HERD_TIMEOUT=getattr(settings, "CACHE_HERD_TIMEOUT", 60),
        CACHES=_caches(),
        DATABASES=_databases(),
        MODELS={model._meta.label: model._meta.db_table for model in apps.get_models(include_auto_created=True)},
        APPS={config.label: config.name for config in apps.get_app_configs()},
        VERSIONS=_versions(),
    )
    exported.update(_tenancy())
    # django-redis and django-valkey read these beside OPTIONS; written only where the site sets them.
    for name in ("CACHE_COMPRESS_MIN_LENGTH", "CACHE_COMPRESS_LEVEL", "COMPRESS_ZLIB_WBITS", "COMPRESS_LZMA_FORMAT",
                 "COMPRESS_LZMA_CHECK", "COMPRESS_LZMA_FILTERS", "COMPRESS_LZ4_BLOCK_SIZE", "COMPRESS_LZ4_CONTENT_CHECKSUM",
                 "COMPRESS_LZ4_BLOCK_LINKED", "COMPRESS_LZ4_STORE_SIZE", "DJANGO_REDIS_CONNECTION_FACTORY",
                 "DJANGO_VALKEY_CONNECTION_FACTORY"):
        if hasattr(settings, name):
            exported[name] = getattr(settings, name)
    return json.dumps(exported, indent=2, default=_plain) + "\n"


_text = _export()
_target = os.environ.get("CACHALOT_EXPORT_TO")
if _target:
    # It may hold passwords: only its owner reads it.
    with os.fdopen(os.open(_target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as _file:
        _file.write(_text)
else:
    sys.stdout.write(_text)
