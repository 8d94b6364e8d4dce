"""The whole way to Global Membership, in a real browser: an official signs up, confirms the
address from the e-mail, applies with an uploaded letter; staff approve in the admin; the
official sees the active membership and the community appears in the directory."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import ConsoleMessage, Page, expect

from membership.models import Application, Community
from tests.factories import PDF_BYTES, CommunityFactory, StaffFactory

PASSWORD = "a-long-and-Unusual-passphrase-9"


def _link_in_last_mail(to: str, pattern: str) -> str:
    message = next(m for m in reversed(mail.outbox) if to in m.to)
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_official_applies_and_staff_approve_in_the_admin(
    live_server, open_page: Callable[[], Page], default_classes, tmp_path: Path, browser
) -> None:
    page = open_page()
    community = CommunityFactory(
        name="Omihachiman",
        native_name="近江八幡市",
        native_script="Jpan",
        ascii_name="Omihachiman",
        country="JP",
        region="Shiga",
        population=81_312,
        slug="omihachiman",
    )
    StaffFactory(username="reviewer@association.example.org", password=PASSWORD)
    console_errors: list[str] = []

    def _record_error(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", _record_error)
    email = "kokusai@city.omihachiman.example.jp"

    # Sign up, and confirm the address with the link from the e-mail.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password1]").fill(PASSWORD)
    page.locator("[name=password2]").fill(PASSWORD)
    page.locator("main form [type=submit]").click()
    link = _link_in_last_mail(email, r"https?://\S+/accounts/confirm-email/\S+")
    page.goto(
        link.replace("http://testserver", live_server.url).replace(
            "https://testserver", live_server.url
        )
    )
    page.locator("main form [type=submit]").click()

    # Find the community by its name in its own script, and apply.
    page.goto(f"{live_server.url}/membership/apply/")
    page.get_by_role("searchbox").first.fill("近江八幡")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("近江八幡市")
    page.get_by_role("button", name="Apply for this community").first.click()

    # Population: the reference figure gives Class III and its dues.
    expect(page.locator("main")).to_contain_text("81,312")
    expect(page.locator("main")).to_contain_text("Class III")
    page.get_by_role("button", name="Save and continue").click()

    # Who is applying.
    page.get_by_label("Government employee").check()
    page.get_by_label("Your title or position").fill("Director of International Relations")
    page.get_by_label("Your office, department or organization").fill("Mayor's Office")
    page.get_by_role("button", name="Save and continue").click()

    # Evidence: an uploaded letter.
    letter = tmp_path / "letter-from-the-mayor.pdf"
    letter.write_bytes(PDF_BYTES)
    page.locator("input[type=file]").set_input_files(str(letter))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("main")).to_contain_text("letter-from-the-mayor.pdf")
    page.get_by_role("link", name="Continue").or_(
        page.get_by_role("button", name="Continue")
    ).first.click()

    # Contacts.
    page.get_by_label("Name", exact=False).first.fill("Aiko Tanaka")
    page.get_by_role("button", name="Save and continue").click()

    # Review: accept the terms and submit.
    page.get_by_label("I accept the membership terms").check()
    page.get_by_role("button", name="Submit the application").click()
    expect(page.locator("main")).to_contain_text("Submitted")
    application = Application.objects.get(community=community)
    assert application.status == Application.Status.SUBMITTED

    # Staff approve in the admin, from the application's page.
    staff_context = browser.new_context()
    staff_page = staff_context.new_page()
    staff_page.on("console", _record_error)
    staff_page.goto(f"{live_server.url}/admin/login/")
    staff_page.locator("[name=username]").fill("reviewer@association.example.org")
    staff_page.locator("[name=password]").fill(PASSWORD)
    staff_page.locator("form [type=submit]").click()
    staff_page.goto(f"{live_server.url}/admin/membership/application/?status__exact=submitted")
    staff_page.get_by_role("link", name=re.compile("Omihachiman")).first.click()
    expect(staff_page.locator("#content")).to_contain_text("letter-from-the-mayor.pdf")
    staff_page.get_by_role("link", name="Approve", exact=True).click()
    staff_page.get_by_role("button", name="Yes, approve").click()
    expect(staff_page.locator(".messagelist")).to_contain_text("approved")
    staff_context.close()

    # The official sees the active membership, and the community is in the directory.
    page.goto(f"{live_server.url}/membership/")
    expect(page.locator("main")).to_contain_text("Omihachiman")
    expect(page.locator("main")).to_contain_text("Active")
    page.goto(f"{live_server.url}/directory/?q=近江八幡")
    expect(
        page.locator("article.member-card").get_by_role("link", name="Omihachiman")
    ).to_be_visible()
    assert community in Community.objects.global_members()
    welcome = next(m for m in mail.outbox if m.subject.startswith("Welcome"))
    assert welcome.to[0] == email
    assert console_errors == []
