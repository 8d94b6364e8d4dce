"""The staff back office: one module per subject, each registering its ModelAdmins."""

from membership.admin.applications import ApplicationAdmin, RecognizedDomainAdmin
from membership.admin.base import (
    MAX_ID,
    PortalModelAdmin,
    SafeAutocompleteMixin,
    SafeAutocompleteSelect,
)
from membership.admin.core import (
    CommunityAdmin,
    MembershipAdmin,
    MembershipClassAdmin,
    MembershipInline,
    MembershipInlineFormSet,
    PartnershipAdmin,
    PartnershipAdminForm,
)
from membership.admin.dues import DuesRecordAdmin
from membership.admin.editors import EditorAdmin, JoinRequestAdmin

__all__ = [
    "MAX_ID",
    "ApplicationAdmin",
    "CommunityAdmin",
    "DuesRecordAdmin",
    "EditorAdmin",
    "JoinRequestAdmin",
    "MembershipAdmin",
    "MembershipClassAdmin",
    "MembershipInline",
    "MembershipInlineFormSet",
    "PartnershipAdmin",
    "PartnershipAdminForm",
    "PortalModelAdmin",
    "RecognizedDomainAdmin",
    "SafeAutocompleteMixin",
    "SafeAutocompleteSelect",
]
