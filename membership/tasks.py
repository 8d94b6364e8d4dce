import datetime

from celery import shared_task
from django.utils import timezone

from membership import services


@shared_task
def lapse_expired_memberships(today: str | None = None) -> int:
    """Daily: memberships past their term stop being active. `today` is an ISO date."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return services.lapse_expired_memberships(today=day)
