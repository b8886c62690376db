"""A django-tenants site as SaaS sites run it: PostgreSQL through
django_tenants.postgresql_backend, one schema per tenant, Django's
RedisCache keyed by schema (django_tenants.cache.make_key). Two more
caches have hashing key functions of the kind sites write themselves.
The server addresses come from the environment (conftest.py)."""
import os

SECRET_KEY = "tenant-interop"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

SHARED_APPS = ["django_tenants", "customers", "catalog", "django.contrib.contenttypes", "cachalot"]
TENANT_APPS = ["django.contrib.contenttypes", "library"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]
TENANT_MODEL = "customers.Client"
TENANT_DOMAIN_MODEL = "customers.Domain"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": "site",
        "USER": "site",
        "PASSWORD": "site-pass",
        "HOST": "127.0.0.1",
        "PORT": os.environ.get("TENANT_PG_PORT", "5432"),
    }
}
CACHALOT_ADDITIONAL_SUPPORTED_DATABASES = ["django_tenants.postgresql_backend"]

_REDIS = os.environ.get("TENANT_REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _REDIS,
        "KEY_PREFIX": "acc",
        "VERSION": 3,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
    },
    # md5 of the key only; the template beside it is cachalot's, which
    # Django ignores.
    "md5": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _REDIS,
        "KEY_PREFIX": "h",
        "KEY_FUNCTION": "keyfunctions.md5_of_key",
        "KEY_FUNCTION_TEMPLATE": "{prefix}:{version}:{md5:{key}}",
    },
    # sha1 of the whole key, given as a callable as settings often do.
    "sha1": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("TENANT_FILE_CACHE", "/tmp/cachalot-tenant-files"),
        "KEY_PREFIX": "s",
        "VERSION": 2,
        "KEY_FUNCTION": __import__("keyfunctions").sha1_of_all,
        "KEY_FUNCTION_TEMPLATE": "{sha1:{prefix}:{version}:{key}}",
    },
}
