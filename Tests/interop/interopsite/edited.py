"""The interop site's settings with INTEROP_EDIT (JSON) merged into them:
init's tests give the site values a test needs (a KEY_PREFIX holding ${,
a relative path) without another site."""
import json
import os

from .settings import *  # noqa: F401,F403
from .settings import CACHES, DATABASES


def _merge(target, changes):
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


_edits = json.loads(os.environ.get("INTEROP_EDIT", "{}"))
_merge(CACHES, _edits.get("CACHES", {}))
_merge(DATABASES, _edits.get("DATABASES", {}))
