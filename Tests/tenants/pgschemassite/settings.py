"""The same site on django-pgschemas: PostgreSQL through
django_pgschemas.postgresql, a static tenant ("www") beside the dynamic
ones of the tenant model, and the default cache keyed by schema with
django_pgschemas.contrib.cache.make_key. Database, servers and the two
hashing caches are tenantsite's."""
import copy

from tenantsite.settings import CACHES as _CACHES
from tenantsite.settings import DATABASES as _DATABASES
from tenantsite.settings import DEFAULT_AUTO_FIELD, SECRET_KEY, USE_TZ  # noqa: F401

_PUBLIC_APPS = ["django_pgschemas", "pgcustomers", "catalog", "django.contrib.contenttypes", "cachalot"]
_TENANT_APPS = ["django.contrib.contenttypes", "library"]
INSTALLED_APPS = _PUBLIC_APPS + ["library"]
TENANTS = {
    "public": {"APPS": _PUBLIC_APPS},
    "www": {"APPS": _TENANT_APPS, "DOMAINS": ["www.example.com"], "URLCONF": "pgschemassite.urls"},
    "default": {"TENANT_MODEL": "pgcustomers.Tenant", "APPS": _TENANT_APPS, "URLCONF": "pgschemassite.urls"},
}
DATABASE_ROUTERS = ["django_pgschemas.routers.TenantAppsRouter"]
# django-pgschemas' checks import the session model of SESSION_ENGINE; this
# site has none.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

DATABASES = copy.deepcopy(_DATABASES)
DATABASES["default"]["ENGINE"] = "django_pgschemas.postgresql"
CACHALOT_ADDITIONAL_SUPPORTED_DATABASES = ["django_pgschemas.postgresql"]

CACHES = copy.deepcopy(_CACHES)
CACHES["default"]["KEY_FUNCTION"] = "django_pgschemas.contrib.cache.make_key"
