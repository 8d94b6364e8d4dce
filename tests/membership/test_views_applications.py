"""The applicant's pages: dashboard, apply, the steps, submission, evidence, the e-mail link.

Each test looks at what the applicant would notice: the page's text and fields, status codes,
redirects and e-mails.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.html import Element
from django.urls import reverse
from django.utils import timezone

from membership.models import Application, ApplicationMessage, Community, Evidence
from membership.services.applications import (
    answer_question,
    approve_application,
    reject_application,
    request_information,
)
from tests.directory.pages import attr, classes, find, find_all, parse, text
from tests.factories import (
    PDF_BYTES,
    ApplicationFactory,
    ApplicationMessageFactory,
    CommunityFactory,
    EditorFactory,
    EvidenceFactory,
    JoinRequestFactory,
    MembershipFactory,
    RecognizedDomainFactory,
    StaffFactory,
    UserFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
STEPS = ("community", "population", "applicant", "evidence", "contacts", "review")


@pytest.fixture(autouse=True)
def _classes(default_classes: None) -> None:
    """This year's seeded classes: Class I under 25,000 ... Class VII from 1,000,000."""


@pytest.fixture
def applicant() -> Any:
    return UserFactory(username="anna@stadt.example.de", email="anna@stadt.example.de")


@pytest.fixture
def draft(applicant: Any) -> Application:
    """A draft for Testville (Germany), population 120,000 in the reference data."""
    return ApplicationFactory(applicant=applicant)


