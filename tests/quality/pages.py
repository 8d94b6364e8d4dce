"""Every page of the portal, as each kind of user sees it: the list the page checks walk.

A new page is added here once and is then held to every check (axe-core, the Nu HTML
Checker). `build_pages` needs the demo data loaded (`build_demo`), and returns paths.
"""

from __future__ import annotations

from dataclasses import dataclass

from membership.models import Community


@dataclass(frozen=True)
class Page:
    name: str
    persona: str  # "anonymous", "user" (signed in, verified email) or "staff"
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
    ]
    return pages
