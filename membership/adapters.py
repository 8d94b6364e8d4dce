from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

from sistercities.mail import queue_mail


class AccountAdapter(DefaultAccountAdapter):
    """Account e-mails (confirmation, password reset) go through the portal's mail queue."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Every message may name the address it went to (allauth leaves it out of some).
        context = {"email": email, **context}
        queue_mail(self.render_mail(template_prefix, email, context))