@pytest.fixture
def mail_now(django_capture_on_commit_callbacks: Callable) -> Callable:
    """Run a request and deliver the mail it queued on commit."""

    def run(call: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def step_url(application: Application, step: str) -> str:
    return reverse("membership:application-step", kwargs={"pk": application.pk, "step": step})


def detail_url(application: Application) -> str:
    return reverse("membership:application-detail", kwargs={"pk": application.pk})


def post_step(
    client: Client, application: Application, step: str, data: dict[str, Any], **extra: Any
) -> Any:
    """Post a step as the page would: with the revision the page was opened at."""
    application.refresh_from_db()
    return client.post(
        step_url(application, step), {"revision": application.revision, **data}, **extra
    )


def field_error(page: Element, name: str) -> str:
    """The error shown at a field, checked to be tied to the field for screen readers."""
    fields = [
        element
        for tag in ("input", "select", "textarea")
        for element in find_all(page, tag, name=name)
    ]
    assert fields, f"no field {name}"
    field = fields[0]
    assert "is-invalid" in classes(field)
    assert attr(field, "aria-invalid") == "true"
    field_id = attr(field, "id")
    assert f"{field_id}_error" in (attr(field, "aria-describedby") or "").split()
    return text(find(page, "div", id=f"{field_id}_error"))


def field_value(page: Element, name: str) -> str | None:
    element = find(page, "input", name=name)
    return attr(element, "value")


class _VisibleText(HTMLParser):
    """The text a reader sees, spaces between inline elements kept (Django's test parser
    strips them)."""

    HIDDEN = {"script", "style", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden -= 1
        elif tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


BLOCKS = {"p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "td", "th", "br", "option", "label"}


def page_text(response: Any) -> str:
    """The page's visible text, whitespace folded."""
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join("".join(parser.parts).split())


# Who may open which page --------------------------------------------------------------


def _urls(application: Application, evidence: Evidence) -> dict[str, tuple[str, str]]:
    pk = application.pk
    return {
        "detail": ("get", detail_url(application)),
        "step": ("get", step_url(application, "population")),
        "submit": ("post", reverse("membership:application-submit", kwargs={"pk": pk})),
        "withdraw": ("post", reverse("membership:application-withdraw", kwargs={"pk": pk})),
        "answer": ("post", reverse("membership:application-answer", kwargs={"pk": pk})),
        "evidence-download": ("get", evidence.get_download_url()),
        "evidence-view": ("get", evidence.get_absolute_url()),
        "evidence-page": (
            "get",
            reverse(
                "membership:evidence-page", kwargs={"pk": pk, "evidence_pk": evidence.pk, "page": 1}
            ),
        ),
        "evidence-remove": (
            "post",
            reverse("membership:evidence-remove", kwargs={"pk": pk, "evidence_pk": evidence.pk}),
        ),
    }


APPLICATION_PAGES = ("detail", "step", "submit", "withdraw", "answer", "evidence-download")
APPLICATION_PAGES += ("evidence-view", "evidence-page", "evidence-remove")
# The files themselves are for the applicant and for staff who review applications.
EVIDENCE_FILES = ("evidence-download", "evidence-view", "evidence-page")


@pytest.mark.parametrize("page", APPLICATION_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, draft: Application, page: str):
    method, url = _urls(draft, EvidenceFactory(application=draft))[page]

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


@pytest.mark.parametrize("page", APPLICATION_PAGES)
def test_another_user_gets_not_found(client: Client, draft: Application, page: str):
    method, url = _urls(draft, EvidenceFactory(application=draft))[page]
    client.force_login(UserFactory())

    assert getattr(client, method)(url).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert draft.evidence.count() == 1


@pytest.mark.parametrize("page", [p for p in APPLICATION_PAGES if p not in EVIDENCE_FILES])
def test_staff_get_not_found_on_the_applicants_pages(client: Client, draft: Application, page: str):
    """Staff decide in the admin; the applicant's pages are the applicant's alone."""
    method, url = _urls(draft, EvidenceFactory(application=draft))[page]
    client.force_login(StaffFactory())

    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("page", ["submit", "withdraw", "answer", "evidence-remove"])
def test_actions_refuse_get(signed_in: Client, draft: Application, page: str):
    _method, url = _urls(draft, EvidenceFactory(application=draft))[page]

    assert signed_in.get(url).status_code == 405


@pytest.mark.parametrize("url", ["/membership/", "/membership/apply/"])
def test_dashboard_and_apply_need_a_signed_in_user(client: Client, url: str):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


def test_apply_asks_a_user_without_a_verified_address_to_verify_it(client: Client):
    client.force_login(UserFactory(verified=False))

    response = client.get("/membership/apply/")

    assert "Apply for this community" not in response.content.decode()
    assert "verif" in page_text(response).lower()


@pytest.mark.parametrize(
    "path",
    [
        "/membership/applications/1/nonsense/",
        "/membership/applications/99999/population/",
        "/membership/applications/99999999999999999999/population/",
        "/membership/applications/99999999999999999999/",
        "/membership/applications/1/evidence/99999999999999999999/",
    ],
)
def test_unknown_or_tampered_addresses_are_not_found(signed_in: Client, draft: Application, path):
    path = path.replace("/1/", f"/{draft.pk}/")

    assert signed_in.get(path).status_code == 404


def test_a_step_name_that_is_not_a_step_is_not_found(signed_in: Client, draft: Application):
    assert signed_in.get(f"/membership/applications/{draft.pk}/payment/").status_code == 404


def test_every_step_opens_for_the_applicant(signed_in: Client, draft: Application):
    for step in STEPS:
        response = signed_in.get(step_url(draft, step))
        assert response.status_code == 200, step
        current = find(parse(response), "a", aria_current="step")
        assert attr(current, "href") == step_url(draft, step)


# Dashboard -----------------------------------------------------------------------------


def test_a_first_time_user_sees_an_explanation_and_a_start_button(client: Client):
    client.force_login(UserFactory())

    page = parse(client.get("/membership/"))

    assert "Here you apply for Global Membership" in text(page)
    starts = [a for a in find_all(page, "a") if text(a) == "Start an application"]
    assert starts and attr(starts[0], "href") == "/membership/apply/"


def test_signed_in_users_find_their_membership_page_in_the_menu(signed_in: Client):
    header = find(parse(signed_in.get("/")), "header")

    links = [attr(a, "href") for a in find_all(header, "a") if text(a) == "Your membership"]
    assert links == ["/membership/"]


def test_the_dashboard_lists_applications_with_status_and_where_to_continue(
    signed_in: Client, applicant: Any
):
    draft = ApplicationFactory(applicant=applicant, community__name="Graz")
    sent = ApplicationFactory(applicant=applicant, submitted=True, community__name="Linz")
    ApplicationFactory(community__name="Someone Else's Town")

    response = signed_in.get("/membership/")
    content = page_text(response)

    assert "Graz" in content and "Linz" in content
    assert "Someone Else's Town" not in content
    assert "Not sent yet." in content
    assert "The membership team is reviewing it" in content
    hrefs = [attr(a, "href") for a in find_all(parse(response), "a")]
    assert step_url(draft, "applicant") in hrefs  # the first step with something missing
    assert detail_url(sent) in hrefs


def test_the_dashboard_shows_every_message_from_staff_and_a_rejection_reason(
    signed_in: Client, applicant: Any, django_assert_max_num_queries: Any
):
    asked = ApplicationFactory(applicant=applicant, submitted=True, community__name="Graz")
    request_information(asked, by=StaffFactory(), question="Which council decision?")
    answer_question(asked, by=applicant, body="The one of 3 March.")  # the applicant's own
    refused = ApplicationFactory(applicant=applicant, submitted=True, community__name="Linz")
    reject_application(refused, by=StaffFactory(), reason="Linz already has a member.")
    for _ in range(3):
        request_information(
            ApplicationFactory(applicant=applicant, submitted=True),
            by=StaffFactory(),
            question="Another question",
        )

    with django_assert_max_num_queries(12):  # the same for 1 or 5 applications with messages
        content = page_text(signed_in.get("/membership/"))

    assert "Membership team" in content
    assert "Which council decision?" in content
    assert "The one of 3 March." not in content  # the dashboard lists what staff said
    assert "Reason: Linz already has a member." in content


def test_the_dashboard_shows_edited_communities_with_class_term_and_dues(
    signed_in: Client, applicant: Any
):
    application = ApplicationFactory(applicant=applicant, submitted=True)
    with_evidence = EvidenceFactory(application=application)
    approve_application(with_evidence.application, by=StaffFactory())

    content = page_text(signed_in.get("/membership/"))

    assert "Communities you edit" in content
    assert "Class IV" in content
    assert "US$ 800" in content
    assert "Due by" in content


def test_the_dashboard_offers_accept_and_decline_for_join_requests(
    signed_in: Client, applicant: Any
):
    editor = EditorFactory(user=applicant, community__name="Salzburg")
    request = JoinRequestFactory(community=editor.community, title="Protocol Officer")

    page = parse(signed_in.get("/membership/"))

    assert "asks to edit Salzburg" in text(page)
    assert "Protocol Officer" in text(page)
    actions = {attr(form, "action"): text(form) for form in find_all(page, "form")}
    accept = reverse(
        "membership:join-request-decide", kwargs={"pk": request.pk, "decision": "accept"}
    )
    decline = reverse(
        "membership:join-request-decide", kwargs={"pk": request.pk, "decision": "decline"}
    )
    assert actions[accept] == "Accept"
    assert actions[decline] == "Decline"


def test_the_dashboard_shows_the_users_own_join_requests_with_withdraw(
    signed_in: Client, applicant: Any
):
    pending = JoinRequestFactory(user=applicant, community__name="Innsbruck")
    JoinRequestFactory(user=applicant, community__name="Villach", status="declined")

    page = parse(signed_in.get("/membership/"))

    assert "Innsbruck" in text(page) and "Waiting for a decision" in text(page)
    assert "Villach" in text(page) and "Declined" in text(page)
    withdraw = reverse(
        "membership:join-request-decide", kwargs={"pk": pending.pk, "decision": "withdraw"}
    )
    assert [text(f) for f in find_all(page, "form", action=withdraw)] == ["Withdraw the request"]
    assert len([f for f in find_all(page, "form") if "withdraw" in (attr(f, "action") or "")]) == 1


# Apply: search and start ---------------------------------------------------------------


def test_search_finds_communities_in_any_script_with_population_and_source(signed_in: Client):
    CommunityFactory(
        name="Kyoto",
        native_name="京都市",
        native_script="Hani",
        country="JP",
        region="Kyoto",
        population=1_459_640,
        population_source="GeoNames",
        population_year=2020,
    )

    page = parse(signed_in.get("/membership/apply/", {"q": "京都"}))

    assert "1 community found" in text(page)
    native = find(page, "span", css_class="native-name")
    assert text(native) == "京都市"
    assert attr(
        native,
        "lang",
    ).startswith("ja")
    result = text(find(page, "li", css_class="community-result"))
    assert "Kyoto, Japan" in result
    assert "1,459,640" in result and "GeoNames 2020" in result


def test_search_shows_at_most_twenty_results_and_the_count(signed_in: Client):
    for number in range(25):
        CommunityFactory(name=f"Neustadt {number}", population=1000 + number)

    page = parse(signed_in.get("/membership/apply/", {"q": "neustadt"}))

    assert len(find_all(page, "li", css_class="community-result")) == 20
    assert "25 communities found; the 20 closest to the name are shown" in text(page)


def test_search_lists_a_city_known_by_the_name_first_then_whole_words_then_parts(
    signed_in: Client,
):
    CommunityFactory(name="Stockholm", country="SE", population=1_515_017, other_names="Stjokolna")
    CommunityFactory(name="Huambo", country="AO", population=1_100_000, other_names="Nova Lisboa")
    lisbon = CommunityFactory(
        name="Lisbon", country="PT", population=517_802, other_names="Lisboa\nLissabon"
    )
    cologne = CommunityFactory(name="Cologne", country="DE", population=963_395, other_names="Köln")
    CommunityFactory(name="Köln-Porz", country="DE", population=110_000)

    def names(query: str) -> list[str]:
        page = parse(signed_in.get("/membership/apply/", {"q": query}))
        return [
            text(find(item, "h3")) for item in find_all(page, "li", css_class="community-result")
        ]

    assert names("Lisboa") == [lisbon.name, "Huambo"]
    assert names("köln") == [cologne.name, "Köln-Porz", "Stockholm"]


def test_search_offers_to_join_a_member_or_a_community_another_official_applied_for(
    signed_in: Client, applicant: Any
):
    member = CommunityFactory(name="Kraków", slug="krakow-pl", country="PL")
    MembershipFactory(community=member)
    applied = CommunityFactory(name="Krakow Gorny", slug="krakow-gorny-pl", country="PL")
    ApplicationFactory(community=applied)
    mine = CommunityFactory(name="Krakow Dolny", slug="krakow-dolny-pl", country="PL")
    ApplicationFactory(community=mine, applicant=applicant)
    free = CommunityFactory(name="Krakow Nowy", slug="krakow-nowy-pl", country="PL")

    page = parse(signed_in.get("/membership/apply/", {"q": "krakow"}))

    results = {
        text(find(item, "h3")): item for item in find_all(page, "li", css_class="community-result")
    }
    for community, standing in [
        (member, "Already a Global Member."),
        (applied, "Another official has already applied for it."),
    ]:
        result = results[community.name]
        assert standing in text(result)
        join = find(result, "a", href=f"/membership/communities/{community.slug}/join/")
        assert text(join) == "Ask to join"
        assert not find_all(result, "button")
    for community in (mine, free):  # one's own draft is continued through the refusal path
        assert "Apply for this community" in text(results[community.name])


@pytest.mark.parametrize("query", ["a\x00b", "x" * 101])
def test_hostile_search_text_gets_a_message_not_an_error(signed_in: Client, query: str):
    response = signed_in.get("/membership/apply/", {"q": query})

    assert response.status_code == 200
    assert field_error(parse(response), "q")


def test_choosing_a_community_starts_a_draft_and_opens_the_population_step(
    signed_in: Client, applicant: Any
):
    community = CommunityFactory(name="Graz", country="AT", population=291_000)

    response = signed_in.post("/membership/apply/", {"community": community.pk})

    application = Application.objects.get(applicant=applicant)
    assert response.status_code == 302
    assert response["Location"] == step_url(application, "population")
    page = parse(signed_in.get(response["Location"]))
    assert "Your application for Graz, Austria is saved as a draft." in text(page)
    assert "291,000" in text(page)


def test_choosing_the_same_community_again_resumes_the_draft(signed_in: Client, draft: Application):
    response = signed_in.post("/membership/apply/", {"community": draft.community_id})

    assert response["Location"] == step_url(draft, "population")
    assert Application.objects.count() == 1


def test_the_apply_page_lists_drafts_to_resume(signed_in: Client, draft: Application):
    page = parse(signed_in.get("/membership/apply/"))

    resume = find(page, "section", css_class="resume-panel")
    assert draft.community.name in text(resume)
    assert attr(find(resume, "a"), "href") == step_url(draft, "applicant")


def test_a_us_community_picked_from_the_list_is_refused(signed_in: Client):
    dayton = CommunityFactory(name="Dayton", country="US", region="Ohio")

    response = signed_in.post("/membership/apply/?q=dayton", {"community": dayton.pk})

    assert response.status_code == 400
    assert "Dayton is in the United States." in page_text(response)
    assert "Global Membership is for communities outside the United States" in page_text(response)
    assert not Application.objects.exists()


def test_a_us_community_typed_by_hand_is_refused_at_the_country(signed_in: Client):
    response = signed_in.post(
        "/membership/apply/",
        {
            "by_hand": "1",
            "new-name": "Springfield",
            "new-kind": "city",
            "new-country": "US",
            "new-population": "60000",
            "new-population_source": "Census 2020",
        },
    )

    assert response.status_code == 400
    page = parse(response)
    assert "outside the United States" in field_error(page, "new-country")
    assert field_value(page, "new-name") == "Springfield"
    assert not Application.objects.exists()
    assert not Community.objects.filter(name="Springfield").exists()


@pytest.mark.parametrize(
    ("code", "setup"),
    [
        ("member", lambda community: MembershipFactory(community=community)),
        ("in progress", lambda community: ApplicationFactory(community=community)),
    ],
)
def test_a_member_or_a_community_with_another_application_offers_a_join_request(
    signed_in: Client, code: str, setup: Callable
):
    community = CommunityFactory(name="Krems", slug="krems-at", country="AT")
    setup(community)
    before = Application.objects.count()

    response = signed_in.post("/membership/apply/", {"community": community.pk})

    page = parse(response)
    assert response.status_code == 400
    assert "Krems" in text(find(page, "div", css_class="alert-danger"))
    link = [a for a in find_all(page, "a") if text(a) == "Ask to join as a co-editor"]
    assert attr(link[0], "href") == "/membership/communities/krems-at/join/"
    assert Application.objects.count() == before


@pytest.mark.parametrize("value", ["abc", "", "-1", "99999999999999999999", "1.5", "0"])
def test_a_tampered_community_id_gets_a_clear_message(signed_in: Client, value: str):
    response = signed_in.post("/membership/apply/", {"community": value})

    assert response.status_code == 400
    assert "We could not tell which community you chose" in page_text(response)


def test_a_community_id_that_does_not_exist_gets_a_clear_message(signed_in: Client):
    response = signed_in.post("/membership/apply/", {"community": "987654"})

    assert response.status_code == 400
    assert "We could not tell which community you chose" in page_text(response)


def by_hand(**overrides: str) -> dict[str, str]:
    data = {
        "by_hand": "1",
        "new-name": "Sankt Kleindorf",
        "new-native_name": "",
        "new-kind": "city",
        "new-country": "AT",
        "new-region": "Tyrol",
        "new-population": "4,200",
        "new-population_source": "Statistik Austria 2024",
    }
    data.update({f"new-{key}": value for key, value in overrides.items()})
    return data


def test_a_community_entered_by_hand_starts_a_draft_with_its_figure(
    signed_in: Client, applicant: Any
):
    response = signed_in.post("/membership/apply/", by_hand())

    application = Application.objects.get(applicant=applicant)
    assert response["Location"] == step_url(application, "population")
    page_content = page_text(signed_in.get(step_url(application, "community")))
    assert "Sankt Kleindorf" in page_content
    assert "You entered this community by hand" in page_content
    population = page_text(signed_in.get(step_url(application, "population")))
    assert "Population used: 4,200" in population
    assert "Class I" in population


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the community's name"),
        ("population", "many", "whole number"),
        ("population", "-3", "cannot be negative"),
        ("population", "1" * 40, "at most 100,000,000"),
        ("country", "ZZ", "Choose a country from the list"),
        ("kind", "village", "Choose a kind from the list"),
        ("name", "Nul\x00Town", "Null characters are not allowed"),
        ("population_source", "", "Say where the population figure comes from"),
    ],
)
def test_a_community_typed_by_hand_with_a_mistake_keeps_what_was_typed(
    signed_in: Client, field: str, value: str, message: str
):
    response = signed_in.post("/membership/apply/", by_hand(**{field: value}))

    assert response.status_code == 400
    page = parse(response)
    assert message in field_error(page, f"new-{field}")
    assert field_value(page, "new-region") == "Tyrol"
    assert not Application.objects.exists()


def test_a_community_typed_by_hand_that_is_already_listed_is_refused(signed_in: Client):
    CommunityFactory(name="Sankt Kleindorf", country="AT")

    response = signed_in.post("/membership/apply/", by_hand())

    assert "already in our list" in field_error(parse(response), "new-name")
    assert not Application.objects.exists()


# Population -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "class_name", "dues"),
    [
        (0, "Class I", "US$ 300"),
        (24_999, "Class I", "US$ 300"),
        (25_000, "Class II", "US$ 450"),
        (49_999, "Class II", "US$ 450"),
        (50_000, "Class III", "US$ 600"),
        (99_999, "Class III", "US$ 600"),
        (100_000, "Class IV", "US$ 800"),
        (249_999, "Class IV", "US$ 800"),
        (250_000, "Class V", "US$ 1,000"),
        (499_999, "Class V", "US$ 1,000"),
        (500_000, "Class VI", "US$ 1,250"),
        (999_999, "Class VI", "US$ 1,250"),
        (1_000_000, "Class VII", "US$ 1,500"),
    ],
)
def test_the_population_at_each_class_boundary_shows_its_class_and_dues(
    signed_in: Client, draft: Application, population: int, class_name: str, dues: str
):
    response = post_step(
        signed_in,
        draft,
        "population",
        {
            "stated_population": str(population),
            "stated_population_source": "Census",
            "then": "stay",
        },
        follow=True,
    )

    content = page_text(response)
    assert f"Membership class: {class_name} (" in content
    assert f"Annual dues: {dues} (membership year" in content


