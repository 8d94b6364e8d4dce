"""Test settings: the real settings, with fast hashing and tasks in-process unless a test runs a worker."""

import os

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
    # The real cache on Redis, in its own key space so that a run never sees another's keys.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{os.getpid()}",
        }
    }
