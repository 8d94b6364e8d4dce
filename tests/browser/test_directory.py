"""A visitor finds a Global Member in the directory and reads its partnerships, in a real browser."""

from collections.abc import Callable

import pytest
from django.db.models import Count, Q
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from membership.demo import build_demo
from membership.models import Community, Partnership


def _best_connected_member() -> tuple[Community, list[str]]:
    """The demo's Global Member with the most partnerships, and its partners' names."""
    member = (
        Community.objects.global_members()
        .annotate(
            partners=Count(
                "partnerships_as_a", filter=Q(partnerships_as_a__status="active"), distinct=True
            )
            + Count(
                "partnerships_as_b", filter=Q(partnerships_as_b__status="active"), distinct=True
            )
        )
        .order_by("-partners", "name")
        .first()
    )
    assert member is not None
    partnerships = Partnership.objects.current().involving(member).with_communities()
    return member, sorted(p.partner_of(member).name for p in partnerships)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_searches_a_member_by_name_and_opens_its_partnerships(
    live_server, open_page: Callable[[], Page]
):
    page = open_page()
    build_demo(members=20, today=timezone.localdate())
    member, partners = _best_connected_member()
    assert len(partners) >= 2
    console_errors: list[str] = []

    def _record_error(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", _record_error)

    page.goto(f"{live_server.url}/directory/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Member directory")
    search = page.get_by_role("search")
    search.get_by_label("Name", exact=True).fill(member.name)
    search.get_by_role("button", name="Search").click()

    result = page.locator("article.member-card").get_by_role("link", name=member.name, exact=True)
    expect(result).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value(member.name)
    expect(page.locator("#result-count")).to_contain_text("found")
    result.click()

    expect(page).to_have_url(f"{live_server.url}{member.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.name)
    partner_list = page.get_by_role("region", name="Sister-city partnerships").get_by_role(
        "listitem"
    )
    expect(partner_list).to_have_count(len(partners))
    for name in partners:
        expect(partner_list.filter(has_text=name).first).to_be_visible()
    # The strict Content-Security-Policy reports anything it blocks (inline styles or scripts).
    assert console_errors == []