def test_the_reference_figure_is_shown_with_its_source(signed_in: Client, draft: Application):
    page = page_text(signed_in.get(step_url(draft, "population")))

    assert "120,000 (source: GeoNames)" in page
    assert "Membership class: Class IV" in page


def test_a_figure_more_than_ten_percent_away_is_flagged_for_staff(
    signed_in: Client, draft: Application
):
    response = post_step(
        signed_in,
        draft,
        "population",
        {"stated_population": "132001", "stated_population_source": "City statistics 2025"},
        follow=True,
    )

    assert "staff will check figures that differ by more than 10%" in page_text(response)
    review = page_text(signed_in.get(step_url(draft, "review")))
    assert "differs from the reference figure by more than 10%" in review


def test_a_figure_within_ten_percent_is_not_flagged(signed_in: Client, draft: Application):
    response = post_step(
        signed_in,
        draft,
        "population",
        {"stated_population": "132000", "stated_population_source": "City statistics 2025"},
        follow=True,
    )

    assert "more than 10%" not in page_text(response)


def test_a_figure_needs_its_source(signed_in: Client, draft: Application):
    response = post_step(signed_in, draft, "population", {"stated_population": "130000"})

    assert response.status_code == 400
    assert "Say where your figure comes from" in field_error(
        parse(response), "stated_population_source"
    )
    draft.refresh_from_db()
    assert draft.stated_population is None


