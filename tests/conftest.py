"""Fixtures for the whole suite.

Browser tests: Playwright drives Debian's Chromium (Playwright's own browser download does not
work on these machines).
"""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Page

from membership.demo import seed_membership_classes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_INSTALL = "apt-get install -y --no-install-recommends chromium chromium-driver"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

# Playwright's sync API keeps an event loop running in the test thread for the whole session,
# and Django refuses ORM calls from a thread with a running loop. Tests only: the ORM and the
# browser take turns in one thread, never at once.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}. Install it with: {CHROMIUM_INSTALL}")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def open_page(request: pytest.FixtureRequest) -> Callable[[], Page]:
    """Opens Playwright's page from inside the test, after checking that there is a browser.

    Called in the test body, so a missing Chromium FAILS the test (rather than erroring in
    setup, or skipping, which would look like a pass) and names the command that installs it.
    """

    def open_() -> Page:
        if not CHROMIUM.exists():
            pytest.fail(
                f"Chromium is not installed at {CHROMIUM}. Install it with: {CHROMIUM_INSTALL}"
            )
        return request.getfixturevalue("page")

    return open_


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
