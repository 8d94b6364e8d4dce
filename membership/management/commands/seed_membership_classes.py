from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from membership.demo import DEFAULT_CLASSES, seed_membership_classes


class Command(BaseCommand):
    help = (
        "Create the default membership class table (marked as seeded defaults) for a year that "
        "has no classes yet; staff then enter the official rates in the admin."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="Default: this year.")

    def handle(self, *args: Any, year: int | None, **options: Any) -> None:
        year = year or timezone.localdate().year
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100.")
        created = seed_membership_classes(year)
        if created:
            self.stdout.write(f"Created the {len(DEFAULT_CLASSES)} default classes for {year}.")
        else:
            self.stdout.write(f"{year} already has membership classes; nothing changed.")