def test_clearing_the_figure_clears_its_source_and_uses_the_reference_again(
    signed_in: Client, draft: Application
):
    post_step(
        signed_in,
        draft,
        "population",
        {"stated_population": "300000", "stated_population_source": "Census"},
    )
    response = post_step(
        signed_in,
        draft,
        "population",
        {"stated_population": "", "stated_population_source": "Census", "then": "stay"},
        follow=True,
    )

    assert field_value(parse(response), "stated_population_source") is None
    assert "Membership class: Class IV (" in page_text(response)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "whole number"),
        ("-5", "cannot be negative"),
        ("100000001", "at most 100,000,000"),
        ("9" * 5000, "at most 100,000,000"),
        ("1e5", "whole number"),
        ("12\x0034", "whole number"),
    ],
)
def test_a_population_that_is_not_a_figure_is_refused_at_the_field(
    signed_in: Client, draft: Application, value: str, message: str
):
    response = post_step(
        signed_in,
        draft,
        "population",
        {"stated_population": value, "stated_population_source": "Census"},
    )

    assert response.status_code == 400
    assert message in field_error(parse(response), "stated_population")
    assert field_value(parse(response), "stated_population_source") == "Census"


@pytest.mark.parametrize("typed", ["125,000", "125.000", "125 000", "125000"])
def test_a_population_with_thousands_separators_is_understood(
    signed_in: Client, draft: Application, typed: str
):
    post_step(
        signed_in,
        draft,
        "population",
        {"stated_population": typed, "stated_population_source": "Census"},
    )

    draft.refresh_from_db()
    assert draft.stated_population == 125_000


# Steps: saving, continuing, stale pages, resuming ------------------------------------


def applicant_data(**overrides: str) -> dict[str, str]:
    return {
        "role": "elected_official",
        "title": "Deputy Mayor",
        "office": "City Council",
        **overrides,
    }


def test_save_and_continue_goes_to_the_next_step(signed_in: Client, draft: Application):
    response = post_step(signed_in, draft, "applicant", {**applicant_data(), "then": "next"})

    assert response["Location"] == step_url(draft, "evidence")


def test_save_draft_stays_on_the_step_and_says_it_saved(signed_in: Client, draft: Application):
    response = post_step(
        signed_in, draft, "applicant", {**applicant_data(), "then": "stay"}, follow=True
    )

    assert response.redirect_chain[-1][0] == step_url(draft, "applicant")
    assert "Saved." in page_text(response)


def test_the_applicant_step_offers_each_role_with_its_explanation(
    signed_in: Client, draft: Application
):
    page = parse(signed_in.get(step_url(draft, "applicant")))

    fieldset = find(page, "fieldset", id="div_id_role")
    assert text(find(fieldset, "legend")).startswith("Your role")
    radios = find_all(fieldset, "input", type="radio")
    assert [attr(r, "value") for r in radios] == [
        "government_employee",
        "elected_official",
        "recognized_organization",
    ]
    for radio in radios:
        help_id = attr(radio, "aria-describedby")
        assert text(find(page, "div", id=help_id))


@pytest.mark.parametrize("missing", ["role", "title", "office"])
def test_the_applicant_step_needs_role_title_and_office(
    signed_in: Client, draft: Application, missing: str
):
    response = post_step(signed_in, draft, "applicant", applicant_data(**{missing: ""}))

    assert response.status_code == 400
    assert missing in {"role"} or field_error(parse(response), missing)
    assert "Nothing was saved" in page_text(response)
    draft.refresh_from_db()
    assert draft.title == ""


def test_a_refused_step_says_so_in_the_title_first(signed_in: Client, draft: Application):
    refused = post_step(signed_in, draft, "applicant", applicant_data(title=""))
    shown = signed_in.get(step_url(draft, "applicant"))

    assert text(find(parse(refused), "title")).startswith("Error: ")
    assert not text(find(parse(shown), "title")).startswith("Error")


def test_a_role_that_is_not_offered_is_refused(signed_in: Client, draft: Application):
    response = post_step(signed_in, draft, "applicant", applicant_data(role="mayor"))

    assert response.status_code == 400
    assert "Select a valid choice" in page_text(response)


def test_a_stale_page_is_refused_and_keeps_what_was_typed(signed_in: Client, draft: Application):
    draft.refresh_from_db()
    opened_at = draft.revision
    post_step(signed_in, draft, "applicant", applicant_data(title="Mayor"))  # another tab

    response = signed_in.post(
        step_url(draft, "applicant"),
        {
            "revision": opened_at,
            **applicant_data(title="Head of Protocol", role="government_employee"),
        },
    )

    assert response.status_code == 400
    page = parse(response)
    assert "changed after you opened this page" in text(page)
    assert field_value(page, "title") == "Head of Protocol"
    # What the other tab saved is shown beside the field, so the user chooses knowingly.
    assert "Saved meanwhile: “Mayor”" in text(page)
    assert "Saved meanwhile: “Elected official”" in text(page)  # a choice, in words
    draft.refresh_from_db()
    assert draft.title == "Mayor"
    # Sent again from the page that showed the warning, it is saved.
    again = signed_in.post(
        step_url(draft, "applicant"),
        {"revision": field_value(page, "revision"), **applicant_data(title="Head of Protocol")},
    )
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Head of Protocol"


@pytest.mark.parametrize("revision", ["", "abc", "-1", "99999999999999999999"])
def test_a_missing_or_tampered_revision_is_refused_with_a_message(
    signed_in: Client, draft: Application, revision: str
):
    response = signed_in.post(
        step_url(draft, "applicant"), {"revision": revision, **applicant_data()}
    )

    assert response.status_code == 400
    assert "This page is out of date" in page_text(response)
    draft.refresh_from_db()
    assert draft.title == ""


def test_a_draft_is_resumed_after_signing_in_again(
    client: Client, applicant: Any, draft: Application
):
    client.login(username=applicant.username, password="correct-horse-battery")
    post_step(client, draft, "applicant", applicant_data(title="Deputy Mayor"))
    post_step(
        client,
        draft,
        "contacts",
        {
            "primary_contact_name": "Anna Schmidt",
            "primary_contact_email": "anna@stadt.example.de",
            "primary_contact_phone": "+49 30 123",
            "billing_same_as_primary": "on",
        },
    )
    client.logout()

    client.login(username=applicant.username, password="correct-horse-battery")
    applicant_page = parse(client.get(step_url(draft, "applicant")))
    contacts_page = parse(client.get(step_url(draft, "contacts")))

    assert field_value(applicant_page, "title") == "Deputy Mayor"
    checked = find(applicant_page, "input", value="elected_official")
    assert attr(checked, "checked") is not None
    assert field_value(contacts_page, "primary_contact_name") == "Anna Schmidt"
    assert field_value(contacts_page, "primary_contact_phone") == "+49 30 123"


