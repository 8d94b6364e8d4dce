"""The one way the portal sends e-mail: a template triplet rendered and sent as text and HTML.

A message named `membership/emails/welcome` is made of
`templates/membership/emails/welcome.subject.txt`, `.txt` and `.html`.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def send_templated_mail(name: str, context: dict[str, Any], to: Sequence[str]) -> None:
    subject = " ".join(render_to_string(f"{name}.subject.txt", context).split())
    text = render_to_string(f"{name}.txt", context)
    html = render_to_string(f"{name}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=list(to)
    )
    message.attach_alternative(html, "text/html")
    message.send()
