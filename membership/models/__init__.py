"""The membership domain's models; the glossary in the README defines each noun."""

from membership.models.applications import (
    Application,
    ApplicationMessage,
    Evidence,
    RecognizedDomain,
)
from membership.models.core import (
    US,
    Community,
    CommunityQuerySet,
    Membership,
    MembershipClass,
    Partnership,
)
from membership.models.dues import DuesRecord
from membership.models.editors import Editor, JoinRequest

__all__ = [
    "US",
    "Application",
    "ApplicationMessage",
    "Community",
    "CommunityQuerySet",
    "DuesRecord",
    "Editor",
    "Evidence",
    "JoinRequest",
    "Membership",
    "MembershipClass",
    "Partnership",
    "RecognizedDomain",
]