def test_the_progress_list_marks_done_and_missing_steps(signed_in: Client, draft: Application):
    post_step(signed_in, draft, "applicant", applicant_data())

    page = parse(signed_in.get(step_url(draft, "review")))
    progress = find(page, "nav", css_class="application-progress")
    states = {
        text(find(li, "span", css_class="step-title")): [
            text(state) for state in find_all(li, "span", css_class="step-state")
        ]
        for li in find_all(progress, "li")
    }

    assert states == {
        "Community": ["Done"],
        "Population and dues": ["Done"],
        "About you": ["Done"],
        "Proof of your role": ["To do"],
        "Contacts": ["To do"],
        "Review and submit": [],
    }


def test_a_submitted_application_sends_step_pages_to_its_detail(signed_in: Client, applicant: Any):
    sent = ApplicationFactory(applicant=applicant, submitted=True)

    response = signed_in.get(step_url(sent, "applicant"), follow=True)

    assert response.redirect_chain == [(detail_url(sent), 302)]
    assert "This application is submitted, so it can no longer be changed." in page_text(response)


def test_posting_to_a_submitted_application_keeps_the_data_and_says_why(
    signed_in: Client, applicant: Any
):
    sent = ApplicationFactory(applicant=applicant, submitted=True)

    response = post_step(signed_in, sent, "applicant", applicant_data(title="Changed"))

    assert response.status_code == 400
    assert "This application is submitted, so it can no longer be changed here" in page_text(
        response
    )
    assert field_value(parse(response), "title") == "Changed"
    sent.refresh_from_db()
    assert sent.title == "Head of International Relations"


# Contacts --------------------------------------------------------------------------------


def test_billing_details_are_needed_when_invoices_go_to_someone_else(
    signed_in: Client, draft: Application
):
    response = post_step(
        signed_in,
        draft,
        "contacts",
        {
            "primary_contact_name": "Anna Schmidt",
            "primary_contact_email": "anna@stadt.example.de",
            "billing_contact_name": "Finance Office",
        },
    )

    assert response.status_code == 400
    page = parse(response)
    assert "Send invoices to the primary contact" in field_error(page, "billing_contact_email")
    assert field_error(page, "billing_address")
    assert field_value(page, "billing_contact_name") == "Finance Office"


def test_a_separate_billing_contact_is_saved(signed_in: Client, draft: Application):
    post_step(
        signed_in,
        draft,
        "contacts",
        {
            "primary_contact_name": "Anna Schmidt",
            "primary_contact_email": "anna@stadt.example.de",
            "billing_contact_name": "Finance Office",
            "billing_contact_email": "finance@stadt.example.de",
            "billing_address": "Rathausplatz 1\n1010 Wien",
        },
    )

    review = page_text(signed_in.get(step_url(draft, "review")))
    assert "Finance Office finance@stadt.example.de Rathausplatz 1 1010 Wien" in review


@pytest.mark.parametrize("email", ["not-an-address", "a@b", "x" * 300 + "@example.org"])
def test_a_contact_address_that_is_not_an_address_is_refused(
    signed_in: Client, draft: Application, email: str
):
    response = post_step(
        signed_in,
        draft,
        "contacts",
        {
            "primary_contact_name": "Anna",
            "primary_contact_email": email,
            "billing_same_as_primary": "on",
        },
    )

    assert response.status_code == 400
    assert field_error(parse(response), "primary_contact_email")


# Evidence: files -------------------------------------------------------------------------


def jpeg_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def upload(client: Client, application: Application, name: str, content: bytes, **extra: str):
    return client.post(
        step_url(application, "evidence"),
        {
            "action": "upload",
            "upload-file": SimpleUploadedFile(name, content),
            "upload-kind": extra.get("kind", "letter"),
            "upload-description": extra.get("description", ""),
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "shown_type"),
    [
        ("Letter of appointment.pdf", PDF_BYTES, "PDF"),
        ("scan.png", png_bytes(), "PNG"),
        ("photo.jpg", jpeg_bytes(), "JPEG"),
    ],
)
def test_pdf_png_and_jpeg_files_are_accepted_and_listed(
    signed_in: Client, draft: Application, name: str, content: bytes, shown_type: str
):
    response = upload(signed_in, draft, name, content, description="From the Mayor")

    assert response.status_code == 302
    page = parse(signed_in.get(response["Location"]))
    assert f"{name} is uploaded." in text(page)
    listed = text(find(page, "ul", css_class="evidence-list"))
    assert name in listed and shown_type in listed and "bytes" in listed
    assert "From the Mayor" in listed


def test_the_upload_field_says_what_it_accepts_before_the_field(
    signed_in: Client, draft: Application
):
    page = parse(signed_in.get(step_url(draft, "evidence")))

    field = find(page, "input", name="upload-file")
    assert attr(field, "accept") == "application/pdf,image/png,image/jpeg"
    rules = text(find(page, "p", id="upload-rules"))
    assert "PDF, PNG or JPEG" in rules and "10 MB" in rules
    assert page_text_index(page, rules) < page_text_index(page, "File")
    # One of the two kinds of proof is enough, so neither is marked as required.
    assert "*" not in text(find(page, "label", for_="id_upload-file"))
    assert "*" not in text(find(page, "label", for_="id_email-official_email"))


def page_text_index(page: Element, needle: str) -> int:
    return text(page).index(needle)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letter.pdf", b"<html><body>Not a PDF</body></html>", "not a PDF, PNG or JPEG"),
        ("letter.pdf", PDF_BYTES.replace(b"%%EOF", b""), "incomplete or damaged"),
        ("scan.png", b"Just some text, named like an image.", "not a PDF, PNG or JPEG"),
        ("empty.pdf", b"", "The file is empty"),
        ("huge.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 - 9 + 1), "the limit is 10 MB"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_at_the_field(
    signed_in: Client, draft: Application, name: str, content: bytes, message: str
):
    post_step(signed_in, draft, "applicant", applicant_data())
    draft.refresh_from_db()
    before = {f: getattr(draft, f) for f in ("title", "office", "role", "status", "revision")}

    response = upload(signed_in, draft, name, content, description="kept")

    assert response.status_code == 400
    page = parse(response)
    assert message in field_error(page, "upload-file")
    assert field_value(page, "upload-description") == "kept"
    draft.refresh_from_db()
    assert {f: getattr(draft, f) for f in before} == before
    assert not Evidence.objects.exists()


def test_the_eleventh_file_is_refused(signed_in: Client, draft: Application):
    for _ in range(10):
        EvidenceFactory(application=draft)

    response = upload(signed_in, draft, "one-more.pdf", PDF_BYTES)

    assert "at most 10 files" in field_error(parse(response), "upload-file")


def test_removing_a_file_takes_it_off_the_application(signed_in: Client, draft: Application):
    evidence = EvidenceFactory(application=draft, original_name="old letter.pdf")
    url = reverse("membership:evidence-remove", kwargs={"pk": draft.pk, "evidence_pk": evidence.pk})

    response = signed_in.post(url, follow=True)

    assert response.redirect_chain[-1][0] == step_url(draft, "evidence")
    assert "old letter.pdf is removed." in page_text(response)
    assert not draft.evidence.exists()


def test_evidence_of_another_application_cannot_be_removed_through_ones_own(
    signed_in: Client, draft: Application
):
    foreign = EvidenceFactory()
    url = reverse("membership:evidence-remove", kwargs={"pk": draft.pk, "evidence_pk": foreign.pk})

    assert signed_in.post(url).status_code == 404
    assert Evidence.objects.filter(pk=foreign.pk).exists()


def test_files_of_a_submitted_application_cannot_be_removed(signed_in: Client, applicant: Any):
    evidence = EvidenceFactory(application=ApplicationFactory(applicant=applicant, submitted=True))
    url = reverse(
        "membership:evidence-remove",
        kwargs={"pk": evidence.application_id, "evidence_pk": evidence.pk},
    )

    response = signed_in.post(url, follow=True)

    assert "can no longer be changed" in page_text(response)
    assert Evidence.objects.filter(pk=evidence.pk).exists()


