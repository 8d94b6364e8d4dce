"""Writes with rules or side effects; views, admin actions, tasks and commands all call these."""

from membership.services.memberships import (
    class_for_population,
    lapse_expired_memberships,
    record_partnership,
    start_membership,
    term_starting,
)

__all__ = [
    "class_for_population",
    "lapse_expired_memberships",
    "record_partnership",
    "start_membership",
    "term_starting",
]
