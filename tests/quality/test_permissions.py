"""The permission matrix: every URL of the project, and what each persona gets there.

`ACCESS` lists every URL pattern, django-allauth's and the admin's included, with the outcome
for each persona. A new URL fails `test_every_url_pattern_has_an_entry` until it gets a row,
so nobody adds a page without deciding who may use it. `test_persona_gets_the_outcome_of_the_table`
then requests each pattern as each persona, with real objects behind its parameters.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from membership.services.applications import confirm_url

PERSONAS = ("anonymous", "signed_in_user", "member_editor", "other_editor", "staff")


@dataclass(frozen=True)
class Allowed:
    """The persona may use the page: a 2xx, or a 302 to `redirect_to` (a path prefix)."""

    redirect_to: str | None = None


@dataclass(frozen=True)
class LoginRequired:
    """The persona is sent to sign in first: a 302 to `login_url` with `?next=`."""

    login_url: str


@dataclass(frozen=True)
class Forbidden:
    """The persona may not know the page exists: 403 or 404."""


Outcome = Allowed | LoginRequired | Forbidden

OK = Allowed()
TO_HOME = Allowed(redirect_to="/")  # signed-in users visiting sign-up or log-in go home
LOGIN = LoginRequired("/accounts/login/")
ADMIN_LOGIN = LoginRequired("/admin/login/")
NOT_FOUND = Forbidden()


def _access(everyone: Outcome, **persona: Outcome) -> dict[str, Outcome]:
    """One outcome for every persona, with the named ones overridden."""
    unknown = set(persona) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    return {name: persona.get(name, everyone) for name in PERSONAS}


PUBLIC = _access(OK)
SIGNED_IN = _access(OK, anonymous=LOGIN)
ANONYMOUS_ONLY = _access(TO_HOME, anonymous=OK)
STAFF = _access(ADMIN_LOGIN, staff=OK)
NOBODY_IN_ADMIN = _access(ADMIN_LOGIN, staff=NOT_FOUND)  # staff get 403: not done in the admin
APPLICANT = _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=OK)
TO_APPLICATION = Allowed(redirect_to="/membership/applications/")
TO_DASHBOARD = Allowed(redirect_to="/membership/")


@dataclass(frozen=True)
class Row:
    """Who may use one URL pattern, and how to build a URL for it.

    `url` builds the URL from the `world` fixture's objects; without it the route itself is
    the URL (it has no parameters). `method="post"` for views that answer GET with 405.
    """

    access: dict[str, Outcome]
    url: Callable[[Any], str] | None = None
    method: str = "get"
    note: str = ""
    data: dict[str, str] | Callable[[Any], dict[str, str]] = field(default_factory=dict)


def _admin_model_rows(
    app_label: str,
    model_name: str,
    obj: Callable[[Any], Any],
    *,
    simple_history: bool = False,
    add_and_delete: bool = True,
) -> dict[str, Row]:
    """The staff-only patterns every registered ModelAdmin adds, built for one object."""
    prefix = f"admin/{app_label}/{model_name}/"
    name = f"admin:{app_label}_{model_name}"
    changelist = f"/{prefix}"

    def of(view: str) -> Callable[[Any], str]:
        return lambda world: reverse(f"{name}_{view}", args=[obj(world).pk])

    rows = {
        prefix: Row(STAFF),
        f"{prefix}add/": Row(STAFF),
        f"{prefix}<path:object_id>/history/": Row(STAFF, url=of("history")),
        f"{prefix}<path:object_id>/change/": Row(STAFF, url=of("change")),
        f"{prefix}<path:object_id>/delete/": Row(
            STAFF, url=of("delete"), note="GET shows the confirmation page only"
        ),
        f"{prefix}<path:object_id>/": Row(
            _access(ADMIN_LOGIN, staff=Allowed(redirect_to=changelist)),
            url=lambda world: f"{changelist}{obj(world).pk}/",
            note="the old object URL redirects to its change page",
        ),
    }
    if not add_and_delete:
        note = "made by their own process, never added or deleted in the admin: 403"
        rows[f"{prefix}add/"] = Row(NOBODY_IN_ADMIN, note=note)
        rows[f"{prefix}<path:object_id>/delete/"] = Row(
            NOBODY_IN_ADMIN, url=of("delete"), note=note
        )
    if simple_history:
        rows[f"{prefix}^([^/]+)/history/([^/]+)/$"] = Row(
            STAFF,
            url=lambda world: reverse(
                f"{name}_simple_history",
                args=[obj(world).pk, obj(world).history.earliest().history_id],
            ),
            note="django-simple-history's view of one past version",
        )
    return rows


def _confirm_email_url(world: Any) -> str:
    return reverse(
        "account_confirm_email", args=[EmailConfirmationHMAC(world.unverified_address).key]
    )


def _reset_password_from_key_url(world: Any) -> str:
    return reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(world.newcomer),
            "key": default_token_generator.make_token(world.newcomer),
        },
    )


def _view_on_site_url(world: Any) -> str:
    content_type = ContentType.objects.get_for_model(world.community)
    return reverse("admin:view_on_site", args=[content_type.pk, world.community.pk])


ACCESS: dict[str, Row] = {
    # Our own pages.
    "": Row(PUBLIC),
    "healthz": Row(PUBLIC),
    "directory/": Row(PUBLIC),
    "directory/<slug:slug>/": Row(
        PUBLIC,
        url=lambda world: reverse("directory:community-detail", args=[world.community.slug]),
        note="a Global Member's profile is public",
    ),
    # Applying for membership, and the dashboard.
    "membership/": Row(SIGNED_IN, note="the dashboard"),
    "membership/apply/": Row(SIGNED_IN, note="a verified address is needed; every persona has one"),
    "membership/form.pdf": Row(PUBLIC, note="the printable form, for anyone"),
    "membership/applications/<id:pk>/": Row(
        APPLICANT,
        url=lambda world: reverse("membership:application-detail", args=[world.application.pk]),
        note="only the applicant; staff use the admin",
    ),
    "membership/applications/<id:pk>/<slug:step>/": Row(
        APPLICANT,
        url=lambda world: reverse(
            "membership:application-step", args=[world.application.pk, "population"]
        ),
    ),
    "membership/applications/<id:pk>/evidence/<id:evidence_pk>/": Row(
        _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=OK, staff=OK),
        url=lambda world: world.evidence.get_download_url(),
        note="an uploaded file: the applicant and staff who review applications",
    ),
    "membership/applications/<id:pk>/evidence/<id:evidence_pk>/view/": Row(
        _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=OK, staff=OK),
        url=lambda world: world.evidence.get_absolute_url(),
        note="the page that shows an uploaded file",
    ),
    "membership/applications/<id:pk>/evidence/<id:evidence_pk>/pages/<id:page>.png": Row(
        _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=OK, staff=OK),
        url=lambda world: reverse(
            "membership:evidence-page", args=[world.application.pk, world.evidence.pk, 1]
        ),
        note="a PDF's page as a picture",
    ),
    "membership/applications/<id:pk>/evidence/<id:evidence_pk>/remove/": Row(
        _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=TO_APPLICATION),
        url=lambda world: reverse(
            "membership:evidence-remove", args=[world.application.pk, world.evidence.pk]
        ),
        method="post",
    ),
    "membership/applications/<id:pk>/submit/": Row(
        _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=TO_APPLICATION),
        url=lambda world: reverse("membership:application-submit", args=[world.application.pk]),
        method="post",
        data=lambda world: {"accept_terms": "on", "revision": str(world.application.revision)},
    ),
    "membership/applications/<id:pk>/withdraw/": Row(
        _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=TO_APPLICATION),
        url=lambda world: reverse("membership:application-withdraw", args=[world.application.pk]),
        method="post",
        data=lambda world: {"confirm": "yes"},
    ),
    "membership/applications/<id:pk>/answer/": Row(
        _access(NOT_FOUND, anonymous=LOGIN, signed_in_user=TO_APPLICATION),
        url=lambda world: reverse("membership:application-answer", args=[world.application.pk]),
        method="post",
        data={"body": "The council's letter is attached."},
        note="a draft takes no messages: the applicant is told so on the application's page",
    ),
    "membership/confirm-email/<str:token>/": Row(
        PUBLIC,
        url=lambda world: urlsplit(confirm_url(world.application)).path,
        note="whoever holds the link may confirm the address; GET only shows the button",
    ),
    "membership/communities/<slug:slug>/join/": Row(
        SIGNED_IN,
        url=lambda world: reverse("membership:join-request-create", args=[world.community.slug]),
    ),
    "membership/join-requests/<id:pk>/<slug:decision>/": Row(
        _access(NOT_FOUND, anonymous=LOGIN, member_editor=TO_DASHBOARD, staff=TO_DASHBOARD),
        url=lambda world: reverse(
            "membership:join-request-decide", args=[world.join_request.pk, "accept"]
        ),
        method="post",
        note="the community's editors and staff decide; anyone else does not see the request",
    ),
    # django-allauth: signing up, in and out.
    "accounts/login/": Row(ANONYMOUS_ONLY),
    "accounts/signup/": Row(ANONYMOUS_ONLY),
    "accounts/logout/": Row(
        _access(OK, anonymous=TO_HOME),
        note="signed-in users get a confirmation form; logging out is a POST",
    ),
    "accounts/inactive/": Row(PUBLIC),
    "accounts/login/code/confirm/": Row(
        _access(TO_HOME, anonymous=Allowed(redirect_to="/accounts/login/")),
        note="log-in by code is off: without a pending code log-in the view sends you back",
    ),
    "accounts/reauthenticate/": Row(SIGNED_IN),
    "accounts/reauthenticate/code/": Row(SIGNED_IN),
    "accounts/reauthenticate/code/confirm/": Row(
        _access(Allowed(redirect_to="/accounts/reauthenticate/code/"), anonymous=LOGIN),
        note="without a code requested first, the view sends you to request one",
    ),
    # django-allauth: e-mail addresses and passwords.
    "accounts/email/": Row(SIGNED_IN),
    "accounts/confirm-email/": Row(PUBLIC),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": Row(
        PUBLIC,
        url=_confirm_email_url,
        note="a real key for an unverified address; GET only shows the confirm button",
    ),
    "accounts/password/change/": Row(SIGNED_IN),
    "accounts/password/set/": Row(
        _access(Allowed(redirect_to="/accounts/password/change/"), anonymous=LOGIN),
        note="every persona has a password already, so the view sends them to change it",
    ),
    "accounts/password/reset/": Row(PUBLIC),
    "accounts/password/reset/done/": Row(PUBLIC),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": Row(
        _access(Allowed(redirect_to="/accounts/password/reset/key/")),
        url=_reset_password_from_key_url,
        note="a real key of a user who is not signed in (signing in changes the key): "
        "allauth stores it in the session and redirects to the key-less form",
    ),
    "accounts/password/reset/key/done/": Row(PUBLIC),
    # The admin site itself.
    "admin/": Row(STAFF),
    "admin/login/": Row(
        _access(OK, staff=Allowed(redirect_to="/admin/")),
        note="non-staff who are signed in see the form with a 'not authorised' notice",
    ),
    "admin/logout/": Row(
        _access(Allowed(redirect_to="/admin/"), staff=OK),
        method="post",
        note="logging out is POST only; non-staff are sent to the index (and on to log-in)",
    ),
    "admin/password_change/": Row(STAFF),
    "admin/password_change/done/": Row(STAFF),
    "admin/autocomplete/": Row(
        STAFF,
        url=lambda world: (
            reverse("admin:autocomplete")
            + "?app_label=membership&model_name=membership&field_name=community&term=kra"
        ),
        note="the widget's own query: communities for a membership's community field",
    ),
    "admin/jsi18n/": Row(STAFF),
    "admin/r/<path:content_type_id>/<path:object_id>/": Row(
        _access(ADMIN_LOGIN, staff=Allowed(redirect_to="/directory/")),
        url=_view_on_site_url,
        note="'view on site' for a community leads to its directory profile",
    ),
    "admin/^(?P<app_label>auth|account|membership)/$": Row(
        STAFF, url=lambda world: reverse("admin:app_list", args=["membership"])
    ),
    "admin/(?P<url>.*)$": Row(
        _access(ADMIN_LOGIN, staff=NOT_FOUND),
        url=lambda world: "/admin/no-such-page/",
        note="the admin's catch-all hides unknown admin URLs from everyone but staff",
    ),
    # The admin for our models.
    **_admin_model_rows(
        "membership", "community", lambda world: world.community, simple_history=True
    ),
    **_admin_model_rows(
        "membership", "membershipclass", lambda world: world.membership_class, simple_history=True
    ),
    **_admin_model_rows(
        "membership", "membership", lambda world: world.membership, simple_history=True
    ),
    **_admin_model_rows(
        "membership", "partnership", lambda world: world.partnership, simple_history=True
    ),
    **_admin_model_rows(
        "membership",
        "application",
        lambda world: world.application,
        simple_history=True,
        add_and_delete=False,
    ),
    **{
        f"admin/membership/application/<path:object_id>/{decision}/": Row(
            STAFF,
            url=lambda world, decision=decision: (
                f"/admin/membership/application/{world.application.pk}/{decision}/"
            ),
            note="GET shows the confirmation page; approving needs the decide permission",
        )
        for decision in ("approve", "reject", "request-information", "withdraw")
    },
    **_admin_model_rows(
        "membership",
        "recognizeddomain",
        lambda world: world.recognized_domain,
        simple_history=True,
    ),
    **_admin_model_rows(
        "membership",
        "duesrecord",
        lambda world: world.dues_record,
        simple_history=True,
        add_and_delete=False,
    ),
    **_admin_model_rows("membership", "editor", lambda world: world.editor, simple_history=True),
    **_admin_model_rows(
        "membership",
        "joinrequest",
        lambda world: world.join_request,
        simple_history=True,
        add_and_delete=False,
    ),
    # The admin for Django's and allauth's models, in one group: staff only.
    **_admin_model_rows("auth", "group", lambda world: world.group),
    **_admin_model_rows("auth", "user", lambda world: world.user),
    "admin/auth/user/<id>/password/": Row(
        STAFF, url=lambda world: reverse("admin:auth_user_password_change", args=[world.user.pk])
    ),
    **_admin_model_rows("account", "emailaddress", lambda world: world.email_address),
}


def _url_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[str]:
    """Every pattern's full route string, descending into every include()."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern.url_patterns, route)
        else:
            yield route


