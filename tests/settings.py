"""Test settings: the real settings, with fast hashing and tasks in-process unless a test runs a worker."""

import os
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
