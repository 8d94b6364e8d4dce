import os
import secrets
from argparse import ArgumentParser
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create or reset the demo staff account and print its login (for `make run`)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--email", default="staff@example.org")
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_STAFF_PASSWORD", ""),
            help="Default: DEMO_STAFF_PASSWORD, or a new random password on each run.",
        )

    @transaction.atomic
    def handle(self, *args: Any, email: str, password: str, **options: Any) -> None:
        password = password or secrets.token_urlsafe(12)
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=email, defaults={"email": email})
        user.email = email
        user.is_staff = True
        user.is_superuser = True
        user.is_active = True
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        self.stdout.write(
            f"Demo staff login: {email} / {password}  (at /admin/ and /accounts/login/)"
        )
