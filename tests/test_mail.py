"""Account and portal mail: rendered in the request, delivered after commit, never a failed page."""

import smtplib

import pytest
from django.core import mail
from django.test import Client

from sistercities import mail as portal_mail


@pytest.mark.django_db
def test_the_confirmation_mail_is_sent_only_once_the_sign_up_is_committed(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/accounts/signup/",
            {
                "email": "mayor@city.example.org",
                "password1": "Sunny-harbour-42",
                "password2": "Sunny-harbour-42",
            },
        )
        assert mail.outbox == []

    assert response.status_code == 302
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["mayor@city.example.org"]]
    assert mail.outbox[0].subject == "[Sister Cities] Confirm your email address"


@pytest.mark.django_db
def test_a_mail_server_that_is_down_does_not_fail_the_page(
    client: Client, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks, caplog
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise smtplib.SMTPConnectError(421, "try later")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "nobody@city.example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert "Could not send mail" in caplog.text


def test_a_templated_mail_has_text_and_html_and_one_line_subject(settings, tmp_path) -> None:
    templates = tmp_path / "templates" / "notes"
    templates.mkdir(parents=True)
    (templates / "hello.subject.txt").write_text("Hello\n  {{ name }}\n")
    (templates / "hello.txt").write_text("Dear {{ name }},")
    (templates / "hello.html").write_text("<p>Dear {{ name }},</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]

    message = portal_mail.render_templated_mail(
        "notes/hello", {"name": "Kraków"}, ["a@example.org"]
    )

    assert message.subject == "Hello Kraków"
    assert message.body == "Dear Kraków,"
    assert message.alternatives[0][0] == "<p>Dear Kraków,</p>"


@pytest.mark.django_db
def test_the_unknown_account_mail_names_the_address_it_was_asked_for(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "nobody@city.example.org"})

    assert "reset the password for nobody@city.example.org on" in " ".join(
        mail.outbox[0].body.split()
    )