# Evidence: viewing a file ------------------------------------------------------------------


def test_the_applicant_downloads_a_pdf_sandboxed(signed_in: Client, draft: Application):
    evidence = EvidenceFactory(application=draft, original_name="Lettre du maire.pdf")

    response = signed_in.get(evidence.get_download_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Lettre du maire.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_file_name_in_another_script_is_kept(signed_in: Client, draft: Application):
    evidence = EvidenceFactory(application=draft, original_name="Επιστολή δημάρχου.pdf")

    response = signed_in.get(evidence.get_download_url())

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%CE%95%CF%80%CE%B9%CF%83%CF%84%CE%BF%CE%BB%CE%AE%20"
        "%CE%B4%CE%B7%CE%BC%CE%AC%CF%81%CF%87%CE%BF%CF%85.pdf"
    )


@pytest.mark.parametrize(
    ("uploaded", "downloaded"),
    [("Brief.exe", "Brief.exe.pdf"), ("Brief", "Brief.pdf"), ("BRIEF.PDF", "BRIEF.PDF")],
)
def test_a_downloaded_file_ends_in_the_type_its_content_was_checked_to_be(
    signed_in: Client, draft: Application, uploaded: str, downloaded: str
):
    evidence = EvidenceFactory(application=draft, original_name=uploaded)

    response = signed_in.get(evidence.get_download_url())

    assert response["Content-Disposition"] == f'attachment; filename="{downloaded}"'


def test_a_file_name_with_quotes_and_control_characters_is_made_safe(
    signed_in: Client, draft: Application
):
    evidence = EvidenceFactory(application=draft, original_name='a"b\r\nc\\d.pdf')

    response = signed_in.get(evidence.get_download_url())

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="a\\"bcd.pdf"'


def test_an_image_is_shown_in_the_browser_sandboxed(signed_in: Client, draft: Application):
    evidence = EvidenceFactory(
        application=draft,
        original_name="scan.png",
        content_type="image/png",
        file=ContentFile(png_bytes(), name="scan.png"),
    )

    response = signed_in.get(evidence.get_download_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="scan.png"'
    assert response["Content-Security-Policy"] == "sandbox"


def test_staff_who_review_applications_can_view_a_file(client: Client, draft: Application):
    evidence = EvidenceFactory(application=draft)
    client.force_login(StaffFactory())

    response = client.get(evidence.get_download_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_staff_without_the_permission_to_view_applications_cannot(
    client: Client, draft: Application
):
    evidence = EvidenceFactory(application=draft)
    client.force_login(StaffFactory(may_decide=False))

    assert client.get(evidence.get_download_url()).status_code == 404


def test_a_file_missing_from_disk_is_not_found(signed_in: Client, draft: Application):
    evidence = EvidenceFactory(application=draft)
    evidence.file.storage.delete(evidence.file.name)

    assert signed_in.get(evidence.get_download_url()).status_code == 404


def test_evidence_under_another_applications_number_is_not_found(
    signed_in: Client, draft: Application, applicant: Any
):
    mine = EvidenceFactory(application=ApplicationFactory(applicant=applicant))
    url = reverse("membership:evidence-download", kwargs={"pk": draft.pk, "evidence_pk": mine.pk})

    assert signed_in.get(url).status_code == 404


# Evidence: the official address and its link ------------------------------------------


@pytest.fixture
def government_domain() -> Any:
    return RecognizedDomainFactory(country="DE", domain="stadt.example.de")


def confirmation_link(mailoutbox: list) -> str:
    body = mailoutbox[-1].body
    match = re.search(r"http://testserver(/membership/confirm-email/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def set_address(client: Client, application: Application, email: str) -> Any:
    application.refresh_from_db()
    return client.post(
        step_url(application, "evidence"),
        {"action": "email", "email-official_email": email, "email-revision": application.revision},
        follow=True,
    )


def test_an_address_on_an_unknown_domain_is_refused_at_the_field(
    signed_in: Client, draft: Application, mail_now: Callable, mailoutbox: list
):
    response = mail_now(lambda: set_address(signed_in, draft, "anna@gmail.example.com"))

    assert response.status_code == 400
    error = field_error(parse(response), "email-official_email")
    assert "is not on a government domain we know for Germany" in error
    assert field_value(parse(response), "email-official_email") == "anna@gmail.example.com"
    assert mailoutbox == []


def test_the_link_from_the_email_confirms_the_official_address(
    client: Client,
    signed_in: Client,
    draft: Application,
    government_domain: Any,
    mail_now: Callable,
    mailoutbox: list,
):
    response = mail_now(lambda: set_address(signed_in, draft, "buero@rathaus.stadt.example.de"))
    assert "We sent a link to buero@rathaus.stadt.example.de" in page_text(response)
    assert [m.to for m in mailoutbox] == [["buero@rathaus.stadt.example.de"]]
    link = confirmation_link(mailoutbox)
    signed_in.logout()  # the link works without signing in: it is the proof

    opened = client.get(link)
    assert opened.status_code == 200
    assert "buero@rathaus.stadt.example.de" in page_text(opened)
    assert draft.community.name in page_text(opened)
    draft.refresh_from_db()
    assert draft.official_email_confirmed_at is None  # opening alone confirms nothing

    confirmed = client.post(link)
    assert confirmed.status_code == 200
    assert "is confirmed as your official address" in page_text(confirmed)
    client.force_login(draft.applicant)
    evidence_page = page_text(client.get(step_url(draft, "evidence")))
    assert "buero@rathaus.stadt.example.de is confirmed" in evidence_page


def test_a_link_opened_after_the_application_ended_confirms_nothing_and_says_why(
    client: Client,
    signed_in: Client,
    draft: Application,
    government_domain: Any,
    mail_now: Callable,
    mailoutbox: list,
):
    mail_now(lambda: set_address(signed_in, draft, "buero@rathaus.stadt.example.de"))
    link = confirmation_link(mailoutbox)
    signed_in.post(
        reverse("membership:application-withdraw", kwargs={"pk": draft.pk}), {"confirm": "yes"}
    )

    response = client.post(link)

    assert response.status_code == 400
    assert "This application is already withdrawn" in page_text(response)
    draft.refresh_from_db()
    assert draft.official_email_confirmed_at is None


def test_the_link_can_be_sent_again(
    signed_in: Client,
    draft: Application,
    government_domain: Any,
    mail_now: Callable,
    mailoutbox: list,
):
    mail_now(lambda: set_address(signed_in, draft, "buero@stadt.example.de"))
    cache.clear()  # as if the minute between two links had passed

    response = mail_now(
        lambda: signed_in.post(step_url(draft, "evidence"), {"action": "resend"}, follow=True)
    )

    assert "We sent a link to buero@stadt.example.de" in page_text(response)
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["buero@stadt.example.de"]


def test_a_second_link_within_a_minute_is_refused_clearly(
    signed_in: Client,
    draft: Application,
    government_domain: Any,
    mail_now: Callable,
    mailoutbox: list,
):
    mail_now(lambda: set_address(signed_in, draft, "buero@stadt.example.de"))

    response = mail_now(
        lambda: signed_in.post(step_url(draft, "evidence"), {"action": "resend"}, follow=True)
    )

    assert response.status_code < 500
    assert "less than a minute ago" in page_text(response)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "tampered",
        "eyJhIjoxfQ:1tXYZ:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "A" * 5000,
        "%00%ff%fe",
        "..",
    ],
)
def test_a_tampered_link_gives_a_clear_page(client: Client, token: str):
    for method in (client.get, client.post):
        response = method(f"/membership/confirm-email/{token}/")
        assert response.status_code == 400
        assert "This link is not valid. Copy the whole link from the e-mail." in page_text(response)


def test_a_link_altered_by_one_character_is_refused(
    client: Client,
    signed_in: Client,
    draft: Application,
    government_domain: Any,
    mail_now: Callable,
    mailoutbox: list,
):
    mail_now(lambda: set_address(signed_in, draft, "buero@stadt.example.de"))
    link = confirmation_link(mailoutbox)
    altered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]

    response = client.post(altered)

    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.official_email_confirmed_at is None


