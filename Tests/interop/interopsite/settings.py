"""Settings of the interop site. Paths come from the environment so that
each test session gets its own database file and cache directory."""
import os

SECRET_KEY = "interop-only"
DEBUG = False
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "cachalot",
    "library",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["INTEROP_DB"],
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ["INTEROP_CACHE_DIR"],
        # Large enough that Django's culling never deletes keys mid-test.
        "OPTIONS": {"MAX_ENTRIES": 100000},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
