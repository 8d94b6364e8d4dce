"""Other officials asking to join a community's editors, and the editors' (or staff's) answer."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from membership.models import Application, Community, Editor, JoinRequest
from tests.factories import (
    ApplicationFactory,
    CommunityFactory,
    EditorFactory,
    JoinRequestFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FORM = {
    "role": Application.Role.ELECTED_OFFICIAL,
    "title": "Deputy Mayor",
    "office": "City Council",
    "message": "I lead our twinning committee.",
}


@pytest.fixture
def member() -> Community:
    """A Global Member with a name in its own script."""
    community = CommunityFactory(
        name="Kyoto",
        native_name="京都市",
        native_script="Hani",
        country="JP",
        region="Kyoto Prefecture",
    )
    MembershipFactory(community=community)
    return community


@pytest.fixture
def editor(member: Community):
    return EditorFactory(
        community=member, user=UserFactory(email="editor@city.kyoto.example.jp")
    ).user


@pytest.fixture
def official(client: Client):
    """A second official of the community, signed in with a verified address."""
    user = UserFactory(email="deputy@city.kyoto.example.jp")
    client.force_login(user)
    return user


def join_url(community: Community) -> str:
    return reverse("membership:join-request-create", kwargs={"slug": community.slug})


def decide_url(join_request: JoinRequest, decision: str) -> str:
    return reverse(
        "membership:join-request-decide", kwargs={"pk": join_request.pk, "decision": decision}
    )


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Asking to join


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, member: Community) -> None:
    response = client.get(join_url(member))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_official_without_a_verified_address_cannot_ask(
    client: Client, member: Community, editor
) -> None:
    client.force_login(UserFactory(verified=False))

    response = client.post(join_url(member), FORM)

    assert "Deputy Mayor" not in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_an_unknown_community_is_not_found(client: Client, official) -> None:
    response = client.get(reverse("membership:join-request-create", kwargs={"slug": "nowhere"}))

    assert response.status_code == 404


def test_the_page_names_the_community_in_both_scripts_and_asks_who_you_are(
    client: Client, member: Community, editor, official
) -> None:
    response = client.get(join_url(member))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ask to join the editors of Kyoto" in page
    assert '<span class="native-name" dir="auto" lang="ja">京都市</span>' in page
    assert "Kyoto Prefecture, Japan" in page
    for role in Application.Role:
        assert f'value="{role.value}"' in page
    for name in ("title", "office", "message"):
        assert f'name="{name}"' in page


def test_a_second_official_of_a_member_asks_and_its_editors_are_emailed(
    client: Client,
    member: Community,
    editor,
    official,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(join_url(member), FORM)

    assert response.status_code == 302
    assert response["Location"] == reverse("membership:dashboard")
    assert flashed(response) == [
        "The editors of Kyoto have been asked to accept you as an editor. "
        "We will e-mail you their answer."
    ]
    join_request = JoinRequest.objects.get()
    assert (join_request.community, join_request.user) == (member, official)
    assert (join_request.title, join_request.office) == ("Deputy Mayor", "City Council")
    assert join_request.status == JoinRequest.Status.PENDING
    assert [mail.to for mail in mailoutbox] == [["editor@city.kyoto.example.jp"]]
    assert "deputy@city.kyoto.example.jp" in mailoutbox[0].body
    assert "I lead our twinning committee." in mailoutbox[0].body


def test_an_official_of_a_community_applying_asks_and_staff_are_emailed(
    client: Client, official, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    staff = StaffFactory(email="team@association.example.org")
    application = ApplicationFactory(submitted=True)  # by another official; no editor yet

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(join_url(application.community), FORM)

    assert response.status_code == 302
    assert "staff have been asked" in flashed(response)[0]
    assert JoinRequest.objects.get().community == application.community
    assert [mail.to for mail in mailoutbox] == [[staff.email]]


def test_a_community_with_nothing_to_join_is_explained_and_no_request_is_made(
    client: Client, official
) -> None:
    community = CommunityFactory(name="Quietville")  # neither a member nor applying

    page = client.get(join_url(community)).content.decode()
    response = client.post(join_url(community), FORM)

    assert "Quietville is not a Global Member and has no application in progress" in page
    assert f'href="{reverse("membership:apply")}"' in page
    assert 'name="title"' not in page
    assert response.status_code == 200
    assert not JoinRequest.objects.exists()


def test_asking_twice_is_explained_and_makes_one_request(
    client: Client, member: Community, editor, official
) -> None:
    client.post(join_url(member), FORM)

    response = client.post(join_url(member), {**FORM, "title": "First Deputy Mayor"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "You already asked to join Kyoto; the editors have been told." in page
    assert 'value="First Deputy Mayor"' in page  # what was typed is kept
    assert JoinRequest.objects.count() == 1


def test_an_official_who_asked_sees_the_request_waiting_and_can_withdraw_it(
    client: Client, member: Community, official
) -> None:
    join_request = JoinRequestFactory(community=member, user=official)

    page = client.get(join_url(member)).content.decode()

    assert "You asked to join the editors of Kyoto on" in page
    assert f'action="{decide_url(join_request, "withdraw")}"' in page
    assert 'name="title"' not in page


def test_an_editor_asking_to_join_is_told_they_already_are_one(
    client: Client, member: Community, editor
) -> None:
    client.force_login(editor)

    page = client.get(join_url(member)).content.decode()
    response = client.post(join_url(member), FORM)

    assert "You are already an editor of Kyoto." in page
    assert "You are already an editor of Kyoto." in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_the_applicant_asking_to_join_is_told_they_will_be_its_editor(client: Client) -> None:
    application = ApplicationFactory()
    client.force_login(application.applicant)

    response = client.post(join_url(application.community), FORM)

    assert "you will be its editor when it is approved" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_missing_answers_are_shown_at_their_fields(
    client: Client, member: Community, editor, official
) -> None:
    response = client.post(join_url(member), {"role": "mayor-for-life", "title": " ", "office": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your request was not sent. Please check:" in page
    for field in ("role", "title", "office"):
        assert f'<a href="#id_{field}' in page  # the summary leads to the field
        assert f'id="id_{field}_error"' in page  # and the error is at the field
    assert "Select a valid choice." in page
    assert 'aria-describedby="id_role_error"' in page
    assert 'id="id_message_error"' not in page
    assert not JoinRequest.objects.exists()


# Deciding


@pytest.fixture
def join_request(member: Community, editor) -> JoinRequest:
    return JoinRequestFactory(
        community=member, user=UserFactory(email="deputy@city.kyoto.example.jp")
    )


def test_an_editor_accepts_and_the_requester_becomes_an_editor_and_is_emailed(
    client: Client,
    join_request: JoinRequest,
    editor,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(join_request, "accept"))

    assert response.status_code == 302
    assert response["Location"] == reverse("membership:dashboard")
    assert flashed(response) == ["deputy@city.kyoto.example.jp is now an editor of Kyoto."]
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED
    assert join_request.decided_by == editor
    assert Editor.objects.filter(community=join_request.community, user=join_request.user).exists()
    assert [mail.to for mail in mailoutbox] == [["deputy@city.kyoto.example.jp"]]
    assert "accepted" in mailoutbox[0].body


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_a_user_who_is_not_its_editor_cannot_decide(
    client: Client, join_request: JoinRequest, decision: str
) -> None:
    other_editor = EditorFactory().user  # an editor of another community
    for user in (UserFactory(), other_editor, join_request.user):
        client.force_login(user)

        response = client.post(decide_url(join_request, decision))

        assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert not Editor.objects.filter(user=join_request.user).exists()


def test_staff_accept_a_request(client: Client, join_request: JoinRequest) -> None:
    client.force_login(StaffFactory())

    client.post(decide_url(join_request, "accept"))

    assert Editor.objects.filter(community=join_request.community, user=join_request.user).exists()


def test_an_editor_declines_and_the_requester_is_told(
    client: Client,
    join_request: JoinRequest,
    editor,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(join_request, "decline"))

    assert flashed(response) == [
        "You declined the request of deputy@city.kyoto.example.jp to edit Kyoto."
    ]
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.DECLINED
    assert not Editor.objects.filter(user=join_request.user).exists()
    assert [mail.to for mail in mailoutbox] == [["deputy@city.kyoto.example.jp"]]
    assert "declined" in mailoutbox[0].body


def test_the_requester_withdraws_the_request(client: Client, join_request: JoinRequest) -> None:
    client.force_login(join_request.user)

    response = client.post(decide_url(join_request, "withdraw"))

    assert flashed(response) == ["You withdrew your request to join the editors of Kyoto."]
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.WITHDRAWN


def test_nobody_else_withdraws_a_request(client: Client, join_request: JoinRequest, editor) -> None:
    for user in (UserFactory(), editor, StaffFactory()):
        client.force_login(user)

        response = client.post(decide_url(join_request, "withdraw"))

        assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_anonymous_visitors_cannot_decide(client: Client, join_request: JoinRequest) -> None:
    response = client.post(decide_url(join_request, "accept"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_deciding_by_a_link_is_not_allowed(
    client: Client, join_request: JoinRequest, editor
) -> None:
    client.force_login(editor)

    response = client.get(decide_url(join_request, "accept"))

    assert response.status_code == 405
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_an_unknown_decision_is_not_found(
    client: Client, join_request: JoinRequest, editor
) -> None:
    client.force_login(editor)

    response = client.post(decide_url(join_request, "explode"))

    assert response.status_code == 404


def test_accepting_a_request_already_declined_is_explained(
    client: Client, join_request: JoinRequest, editor
) -> None:
    client.force_login(editor)
    client.post(decide_url(join_request, "decline"))

    response = client.post(decide_url(join_request, "accept"))

    assert response.status_code == 302
    assert flashed(response)[-1] == "This request was already declined."
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.DECLINED
    assert not Editor.objects.filter(user=join_request.user).exists()


def test_after_deciding_the_page_named_in_next_is_shown_when_it_is_on_this_site(
    client: Client, join_request: JoinRequest
) -> None:
    client.force_login(join_request.user)
    page = join_url(join_request.community)

    response = client.post(decide_url(join_request, "withdraw"), {"next": page})

    assert response["Location"] == page


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/", "/" + "a" * 3000]
)
def test_after_deciding_a_next_elsewhere_or_overlong_leads_to_the_dashboard(
    client: Client, join_request: JoinRequest, editor, target: str
) -> None:
    client.force_login(editor)

    response = client.post(decide_url(join_request, "accept"), {"next": target})

    assert response["Location"] == reverse("membership:dashboard")


# The offer on the member's profile


def test_a_signed_in_official_is_offered_to_join_from_the_profile(
    client: Client, member: Community, editor, official
) -> None:
    page = client.get(member.get_absolute_url()).content.decode()

    assert "Are you an official of Kyoto?" in page
    assert f'href="{join_url(member)}"' in page


def test_editors_and_anonymous_visitors_are_not_offered_to_join(
    client: Client, member: Community, editor
) -> None:
    anonymous_page = client.get(member.get_absolute_url()).content.decode()
    client.force_login(editor)
    editor_page = client.get(member.get_absolute_url()).content.decode()

    assert "Kyoto" in anonymous_page and "Kyoto" in editor_page
    assert join_url(member) not in anonymous_page
    assert join_url(member) not in editor_page


def test_staff_without_the_right_to_change_join_requests_cannot_decide(
    client: Client, join_request: JoinRequest
) -> None:
    client.force_login(StaffFactory(may_decide=False))  # staff, with no membership permission

    assert client.post(decide_url(join_request, "accept")).status_code == 404

    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert not Editor.objects.filter(user=join_request.user).exists()