def test_an_expired_link_says_so(
    client: Client,
    signed_in: Client,
    draft: Application,
    government_domain: Any,
    mail_now: Callable,
    mailoutbox: list,
    monkeypatch: pytest.MonkeyPatch,
):
    mail_now(lambda: set_address(signed_in, draft, "buero@stadt.example.de"))
    link = confirmation_link(mailoutbox)
    eight_days_later = time.time() + 8 * 24 * 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: eight_days_later)

    response = client.get(link)

    assert response.status_code == 400
    assert "This link has expired" in page_text(response)


def test_a_link_for_an_address_replaced_since_is_refused(
    client: Client,
    signed_in: Client,
    draft: Application,
    government_domain: Any,
    mail_now: Callable,
    mailoutbox: list,
):
    mail_now(lambda: set_address(signed_in, draft, "first@stadt.example.de"))
    first_link = confirmation_link(mailoutbox)
    mail_now(lambda: set_address(signed_in, draft, "second@stadt.example.de"))

    response = client.post(first_link)

    assert response.status_code == 400
    assert "an address the application no longer uses" in page_text(response)


# Review and submit -----------------------------------------------------------------------


def submit(client: Client, application: Application, **data: str) -> Any:
    application.refresh_from_db()
    return client.post(
        reverse("membership:application-submit", kwargs={"pk": application.pk}),
        {"revision": application.revision, **data},
    )


def test_the_review_lists_what_is_missing_with_links_to_the_steps(
    signed_in: Client, draft: Application
):
    page = parse(signed_in.get(step_url(draft, "review")))

    missing = find(page, "div", css_class="missing-list")
    links = {text(a): attr(a, "href") for a in find_all(missing, "a")}
    assert links == {
        "Say who you are: your role, title and office.": step_url(draft, "applicant"),
        "Show you may register the community: confirm an official address or upload a letter.": (
            step_url(draft, "evidence")
        ),
        "Give the primary contact's name and e-mail.": step_url(draft, "contacts"),
    }


def test_the_review_shows_everything_with_edit_links_and_the_terms(
    signed_in: Client, applicant: Any
):
    complete = ApplicationFactory(applicant=applicant, complete=True)

    page = parse(signed_in.get(step_url(complete, "review")))
    content = text(page)

    assert "Head of International Relations" in content
    assert "Mayor's Office" in content
    assert "Class IV (100,000 – 249,999)" in content
    assert "US$ 800" in content
    assert "Dues are payable every year, on the invoice the association sends." in content
    assert "one vote at the association's annual meeting" in content
    edits = [attr(a, "href") for a in find_all(page, "a") if text(a).startswith("Edit")]
    assert edits == [step_url(complete, step) for step in STEPS[:-1]]
    assert not find_all(page, "div", css_class="missing-list")


def test_submitting_an_incomplete_application_lists_what_is_missing(
    signed_in: Client, draft: Application
):
    response = submit(signed_in, draft, accept_terms="on")

    assert response.status_code == 400
    summary = text(find(parse(response), "div", css_class="form-error-summary"))
    assert "The application was not sent" in summary
    assert "Say who you are: your role, title and office." in summary
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT


def test_submitting_without_accepting_the_terms_is_refused_at_the_checkbox(
    signed_in: Client, applicant: Any
):
    complete = ApplicationFactory(applicant=applicant, complete=True)

    response = submit(signed_in, complete)

    assert "Accept the membership terms" in field_error(parse(response), "accept_terms")
    complete.refresh_from_db()
    assert complete.status == Application.Status.DRAFT


def test_submitting_sends_the_application_and_one_pair_of_emails_even_when_clicked_twice(
    signed_in: Client, applicant: Any, mail_now: Callable, mailoutbox: list, settings: Any
):
    settings.MEMBERSHIP_TEAM_EMAILS = ["team@association.example.org"]
    complete = ApplicationFactory(applicant=applicant, complete=True)
    complete.refresh_from_db()
    revision = complete.revision
    url = reverse("membership:application-submit", kwargs={"pk": complete.pk})

    first = mail_now(lambda: signed_in.post(url, {"revision": revision, "accept_terms": "on"}))
    second = mail_now(lambda: signed_in.post(url, {"revision": revision, "accept_terms": "on"}))

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == detail_url(complete)
    page = page_text(signed_in.get(detail_url(complete)))
    assert "Your application is sent." in page
    assert "Status: Submitted" in page
    assert sorted(m.to[0] for m in mailoutbox) == [
        "anna@stadt.example.de",
        "team@association.example.org",
    ]


def test_a_stale_review_page_is_refused(signed_in: Client, applicant: Any):
    complete = ApplicationFactory(applicant=applicant, complete=True)
    complete.refresh_from_db()
    old = complete.revision
    post_step(signed_in, complete, "applicant", applicant_data(title="Mayor"))

    response = signed_in.post(
        reverse("membership:application-submit", kwargs={"pk": complete.pk}),
        {"revision": old, "accept_terms": "on"},
    )

    assert response.status_code == 400
    assert "changed after you opened this page" in page_text(response)
    complete.refresh_from_db()
    assert complete.status == Application.Status.DRAFT


# Detail: messages, answers, decisions, withdrawing --------------------------------------


def test_the_detail_page_explains_the_status_and_shows_messages_in_order(
    signed_in: Client, applicant: Any
):
    sent = ApplicationFactory(applicant=applicant, submitted=True)
    EvidenceFactory(application=sent, original_name="decision.pdf")
    staff = StaffFactory()
    request_information(sent, by=staff, question="Please send the council decision.")
    ApplicationMessage.objects.create(
        application=sent, author=applicant, body="It is attached now.", from_staff=False
    )

    response = signed_in.get(detail_url(sent))
    page = parse(response)
    thread = [text(li) for li in find_all(page, "li", css_class="message")]
    content = page_text(response)

    assert "Status: Needs information" in content
    assert "The membership team has a question for you." in content
    assert thread[0].startswith("Membership team")
    assert thread[0].endswith("Please send the council decision.")
    assert thread[1].startswith("You")
    assert thread[1].endswith("It is attached now.")
    assert "decision.pdf" in text(find_all(page, "ul", css_class="evidence-list")[0])
    assert "Send answer and resubmit" in content
    assert "Membership class: Class IV (" in content


def test_answering_a_question_resubmits_and_emails_the_team(
    signed_in: Client, applicant: Any, mail_now: Callable, mailoutbox: list, settings: Any
):
    settings.MEMBERSHIP_TEAM_EMAILS = ["team@association.example.org"]
    sent = ApplicationFactory(applicant=applicant, submitted=True)
    EvidenceFactory(application=sent)
    mail_now(lambda: request_information(sent, by=StaffFactory(), question="Which year?"))
    mailoutbox.clear()

    response = mail_now(
        lambda: signed_in.post(
            reverse("membership:application-answer", kwargs={"pk": sent.pk}),
            {"body": "The census of 2022."},
            follow=True,
        )
    )

    assert "Your answer is sent and your application is back with the membership team." in (
        page_text(response)
    )
    assert "Status: Submitted" in page_text(response)
    assert "The census of 2022." in page_text(response)
    (team,) = [m for m in mailoutbox if m.to == ["team@association.example.org"]]
    assert team.subject == f"Resubmitted: {sent.community.name}, Germany"
    assert "The applicant answered your question:\n\nThe census of 2022." in team.body


