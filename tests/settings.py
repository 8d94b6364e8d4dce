"""Test settings: the real settings, with fast hashing and tasks in-process unless a test runs a worker."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DEBUG", "true")

from sistercities.settings import *  # noqa: E402, F403
from sistercities.settings import REDIS_URL  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if REDIS_URL:
    # The real cache on Redis, in a database of its own (15): tests empty the cache between
    # them, which must never wipe the Celery broker's queues in the URL's database.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": urlunsplit(urlsplit(REDIS_URL)._replace(path="/15")),
            "KEY_PREFIX": "test",
        }
    }

# Uploaded evidence goes to a folder of this test run's own, removed when the run ends.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sistercities-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
PORTAL_URL = "http://testserver"
MEMBERSHIP_TEAM_EMAILS: list[str] = []
