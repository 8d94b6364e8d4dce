import datetime
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import kombu.pools
import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.utils import timezone

from membership.models import Membership
from membership.services.applications import approve_application
from membership.tasks import lapse_expired_memberships
from sistercities.celery import app as celery_app
from tests.factories import ApplicationFactory, MembershipFactory, StaffFactory


def _ending(ends_on: datetime.date) -> Membership:
    return MembershipFactory(starts_on=ends_on - datetime.timedelta(days=364), ends_on=ends_on)


def _status(membership: Membership) -> str:
    return Membership.objects.get(pk=membership.pk).status


# In-process (tests/settings.py makes every task eager)


@pytest.mark.django_db
def test_the_task_lapses_memberships_ended_before_the_iso_date_it_is_given() -> None:
    ended = _ending(datetime.date(2024, 5, 31))
    ends_that_day = _ending(datetime.date(2024, 6, 1))

    result = lapse_expired_memberships.delay("2024-06-01")

    assert result.get() == 1
    assert _status(ended) == Membership.Status.LAPSED
    # Lapsing "today" instead of on the given day would have lapsed this one too.
    assert _status(ends_that_day) == Membership.Status.ACTIVE


@pytest.mark.django_db
def test_the_task_without_a_date_lapses_memberships_ended_before_today() -> None:
    today = timezone.localdate()
    ended_yesterday = _ending(today - datetime.timedelta(days=1))
    ends_today = _ending(today)

    assert lapse_expired_memberships.delay().get() == 1
    assert _status(ended_yesterday) == Membership.Status.LAPSED
    assert _status(ends_today) == Membership.Status.ACTIVE


# Through a real worker on the Redis broker


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail("REDIS_URL is needed in CI: this test runs a real Celery worker on Redis.")
    pytest.skip("REDIS_URL is not set: no Redis broker for a real Celery worker.")


def _forget_broker_and_backend(app: Celery) -> None:
    """Drop the app's cached connections so that the next use reads the current settings."""
    kombu.pools.reset()  # closes and forgets the process-wide broker connection pools
    app._pool = None
    app.__dict__.pop("amqp", None)  # holds the producer pool and the queues
    app._backend_cache = None  # a thread-safe result backend, or else one per thread:
    vars(app._local).pop("backend", None)


@contextmanager
def _worker_on(redis_url: str) -> Iterator[None]:
    """Run a worker thread on Redis, with the app switched from eager to the broker meanwhile."""
    import celery.contrib.testing.tasks  # noqa: F401  (the ping that the worker start awaits)

    overrides = {
        "task_always_eager": False,
        "broker_url": redis_url,
        "result_backend": redis_url,
        "result_expires": 300,
        # A queue of this run's own, so that no other worker on the same Redis takes the task.
        "task_default_queue": f"sistercities-test-{os.getpid()}",
    }
    saved = {key: celery_app.conf[key] for key in overrides}
    # The worker sets up logging its own way; later tests keep pytest's.
    root_handlers, root_level = logging.root.handlers[:], logging.root.level
    celery_app.conf.update(overrides)
    _forget_broker_and_backend(celery_app)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=True):
            yield
    finally:
        celery_app.conf.update(saved)
        _forget_broker_and_backend(celery_app)
        logging.root.handlers[:] = root_handlers
        logging.root.setLevel(root_level)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_lapses_expired_memberships() -> None:
    redis_url = _redis_url()
    today = timezone.localdate()
    ended_yesterday = _ending(today - datetime.timedelta(days=1))
    ends_today = _ending(today)

    with _worker_on(redis_url):
        result = lapse_expired_memberships.delay(today.isoformat())
        lapsed = result.get(timeout=30)

    assert not isinstance(result, EagerResult)
    assert lapsed == 1
    assert _status(ended_yesterday) == Membership.Status.LAPSED
    assert _status(ends_today) == Membership.Status.ACTIVE
    assert celery_app.conf.task_always_eager


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_welcome_mail_of_an_approval_leaves_through_a_real_worker(
    settings, mailoutbox, default_classes
) -> None:
    redis_url = _redis_url()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # sistercities.mail hands the message to Celery
    application = ApplicationFactory(submitted=True)

    with _worker_on(redis_url):
        approve_application(application, by=StaffFactory())
        deadline = time.monotonic() + 30
        while not mailoutbox and time.monotonic() < deadline:
            time.sleep(0.1)

    (welcome,) = mailoutbox
    assert welcome.to == [application.applicant.email]
    assert welcome.subject.startswith("Welcome: Testville")
    assert "is now a Global Member" in welcome.body
