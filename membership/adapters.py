from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.encoding import iri_to_uri

from sistercities.mail import queue_mail

# Longer `next` targets come only from tampered links; Django refuses to redirect to them.
MAX_REDIRECT_LENGTH = 2000


def user_display(user: Any) -> str:
    """People sign in with their e-mail address, so that is how the portal names them."""
    return user.email or user.get_username()


class AccountAdapter(DefaultAccountAdapter):
    """Account e-mails (confirmation, password reset) go through the portal's mail queue."""

    def populate_username(self, request: Any, user: Any) -> None:
        # The address, which staff recognise in the admin, rather than a name made up from
        # its first part ("ana.official"); addresses are unique, usernames at most 150 long.
        if user.email and len(user.email) <= 150:
            user.username = user.email
        else:
            super().populate_username(request, user)

    def is_safe_url(self, url: str) -> bool:
        # Measured as sent: each non-ASCII character counts as its percent-encoded bytes.
        return len(iri_to_uri(url or "")) <= MAX_REDIRECT_LENGTH and super().is_safe_url(url)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Every message may name the address it went to (allauth leaves it out of some).
        context = {"email": email, **context}
        queue_mail(self.render_mail(template_prefix, email, context))
