"""The one way the portal sends e-mail: rendered in the request, delivered by a Celery task.

A message named `membership/emails/welcome` is made of
`templates/membership/emails/welcome.subject.txt`, `.txt` and `.html`. Delivery happens after
the surrounding transaction commits, and a mail server that is down delays the message
(retried with backoff) instead of failing the page the user is on.
"""

import logging
import smtplib
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


def render_templated_mail(
    name: str, context: dict[str, Any], to: Sequence[str]
) -> EmailMultiAlternatives:
    subject = " ".join(render_to_string(f"{name}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
    )
    message.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    return message


def send_templated_mail(name: str, context: dict[str, Any], to: Sequence[str]) -> None:
    queue_mail(render_templated_mail(name, context, to))


def queue_mail(message: EmailMessage) -> None:
    """Deliver the message once the current transaction commits (at once outside one)."""
    payload = {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": str(message.from_email or settings.DEFAULT_FROM_EMAIL),
        "to": [str(address) for address in message.to],
        "reply_to": [str(address) for address in message.reply_to],
        "alternatives": [
            [str(content), str(mimetype)]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
    }
    transaction.on_commit(lambda: _dispatch(payload))


def _dispatch(payload: dict[str, Any]) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker, no retries: a failure is logged and the user's page still answers.
        try:
            _deliver(payload)
        except TRANSIENT_ERRORS:
            logger.exception("Could not send mail %r to %s", payload["subject"], payload["to"])
        return
    deliver_mail.delay(payload)


def _deliver(payload: dict[str, Any]) -> None:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        reply_to=payload["reply_to"],
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.send()


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_kwargs={"max_retries": 8},
)
def deliver_mail(payload: dict[str, Any]) -> None:
    """Send one rendered message; SMTP and network errors are retried with backoff."""
    _deliver(payload)
