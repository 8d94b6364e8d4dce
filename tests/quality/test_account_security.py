"""Accounts: rate limits are on, and no answer tells whether an address has an account."""

import pytest
from django.core import mail
from django.test import Client

from tests.quality.conftest import _verified_user

PASSWORD = "Sunny-harbour-42"


@pytest.fixture
def known_user(db: None):
    user = _verified_user("mayor@city.example.org")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_repeated_failed_log_ins_pause_the_account_even_for_the_right_password(
    client: Client, known_user
) -> None:
    for _ in range(5):
        wrong = client.post("/accounts/login/", {"login": known_user.email, "password": "wrong"})
        assert "Too many failed login attempts" not in wrong.content.decode()

    right = client.post("/accounts/login/", {"login": known_user.email, "password": PASSWORD})

    assert right.status_code == 200
    assert "Too many failed login attempts. Try again later." in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_burst_of_password_resets_gets_a_clear_pause_page(client: Client, known_user) -> None:
    answers = [
        client.post("/accounts/password/reset/", {"email": known_user.email}).status_code
        for _ in range(6)
    ]

    assert answers[:5] == [302] * 5
    assert answers[5] == 429
    page = client.post("/accounts/password/reset/", {"email": known_user.email})
    assert "Too many attempts in a short time" in page.content.decode()


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(
    client: Client, known_user
) -> None:
    wrong_password = client.post(
        "/accounts/login/", {"login": known_user.email, "password": "nope-1234"}
    )
    unknown = client.post(
        "/accounts/login/", {"login": "nobody@city.example.org", "password": "nope-1234"}
    )

    assert wrong_password.status_code == unknown.status_code == 200
    assert wrong_password.context["form"].errors == unknown.context["form"].errors


def test_password_reset_answers_alike_for_known_and_unknown_addresses(
    client: Client, known_user, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/accounts/password/reset/", {"email": known_user.email})
        unknown = client.post("/accounts/password/reset/", {"email": "nobody@city.example.org"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # Only the mailbox's owner learns the difference.
    assert [m.to for m in mail.outbox] == [[known_user.email], ["nobody@city.example.org"]]
    assert "reset/key" in mail.outbox[0].body
    assert "no account with this address" in mail.outbox[1].body


def test_signing_up_with_a_taken_address_looks_like_a_new_sign_up(
    client: Client, known_user, django_capture_on_commit_callbacks
) -> None:
    fresh = Client()
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(
            "/accounts/signup/",
            {"email": known_user.email, "password1": PASSWORD, "password2": PASSWORD},
        )
        new = fresh.post(
            "/accounts/signup/",
            {"email": "deputy@city.example.org", "password1": PASSWORD, "password2": PASSWORD},
        )

    assert taken.status_code == new.status_code == 302
    assert taken["Location"] == new["Location"]
    assert {m.to[0] for m in mail.outbox} == {known_user.email, "deputy@city.example.org"}


def test_a_tampered_overlong_next_is_ignored_not_an_error(client: Client, known_user) -> None:
    for tampered in ["/" + "a" * 20_000, "/" + "🏙️" * 781]:  # the second is long once encoded
        response = client.post(
            "/accounts/password/reset/", {"email": known_user.email, "next": tampered}
        )

        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/done/"
