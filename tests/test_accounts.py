"""Signing up: people are known by their e-mail address, never by a name made up for them."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_new_account_is_named_by_its_address_on_the_confirmation_page(
    client: Client, mailoutbox: list, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "ana.official@municipio.example.pt",
                "password1": "a-long-and-Unusual-passphrase-9",
                "password2": "a-long-and-Unusual-passphrase-9",
            },
        )

    user = get_user_model().objects.get()
    assert user.username == "ana.official@municipio.example.pt"
    link = re.search(r"https?://testserver(/accounts/confirm-email/\S+)", mailoutbox[0].body)
    assert link
    page = client.get(link.group(1)).content.decode()
    assert "<strong>ana.official@municipio.example.pt</strong> is your address" in page
    assert "for user" not in page
