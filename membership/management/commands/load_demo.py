from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from membership.demo import build_demo


class Command(BaseCommand):
    help = (
        "Build a realistic portal from the real public data in data/: Global Member communities "
        "with active memberships, their real sister-city partnerships and partner communities. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--members", type=int, default=400, help="How many Global Members (default 400)."
        )
        parser.add_argument(
            "--no-reference",
            action="store_true",
            help="Load only members and their partners, not every city of the reference data.",
        )

    def handle(self, *args: Any, members: int, no_reference: bool, **options: Any) -> None:
        if members < 1:
            raise CommandError("--members must be at least 1.")
        summary = build_demo(
            members=members, today=timezone.localdate(), reference=not no_reference
        )
        self.stdout.write(
            f"Demo data: {summary.communities_created} communities, "
            f"{summary.memberships_created} memberships, "
            f"{summary.partnerships_created} partnerships, "
            f"{summary.classes_created} membership classes and "
            f"{summary.domains_created} recognized government domains created."
        )