def test_a_message_on_a_submitted_application_goes_to_the_team_without_resubmitting(
    signed_in: Client, applicant: Any, mail_now: Callable, mailoutbox: list, settings: Any
):
    settings.MEMBERSHIP_TEAM_EMAILS = ["team@association.example.org"]
    sent = ApplicationFactory(applicant=applicant, submitted=True)

    response = mail_now(
        lambda: signed_in.post(
            reverse("membership:application-answer", kwargs={"pk": sent.pk}),
            {"body": "Our new mayor starts in May."},
            follow=True,
        )
    )

    assert "Your message is sent to the membership team." in page_text(response)
    assert [m.to for m in mailoutbox] == [["team@association.example.org"]]


def post_answer(client: Client, application: Application, body: str) -> Any:
    return client.post(
        reverse("membership:application-answer", kwargs={"pk": application.pk}), {"body": body}
    )


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001, "a\x00b"])
def test_an_empty_or_hostile_answer_is_refused_at_the_field(
    signed_in: Client, applicant: Any, body: str
):
    sent = ApplicationFactory(applicant=applicant, submitted=True)

    response = post_answer(signed_in, sent, body)

    assert response.status_code == 400
    assert field_error(parse(response), "body")
    assert not sent.messages.exists()


def test_answers_are_refused_once_decided(signed_in: Client, applicant: Any):
    sent = ApplicationFactory(applicant=applicant, submitted=True)
    reject_application(sent, by=StaffFactory(), reason="Not a government office.")

    response = signed_in.post(
        reverse("membership:application-answer", kwargs={"pk": sent.pk}), {"body": "But..."}
    )

    assert response.status_code == 302
    followed = signed_in.get(response["Location"])
    assert "messages can no longer be added" in page_text(followed)
    assert not sent.messages.filter(from_staff=False).exists()


def test_a_rejected_application_shows_the_reason(signed_in: Client, applicant: Any):
    sent = ApplicationFactory(applicant=applicant, submitted=True)
    reject_application(sent, by=StaffFactory(), reason="The letter is not from the city.")

    page = page_text(signed_in.get(detail_url(sent)))

    assert "Status: Rejected" in page
    assert "The letter is not from the city." in page
    assert "Withdraw this application" not in page


def test_an_approved_application_links_to_the_directory_profile(signed_in: Client, applicant: Any):
    sent = ApplicationFactory(applicant=applicant, submitted=True)
    approve_application(sent, by=StaffFactory())

    response = signed_in.get(detail_url(sent))

    assert "Status: Approved" in page_text(response)
    hrefs = [attr(a, "href") for a in find_all(parse(response), "a")]
    assert sent.community.get_absolute_url() in hrefs


def test_withdrawing_an_application_ends_it(signed_in: Client, draft: Application):
    page = page_text(signed_in.get(detail_url(draft)))
    assert "Withdrawing ends this application for good" in page

    unconfirmed = signed_in.post(
        reverse("membership:application-withdraw", kwargs={"pk": draft.pk}), follow=True
    )
    assert "Nothing was withdrawn. To withdraw, tick the box" in page_text(unconfirmed)
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT

    response = signed_in.post(
        reverse("membership:application-withdraw", kwargs={"pk": draft.pk}),
        {"confirm": "yes"},
        follow=True,
    )

    assert f"You withdrew the application for {draft.community}." in page_text(response)
    assert "Status: Withdrawn" in page_text(response)
    assert "Withdraw this application" not in page_text(response)


def test_an_approved_application_cannot_be_withdrawn(signed_in: Client, applicant: Any):
    sent = ApplicationFactory(applicant=applicant, submitted=True)
    approve_application(sent, by=StaffFactory())

    response = signed_in.post(
        reverse("membership:application-withdraw", kwargs={"pk": sent.pk}),
        {"confirm": "yes"},
        follow=True,
    )

    assert "can no longer be withdrawn" in page_text(response)
    sent.refresh_from_db()
    assert sent.status == Application.Status.APPROVED


def test_a_draft_detail_page_leads_back_to_the_steps(signed_in: Client, draft: Application):
    page = parse(signed_in.get(detail_url(draft)))

    link = [a for a in find_all(page, "a") if text(a) == "Continue the application"]
    assert attr(link[0], "href") == step_url(draft, "applicant")


def test_an_application_message_from_staff_is_shown_as_from_the_team(
    signed_in: Client, applicant: Any
):
    message = ApplicationMessageFactory(
        application__applicant=applicant, body="Welcome aboard", created_at=timezone.now()
    )

    page = page_text(signed_in.get(detail_url(message.application)))

    assert "Membership team" in page and "Welcome aboard" in page


def test_the_applicant_is_told_when_staff_corrected_the_population(
    signed_in: Client, draft: Application
):
    draft.stated_population = 120_000
    draft.stated_population_source = "City statistics"
    draft.corrected_population = 95_000
    draft.save()

    response = signed_in.get(step_url(draft, "population"))

    assert "Population used: 95,000" in page_text(response)
    assert "The membership team set this figure" in page_text(response)


@pytest.mark.parametrize("invisible", ["\u202e\u202c", "\u2066", "\u200b\u00ad"])
def test_a_message_of_invisible_characters_alone_is_refused_as_empty(
    signed_in: Client, applicant: Any, invisible: str
):
    sent = ApplicationFactory(applicant=applicant, submitted=True)

    response = post_answer(signed_in, sent, invisible)

    assert response.status_code == 400
    assert "Write your answer first." in field_error(parse(response), "body")
    assert not sent.messages.exists()


def test_the_by_hand_form_sent_twice_leads_to_the_one_draft(signed_in: Client, applicant: Any):
    form = {
        "by_hand": "1",
        "new-name": "Testowo Górne",
        "new-kind": "city",
        "new-country": "PL",
        "new-population": "4200",
        "new-population_source": "GUS 2021",
    }

    first = signed_in.post("/membership/apply/", form)
    second = signed_in.post("/membership/apply/", form)  # a double click, or Back and again

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Community.objects.filter(name="Testowo Górne").count() == 1
    assert Application.objects.filter(applicant=applicant).count() == 1


def test_a_name_typed_by_hand_with_an_invisible_character_is_still_found_listed(
    signed_in: Client,
):
    CommunityFactory(name="Prague", country="CZ", other_names="Praha")

    response = signed_in.post(
        "/membership/apply/",
        {
            "by_hand": "1",
            "new-name": "Pra\u00adha\u200b",
            "new-kind": "city",
            "new-country": "CZ",
            "new-population": "1300000",
            "new-population_source": "CZSO",
        },
    )

    assert response.status_code == 400
    assert "already in our list" in field_error(parse(response), "new-name")
    assert Community.objects.count() == 1


def test_direction_overrides_are_taken_out_of_what_is_typed_and_of_file_names(
    signed_in: Client, draft: Application
):
    """Right-to-left text needs no override; one typed into an office would make staff read
    it backwards."""
    post_step(
        signed_in,
        draft,
        "applicant",
        {
            **applicant_data(),
            "office": "Księgowość \u202eevil\u202c \u05e2\u05d9\u05e8\u05d9\u05d9\u05d4",
        },
    )
    signed_in.post(
        step_url(draft, "evidence"),
        {
            "action": "upload",
            "upload-file": SimpleUploadedFile("\u202egpj.pdf", PDF_BYTES),
            "upload-kind": Evidence.Kind.LETTER,
        },
    )

    draft.refresh_from_db()
    assert draft.office == "Księgowość evil \u05e2\u05d9\u05e8\u05d9\u05d9\u05d4"
    assert draft.evidence.get().original_name == "gpj.pdf"
