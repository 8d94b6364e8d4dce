"""The shared page frame: sign-in and account pages (django-allauth) and the error pages.

These templates live in the site-wide tree (templates/allauth/, 404.html, 500.html) rather than
in one app; the tests sit here beside the directory's until the suite has a home for them.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.test.html import Element
from django.views.defaults import bad_request, permission_denied, server_error

from tests.directory.pages import attr, classes, find, find_all, parse, text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"

ANONYMOUS_PAGES = {
    "/accounts/login/": "Sign In",
    "/accounts/signup/": "Sign Up",
    "/accounts/password/reset/": "Password Reset",
    "/accounts/password/reset/done/": "Password Reset",
    "/accounts/password/reset/key/1-bad-token/": "Bad Token",
    "/accounts/confirm-email/": "Verify Your Email Address",
    "/accounts/confirm-email/no-such-key/": "Confirm Email Address",
}
SIGNED_IN_PAGES = {
    "/accounts/email/": "Email Addresses",
    "/accounts/password/change/": "Change Password",
    "/accounts/logout/": "Sign Out",
}


@pytest.fixture
def member_official(client):
    user = UserFactory.create(
        username="official@kyoto.example.jp", email="official@kyoto.example.jp"
    )
    client.force_login(user)
    return user


def assert_in_portal_frame(page: Element, heading: str) -> None:
    """The portal's header, main landmark, footer and stylesheet, with one h1 and labelled fields."""
    assert find_all(page, "link", rel="stylesheet", href="/static/css/portal.css")
    assert find(page, "header", css_class="site-header")
    main = find(page, "main", id="main")
    assert find(page, "footer", css_class="site-footer")
    assert text(find(main, "h1")) == heading
    for field in find_all(main, "input") + find_all(main, "select") + find_all(main, "textarea"):
        if attr(field, "type") in {"hidden", "submit"}:
            continue
        field_id = attr(field, "id")
        assert field_id, f"a field without id cannot be labelled: {field.attributes}"
        assert find(page, "label", for_=field_id)
        if {"form-check-input"} & classes(field):
            continue
        assert classes(field) & {"form-control", "form-select"}, f"{field_id} is not styled"


def assert_no_inline_script_or_style(page: Element) -> None:
    """The Content-Security-Policy blocks inline code and styles; none may be relied on."""
    for script in find_all(page, "script"):
        assert attr(script, "src") or attr(script, "type") == "application/json"
    assert not find_all(page, "style")
    assert [
        element.name for element in find_all(page, "*") if attr(element, "style") is not None
    ] == []


@pytest.mark.parametrize(("url", "heading"), ANONYMOUS_PAGES.items())
def test_account_pages_for_visitors_wear_the_portal_look(client, url, heading):
    response = client.get(url)

    assert response.status_code == 200
    page = parse(response)
    assert_in_portal_frame(page, heading)
    assert_no_inline_script_or_style(page)


@pytest.mark.parametrize(("url", "heading"), SIGNED_IN_PAGES.items())
def test_account_pages_for_members_wear_the_portal_look_with_an_account_menu(
    client, member_official, url, heading
):
    response = client.get(url)

    assert response.status_code == 200
    page = parse(response)
    assert_in_portal_frame(page, heading)
    assert_no_inline_script_or_style(page)
    menu = find(page, "nav", aria_label="My account")
    assert attr(find(menu, "a", aria_current="page"), "href") == url


def test_sign_in_labels_every_field_and_styles_the_button(client):
    page = parse(client.get("/accounts/login/"))

    assert text(find(page, "label", for_="id_login")) == "Email*"
    password = find(page, "input", name="password")
    assert "form-control" in classes(password)
    assert "id_password_helptext" in (attr(password, "aria-describedby") or "")
    assert "Forgot your password?" in text(find(page, "div", id="id_password_helptext"))
    assert "btn-primary" in classes(find(find(page, "form", css_class="account-form"), "button"))


def test_wrong_password_is_explained_above_the_form(client, member_official):
    client.logout()

    response = client.post(
        "/accounts/login/", {"login": member_official.email, "password": "wrong"}
    )

    assert response.status_code == 200
    alert = find(parse(response), "div", role="alert")
    assert "password you specified are not correct" in text(alert)


def test_sign_up_errors_are_shown_and_announced_at_their_field(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "mayor@city.example.org", "password1": "short", "password2": "different"},
    )

    assert response.status_code == 200
    page = parse(response)
    password = find(page, "input", name="password1")
    assert attr(password, "aria-invalid") == "true"
    assert "id_password1_error" in (attr(password, "aria-describedby") or "").split()
    assert "too short" in text(find(page, "div", id="id_password1_error"))


def test_sign_up_then_verify_the_address_in_the_portal_look(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {"email": "mayor@city.example.org", "password1": PASSWORD, "password2": PASSWORD},
            follow=True,
        )

    assert_in_portal_frame(parse(response), "Verify Your Email Address")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    confirm = parse(client.get(link.group(1)))
    assert_in_portal_frame(confirm, "Confirm Email Address")
    assert "btn-primary" in classes(find(find(confirm, "form", css_class="account-form"), "button"))
    done = client.post(link.group(1), follow=True)
    assert EmailAddress.objects.get(email="mayor@city.example.org").verified
    assert done.redirect_chain[-1][0] == "/"


def test_password_reset_from_the_emailed_link_in_the_portal_look(
    client, member_official, django_capture_on_commit_callbacks
):
    client.logout()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password/reset/", {"email": member_official.email}, follow=True
        )

    assert_in_portal_frame(parse(response), "Password Reset")
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", str(mail.outbox[0].body)
    )
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    page = parse(form_page)
    assert_in_portal_frame(page, "Change Password")
    assert "btn-link" in classes(find(page, "button", form="logout-from-stage"))
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a-new-harbour-bridge", "password2": "a-new-harbour-bridge"},
        follow=True,
    )
    assert_in_portal_frame(parse(done), "Change Password")
    assert "Your password is now changed." in text(parse(done))


def test_unknown_page_is_a_404_in_the_portal_look(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = parse(response)
    assert_in_portal_frame(page, "Page not found")
    assert attr(find(find(page, "main"), "a", css_class="btn-primary"), "href") == "/directory/"


def test_server_error_page_needs_no_request_context():
    response = server_error(RequestFactory().get("/directory/"))

    assert response.status_code == 500
    page = parse(response)
    assert find_all(page, "link", rel="stylesheet", href="/static/css/portal.css")
    assert text(find(page, "h1")) == "Something went wrong on our side"
    assert attr(find(find(page, "main"), "a"), "href") == "/"
    assert_no_inline_script_or_style(page)


def test_an_expired_form_explains_what_to_do_in_the_portal_look():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "mayor@city.example.org", "password": "x"})

    assert response.status_code == 403
    page = parse(response)
    assert_in_portal_frame(page, "This form has expired")
    assert "Reload the page" in text(find(page, "main"))


@pytest.mark.parametrize(
    ("view", "exception", "status", "heading"),
    [
        (permission_denied, PermissionDenied(), 403, "You may not open this page"),
        (bad_request, ValueError(), 400, "The portal could not understand this request"),
    ],
)
def test_other_error_pages_wear_the_portal_look(view, exception, status, heading):
    request = RequestFactory().get("/directory/")

    response = view(request, exception)

    assert response.status_code == status
    assert_in_portal_frame(parse(response), heading)