def test_every_url_pattern_has_an_entry() -> None:
    routes = list(_url_patterns())
    missing = [route for route in routes if route not in ACCESS]
    assert not missing, f"Add these URL patterns to ACCESS in {__name__}: {missing}"


def test_the_table_names_no_url_pattern_that_is_gone() -> None:
    stale = set(ACCESS) - set(_url_patterns())
    assert not stale, f"These ACCESS rows match no URL pattern any more: {sorted(stale)}"


def _describe(response: HttpResponse) -> str:
    return f"{response.status_code} {response.get('Location', '')}".strip()


def _assert_outcome(response: HttpResponse, expected: Outcome, url: str) -> None:
    status = response.status_code
    assert status < 500, f"{url} answered {status}"
    location = urlsplit(response.get("Location", ""))
    match expected:
        case Allowed(redirect_to=None):
            assert 200 <= status < 300, f"{url}: expected a page, got {_describe(response)}"
        case Allowed(redirect_to=target):
            assert status == 302, (
                f"{url}: expected a redirect to {target}, got {_describe(response)}"
            )
            assert location.path.startswith(target), (
                f"{url}: expected a redirect to {target}, got {_describe(response)}"
            )
        case LoginRequired(login_url=login_url):
            assert status == 302, f"{url}: expected to be sent to log in, got {_describe(response)}"
            assert location.path == login_url and "next=" in location.query, (
                f"{url}: expected {login_url}?next=..., got {_describe(response)}"
            )
        case Forbidden():
            assert status in {403, 404}, f"{url}: expected 403 or 404, got {_describe(response)}"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", list(ACCESS))
def test_persona_gets_the_outcome_of_the_table(
    route: str, persona: str, persona_client: Callable[[str], Any], world: Any
) -> None:
    row = ACCESS[route]
    url = row.url(world) if row.url else "/" + route
    client = persona_client(persona)
    data = row.data(world) if callable(row.data) else row.data
    response = getattr(client, row.method)(url, data)
    _assert_outcome(response, row.access[persona], url)
