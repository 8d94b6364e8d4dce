"""Keyboard use: a visible skip link first, visible focus, and the directory search without a mouse."""

import pytest
from django.utils import timezone

from membership.demo import build_demo
from membership.models import Community

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _outline_width(page) -> float:
    return page.evaluate(
        "() => parseFloat(getComputedStyle(document.activeElement).outlineWidth) || 0"
    )


def test_the_first_tab_shows_a_skip_link_that_moves_to_the_content(page, live_server) -> None:
    page.goto(live_server.url + "/")
    skip = page.locator("a.skip-link")
    assert not skip.is_visible() or skip.bounding_box()["width"] <= 1

    page.keyboard.press("Tab")

    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert skip.bounding_box()["width"] > 20
    assert _outline_width(page) >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_directory_can_be_searched_and_a_profile_opened_by_keyboard(page, live_server) -> None:
    build_demo(members=12, today=timezone.localdate())
    member = Community.objects.global_members().order_by("name").last()
    page.goto(live_server.url + "/directory/")

    for _ in range(40):  # tab until the search box, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    assert page.evaluate("document.activeElement.name") == "q"
    assert _outline_width(page) >= 2
    page.keyboard.type(member.name)
    page.keyboard.press("Enter")
    page.wait_for_url("**/directory/?q=*")

    link = page.get_by_role("link", name=member.name, exact=True)
    link.focus()
    assert _outline_width(page) >= 2
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{member.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text().startswith(member.name)
