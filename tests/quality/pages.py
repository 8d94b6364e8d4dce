"""Every page of the portal, as each kind of user sees it: the list the page checks walk.

A new page is added here once and is then held to every check (axe-core, the Nu HTML
Checker). `build_pages` needs the demo data loaded (`build_demo`), and returns paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from membership.models import Application, Community, Editor
from membership.services.applications import confirm_url
from tests.factories import (
    ApplicationFactory,
    ApplicationMessageFactory,
    CommunityFactory,
    EvidenceFactory,
    JoinRequestFactory,
    RecognizedDomainFactory,
    UserFactory,
)

APPLICANT_EMAIL = "relations@mairie.example.fr"


@dataclass(frozen=True)
class Page:
    name: str
    persona: str  # "anonymous", "user" (signed in, verified), "applicant" (has drafts) or "staff"
    path: str
    post: dict[str, str] | None = None  # submitted once to show the form's error state
    status: int = 200


def build_pages() -> list[Page]:
    members = Community.objects.global_members()
    profile = (
        members.exclude(native_name="").order_by("pk").first() or members.order_by("pk").first()
    )
    assert profile is not None, "the page checks need demo data with at least one member"
    country = profile.country.code
    pages = [
        Page("home", "anonymous", "/"),
        Page("directory", "anonymous", "/directory/"),
        Page("directory search", "anonymous", f"/directory/?q={profile.name}&country={country}"),
        Page("directory no result", "anonymous", "/directory/?q=zzzzqqq"),
        Page("directory bad filters", "anonymous", "/directory/?country=ZZ&class=nonsense&page=99"),
        Page("profile", "anonymous", profile.get_absolute_url()),
        Page("not found", "anonymous", "/directory/no-such-community-xx/", status=404),
        Page("log in", "anonymous", "/accounts/login/"),
        Page(
            "log in with errors",
            "anonymous",
            "/accounts/login/",
            post={"login": "x", "password": ""},
        ),
        Page("sign up", "anonymous", "/accounts/signup/"),
        Page(
            "sign up with errors",
            "anonymous",
            "/accounts/signup/",
            post={"email": "not-an-email", "password1": "a", "password2": "b"},
        ),
        Page("password reset", "anonymous", "/accounts/password/reset/"),
        Page("password reset done", "anonymous", "/accounts/password/reset/done/"),
        Page("verification sent", "anonymous", "/accounts/confirm-email/"),
        Page("home signed in", "user", "/"),
        Page("email addresses", "user", "/accounts/email/"),
        Page("password change", "user", "/accounts/password/change/"),
        Page("log out", "user", "/accounts/logout/"),
        Page("directory as staff", "staff", "/directory/"),
        Page("admin index", "staff", "/admin/"),
        Page("admin communities", "staff", "/admin/membership/community/?q=a"),
        Page("admin community", "staff", f"/admin/membership/community/{profile.pk}/change/"),
        Page("admin classes", "staff", "/admin/membership/membershipclass/"),
        Page("admin memberships", "staff", "/admin/membership/membership/"),
        Page("admin partnerships", "staff", "/admin/membership/partnership/"),
        Page("admin class add", "staff", "/admin/membership/membershipclass/add/"),
        *_application_pages(profile),
    ]
    return pages


def user_for(persona: str) -> Any:
    """The user a persona's pages are seen as (None for anonymous)."""
    if persona == "anonymous":
        return None
    if persona == "applicant":
        return UserFactory(username=APPLICANT_EMAIL)
    return UserFactory(is_staff=persona == "staff", is_superuser=persona == "staff")


def _application_pages(member: Community) -> list[Page]:
    """An applicant with a draft, a submitted application staff asked about, and a member
    community they edit with a colleague's pending join request; and staff's side of it."""
    applicant = user_for("applicant")
    RecognizedDomainFactory(country="FR", domain="gouv.fr")
    draft = ApplicationFactory(
        applicant=applicant,
        community=CommunityFactory(
            name="Saint-Étienne", slug="saint-etienne-fr", country="FR", population=172_718
        ),
        stated_population=190_000,
        stated_population_source="Ville de Saint-Étienne 2024",
        official_email="relations@saint-etienne.gouv.fr",
    )
    letter = EvidenceFactory(application=draft, original_name="Délibération du conseil.pdf")
    asked = ApplicationFactory(
        applicant=applicant,
        community=CommunityFactory(
            name="Thessaloniki", native_name="Θεσσαλονίκη", slug="thessaloniki-gr", country="GR"
        ),
        submitted=True,
        status=Application.Status.NEEDS_INFORMATION,
    )
    ApplicationMessageFactory(application=asked)
    EvidenceFactory(application=asked)
    Editor.objects.create(community=member, user=applicant)
    join_request = JoinRequestFactory(community=member)
    detail = f"/membership/applications/{draft.pk}/"
    step = f"{detail}{{}}/"
    admin = f"/admin/membership/application/{asked.pk}/"
    joinable = Community.objects.global_members().exclude(pk=member.pk).order_by("pk").first()
    assert joinable is not None
    return [
        Page("dashboard", "applicant", "/membership/"),
        Page("apply", "applicant", f"/membership/apply/?q={member.name}"),
        Page(
            "apply by hand with errors",
            "applicant",
            "/membership/apply/",
            post={"new-name": "", "new-population": "-5"},
            status=400,
        ),
        *(
            Page(f"step {name}", "applicant", step.format(name))
            for name in ("community", "population", "applicant", "evidence", "contacts", "review")
        ),
        Page(
            "step contacts with errors",
            "applicant",
            step.format("contacts"),
            post={"primary_contact_email": "not an address"},
            status=400,
        ),
        Page("application with a question", "applicant", f"/membership/applications/{asked.pk}/"),
        Page("application submitted view", "applicant", detail),
        Page("evidence read on a page", "applicant", letter.get_absolute_url()),
        Page("evidence read by staff", "staff", letter.get_absolute_url()),
        Page(
            "confirm official address",
            "anonymous",
            urlsplit(confirm_url(draft)).path,
        ),
        Page("join request", "applicant", f"/membership/communities/{joinable.slug}/join/"),
        Page(
            "admin applications",
            "staff",
            "/admin/membership/application/?status__exact=needs_information",
        ),
        Page("admin application", "staff", f"{admin}change/"),
        Page("admin approve", "staff", f"{admin}approve/"),
        Page("admin reject", "staff", f"{admin}reject/"),
        Page("admin ask", "staff", f"{admin}request-information/"),
        Page("admin application history", "staff", f"{admin}history/"),
        Page(
            "admin join request",
            "staff",
            f"/admin/membership/joinrequest/{join_request.pk}/change/",
        ),
        Page("admin domain add", "staff", "/admin/membership/recognizeddomain/add/"),
        Page("admin editor add", "staff", "/admin/membership/editor/add/"),
        Page("admin dues", "staff", "/admin/membership/duesrecord/"),
    ]
