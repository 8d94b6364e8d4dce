import pytest
from django.core.cache import cache

from membership.demo import seed_membership_classes


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits live in the cache: each test starts with an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def default_classes(db):
    """The seeded class table for this year (Class I under 25,000 ... Class VII from 1,000,000)."""
    from django.utils import timezone

    seed_membership_classes(timezone.localdate().year)
