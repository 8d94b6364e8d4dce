"""The staff side of applications in the admin: the queue, the application's page, decisions."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membership.models import (
    Application,
    ApplicationMessage,
    DuesRecord,
    Editor,
    JoinRequest,
    Membership,
    RecognizedDomain,
)
from membership.services.applications import submit_application
from tests.factories import (
    ApplicationFactory,
    CommunityFactory,
    EditorFactory,
    EvidenceFactory,
    JoinRequestFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/membership/application/"


def change_url(application: Application) -> str:
    return reverse("admin:membership_application_change", args=[application.pk])


def decision_url(application: Application | int | str, decision: str) -> str:
    pk = application.pk if isinstance(application, Application) else application
    return f"/admin/membership/application/{pk}/{decision}/"


def page_text(response) -> str:
    """The page as a reader sees it: tags dropped, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(text.split())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def staff(default_classes):
    return StaffFactory(username="reviewer@association.example.org")


@pytest.fixture
def staff_client(client: Client, staff) -> Client:
    client.force_login(staff)
    return client


@pytest.fixture
def clerk(default_classes):
    """Staff who may read and ask, but not decide: every membership permission but that one."""
    user = UserFactory(username="clerk@association.example.org", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="membership").exclude(
            codename="decide_application"
        )
    )
    return user


def submitted(**kwargs) -> Application:
    return ApplicationFactory(submitted=True, **kwargs)


# The list.


def test_the_list_shows_names_in_both_scripts_the_flag_and_the_evidence(staff_client) -> None:
    kyoto = CommunityFactory(
        name="Kyoto", native_name="京都市", native_script="Hani", country="JP", population=1_460_000
    )
    flagged = submitted(community=kyoto, stated_population=2_000_000)
    with_letter = submitted(official_email_confirmed_at=None)
    EvidenceFactory(application=with_letter)
    nothing = ApplicationFactory(official_email_confirmed_at=None)

    response = staff_client.get(CHANGELIST)

    text = page_text(response)
    assert "京都市" in response.content.decode()
    assert '<span lang="ja" dir="auto">京都市</span>' in response.content.decode()
    assert "Differs by over 10%" in text
    assert "2,000,000" in text
    assert "Address confirmed" in text
    assert "1 document" in text
    rows = {row.pk: row for row in response.context["cl"].result_list}
    assert set(rows) == {flagged.pk, with_letter.pk, nothing.pk}


def test_waiting_applications_come_first_the_longest_waiting_at_the_top(staff_client) -> None:
    now = timezone.now()
    decided = submitted(status=Application.Status.REJECTED, rejection_reason="No.")
    newer = submitted(submitted_at=now - datetime.timedelta(days=1))
    older = submitted(submitted_at=now - datetime.timedelta(days=9))
    draft = ApplicationFactory()

    response = staff_client.get(CHANGELIST)

    order = [row.pk for row in response.context["cl"].result_list]
    assert order == [older.pk, newer.pk, decided.pk, draft.pk]


def test_the_list_costs_the_same_queries_for_3_or_20_applications(staff_client) -> None:
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        EvidenceFactory(application=submitted())
    with_3 = count_queries()
    for _ in range(17):
        EvidenceFactory(application=submitted())
    with_20 = count_queries()

    assert with_20 == with_3


def test_filters_narrow_the_list(staff_client) -> None:
    waiting = submitted(  # Class VI, where the others are in Class IV
        community=CommunityFactory(country="JP", population=600_000), stated_population=700_000
    )
    with_letter = ApplicationFactory(
        community=CommunityFactory(country="FR"), official_email_confirmed_at=None
    )
    EvidenceFactory(application=with_letter)
    both = submitted(community=CommunityFactory(country="FR"))
    EvidenceFactory(application=both)
    nothing = ApplicationFactory(official_email_confirmed_at=None)

    def listed(query: str) -> set[int]:
        response = staff_client.get(CHANGELIST + query)
        assert response.status_code == 200
        return {row.pk for row in response.context["cl"].result_list}

    assert listed("?status__exact=submitted") == {waiting.pk, both.pk}
    assert listed("?country=FR") == {with_letter.pk, both.pk}
    assert listed("?evidence=address") == {waiting.pk}
    assert listed("?evidence=document") == {with_letter.pk}
    assert listed("?evidence=both") == {both.pk}
    assert listed("?evidence=none") == {nothing.pk}
    assert listed("?population_flagged__exact=1") == {waiting.pk}
    assert listed(f"?membership_class__id__exact={waiting.membership_class_id}") == {waiting.pk}
    assert listed("?membership_class__isnull=True") == set()


def test_the_country_filter_offers_only_countries_that_applied(staff_client) -> None:
    submitted(community=CommunityFactory(country="JP"))

    response = staff_client.get(CHANGELIST)

    text = page_text(response)
    assert "Japan" in text
    assert "Zimbabwe" not in text


def test_search_finds_an_application_by_the_native_name(staff_client) -> None:
    kyiv = submitted(community=CommunityFactory(name="Kyiv", native_name="Київ", country="UA"))
    submitted(community=CommunityFactory(name="Lviv", native_name="Львів", country="UA"))

    response = staff_client.get(CHANGELIST, {"q": "Київ"})

    assert [row.pk for row in response.context["cl"].result_list] == [kyiv.pk]


@pytest.mark.parametrize("term", ["łódź", "LODZ", "Lodz", "ŁÓDŹ"])
def test_search_finds_a_community_whatever_the_case_and_accents(staff_client, term) -> None:
    lodz = submitted(community=CommunityFactory(name="Łódź", country="PL"))
    submitted(community=CommunityFactory(name="Gdańsk", country="PL"))

    response = staff_client.get(CHANGELIST, {"q": term})

    assert [row.pk for row in response.context["cl"].result_list] == [lodz.pk]


def test_search_finds_an_application_by_its_billing_contact(staff_client) -> None:
    billed = submitted(billing_contact_email="faktury@um.example.pl")
    submitted()

    response = staff_client.get(CHANGELIST, {"q": "faktury@"})

    assert [row.pk for row in response.context["cl"].result_list] == [billed.pk]


def test_staff_can_neither_add_nor_delete_applications(staff_client) -> None:
    application = submitted()

    assert staff_client.get(CHANGELIST + "add/").status_code == 403
    assert (
        staff_client.get(
            reverse("admin:membership_application_delete", args=[application.pk])
        ).status_code
        == 403
    )
    assert "delete_selected" not in staff_client.get(CHANGELIST).content.decode()


# The application's page.


def test_the_page_shows_what_the_applicant_entered_read_only(staff_client) -> None:
    application = submitted(title="Head of Twinning", stated_population=130_000)

    response = staff_client.get(change_url(application))

    text = page_text(response)
    assert "Head of Twinning" in text
    assert "120,000 (GeoNames)" in text  # the reference figure and its source
    assert "130,000" in text
    assert "Class IV" in text
    assert "US$ 800" in text
    form = response.context["adminform"].form
    assert list(form.fields) == ["corrected_population", "seen_revision"]
    assert 'name="title"' not in response.content.decode()
    assert 'name="status"' not in response.content.decode()


def test_the_evidence_inline_links_each_file_and_previews_images(staff_client) -> None:
    application = submitted()
    letter = EvidenceFactory(application=application, original_name="Ratsbeschluss.pdf")
    photo = EvidenceFactory(
        application=application,
        original_name="stamp.png",
        content_type="image/png",
        file=ContentFile(png_bytes(), name="stamp.png"),
    )

    response = staff_client.get(change_url(application))

    html = response.content.decode()
    for evidence in (letter, photo):
        url = reverse(
            "membership:evidence-download",
            kwargs={"pk": application.pk, "evidence_pk": evidence.pk},
        )
        assert f'href="{url}"' in html
    photo_url = reverse(
        "membership:evidence-download", kwargs={"pk": application.pk, "evidence_pk": photo.pk}
    )
    assert f'src="{photo_url}" alt="Preview of stamp.png"' in html
    first_page = reverse(
        "membership:evidence-page",
        kwargs={"pk": application.pk, "evidence_pk": letter.pk, "page": 1},
    )
    assert f'src="{first_page}" alt="Preview of Ratsbeschluss.pdf"' in html
    assert html.count('<img class="portal-thumbnail"') == 2
    assert "Ratsbeschluss.pdf" in html


def test_the_page_lists_the_messages_and_the_same_community(staff_client) -> None:
    community = CommunityFactory(name="Graz")
    old = ApplicationFactory(
        community=community, status=Application.Status.WITHDRAWN, submitted=False
    )
    membership = MembershipFactory(community=community, status=Membership.Status.LAPSED)
    application = submitted(community=community)
    ApplicationMessage.objects.create(
        application=application,
        author=application.applicant,
        body="Here is the council's decision.",
    )

    response = staff_client.get(change_url(application))

    html = response.content.decode()
    assert "Here is the council&#x27;s decision." in html
    assert f'href="{change_url(old)}"' in html
    assert reverse("admin:membership_membership_change", args=[membership.pk]) in html
    assert "Lapsed" in page_text(response)


def test_correcting_the_population_recomputes_the_class_and_dues_shown(
    staff_client, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    application = submitted()  # 120,000: Class IV, 800.00
    page = staff_client.get(change_url(application))
    data = _change_form_data(page, corrected_population="30000")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(change_url(application), data, follow=True)
        # Saving the page again without a change tells the applicant nothing new.
        again = _change_form_data(staff_client.get(change_url(application)))
        staff_client.post(change_url(application), again)

    # The applicant is told the figure, class and dues that now apply, and staff that they are.
    assert "The applicant is e-mailed the figure, class and dues that now apply." in (
        messages_of(response)
    )
    (told,) = mailoutbox
    assert told.to == [application.applicant.email]
    assert "The figure used is now 30,000." in told.body
    assert "Class II (25,000 – 49,999)" in told.body
    assert "US$ 450" in told.body

    application.refresh_from_db()
    assert application.population == 30_000
    assert application.membership_class.name == "Class II"
    text = page_text(staff_client.get(change_url(application)))
    assert "US$ 450" in text
    assert application.history.first().history_change_reason == (
        "membership.application.population_corrected"
    )
    assert response.status_code == 200


def test_a_correction_from_a_page_opened_before_a_change_is_refused(staff_client, staff) -> None:
    application = submitted()
    page = staff_client.get(change_url(application))
    data = _change_form_data(page, corrected_population="30000")
    application.stated_population = 500_000  # the application changed meanwhile
    application.save()

    response = staff_client.post(change_url(application), data)

    assert response.status_code == 200
    assert "changed after you opened this page" in page_text(response)
    application.refresh_from_db()
    assert application.corrected_population is None


def test_a_decided_application_is_only_shown(staff_client) -> None:
    application = submitted(status=Application.Status.REJECTED, rejection_reason="Not a city.")

    response = staff_client.get(change_url(application))

    html = response.content.decode()
    assert 'name="corrected_population"' not in html
    assert 'name="_save"' not in html
    assert decision_url(application, "approve") not in html


# Decisions.


def test_approving_from_the_page_makes_a_member_and_welcomes_after_commit(
    staff_client, staff, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    application = submitted()  # 120,000 people: Class IV, US$ 800

    confirmation = staff_client.get(decision_url(application, "approve"))
    assert "Class IV" in page_text(confirmation)
    assert "US$ 800" in page_text(confirmation)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(decision_url(application, "approve"), {"confirm": "yes"})
    assert mailoutbox == []  # nothing leaves before the decision is committed
    for callback in callbacks:
        callback()

    assert response.status_code == 302
    assert response["Location"] == change_url(application)
    membership = Membership.objects.get(community=application.community)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.membership_class.name == "Class IV"
    dues = DuesRecord.objects.get(membership=membership)
    assert dues.amount == Decimal("800.00")
    assert Editor.objects.filter(community=application.community, user=application.applicant)
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.decided_by == staff
    assert [mail.to[0] for mail in mailoutbox] == [application.applicant.email]
    assert "Global Member" in mailoutbox[0].subject
    page = staff_client.get(change_url(application))
    assert "approved: Class IV membership" in " ".join(messages_of(page))


def test_bulk_approval_asks_for_confirmation_then_approves_both(
    staff_client, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    first, second = submitted(), submitted()
    selection = {"action": "approve_selected", "_selected_action": [first.pk, second.pk]}

    confirmation = staff_client.post(CHANGELIST, {**selection, "index": "0"})

    assert confirmation.status_code == 200
    assert "Approve these applications?" in page_text(confirmation)
    assert f"Number {first.pk}" in page_text(confirmation)
    assert not Membership.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(CHANGELIST, {**selection, "confirm": "yes"}, follow=True)

    assert Membership.objects.active().count() == 2
    assert DuesRecord.objects.count() == 2
    assert len(mailoutbox) == 2
    said = messages_of(response)
    assert len([message for message in said if "approved: Class IV" in message]) == 2


def test_approving_twice_creates_nothing_twice(
    staff_client, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    application = submitted()
    confirmation = staff_client.get(decision_url(application, "approve"))
    as_posted = {"confirm": "yes", "seen": seen_values(confirmation)}  # what the page sends
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(decision_url(application, "approve"), as_posted)
        second_tab = staff_client.post(decision_url(application, "approve"), as_posted, follow=True)
        staff_client.post(
            CHANGELIST,
            {"action": "approve_selected", "_selected_action": [application.pk], "confirm": "yes"},
        )

    assert Membership.objects.count() == 1
    assert DuesRecord.objects.count() == 1
    assert Editor.objects.count() == 1
    assert len(mailoutbox) == 1
    assert any("already approved; nothing changed" in m for m in messages_of(second_tab))


def test_a_draft_cannot_be_approved_and_staff_are_told_why(staff_client) -> None:
    draft = ApplicationFactory(complete=True)

    confirmation = staff_client.get(decision_url(draft, "approve"))
    assert "Status: draft. Only a submitted application can be decided." in page_text(confirmation)
    assert 'value="Yes, approve"' not in confirmation.content.decode()

    response = staff_client.post(decision_url(draft, "approve"), {"confirm": "yes"}, follow=True)

    assert any("only a submitted application can be approved" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT
    assert not Membership.objects.exists()


def test_staff_without_the_decide_permission_see_no_buttons_and_get_403(
    client: Client, clerk
) -> None:
    application = submitted()
    client.force_login(clerk)

    page = client.get(change_url(application))
    html = page.content.decode()
    assert page.status_code == 200
    assert decision_url(application, "approve") not in html
    assert decision_url(application, "reject") not in html
    assert decision_url(application, "request-information") in html
    for decision in ("approve", "reject"):
        assert client.get(decision_url(application, decision)).status_code == 403
        assert client.post(decision_url(application, decision), {"confirm": "yes"}).status_code == (
            403
        )
    bulk = client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [application.pk], "confirm": "yes"},
        follow=True,
    )
    assert 'value="approve_selected"' not in client.get(CHANGELIST).content.decode()
    assert bulk.status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not Membership.objects.exists()


def test_rejecting_without_a_reason_shows_the_error_at_the_field(staff_client, mailoutbox) -> None:
    application = submitted()

    response = staff_client.post(
        decision_url(application, "reject"), {"confirm": "yes", "reason": " "}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the reason; the applicant receives it." in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert mailoutbox == []


def test_bulk_rejection_without_a_reason_changes_nothing(staff_client) -> None:
    application = submitted()

    response = staff_client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": [application.pk], "confirm": "yes"},
    )

    assert response.status_code == 200
    assert "Give the reason; the applicant receives it." in page_text(response)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_a_reason_of_invisible_characters_alone_is_refused(staff_client, mailoutbox) -> None:
    application = submitted()

    response = staff_client.post(
        decision_url(application, "reject"), {"confirm": "yes", "reason": "\u202e\u202c\u200b"}
    )

    assert "Give the reason" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert mailoutbox == []


def test_rejecting_with_a_reason_tells_the_applicant(
    staff_client, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    application = submitted()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            decision_url(application, "reject"),
            {"confirm": "yes", "reason": "Graz is already a member under another name."},
            follow=True,
        )

    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert application.rejection_reason == "Graz is already a member under another name."
    assert len(mailoutbox) == 1
    assert "Graz is already a member under another name." in mailoutbox[0].body
    assert any("rejected" in message for message in messages_of(response))


def test_asking_for_information_sends_the_question(
    client: Client, clerk, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    application = submitted()
    client.force_login(clerk)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            decision_url(application, "request-information"),
            {"confirm": "yes", "question": "Please send the council's letter."},
        )

    application.refresh_from_db()
    assert application.status == Application.Status.NEEDS_INFORMATION
    assert [mail.to[0] for mail in mailoutbox] == [application.applicant.email]
    assert "Please send the council's letter." in mailoutbox[0].body
    assert (
        "Please send the council&#x27;s letter."
        in client.get(change_url(application)).content.decode()
    )


def test_asking_without_a_question_shows_the_error(staff_client) -> None:
    application = submitted()

    response = staff_client.post(
        decision_url(application, "request-information"), {"confirm": "yes", "question": ""}
    )

    assert "Write the question to the applicant." in page_text(response)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


@pytest.mark.parametrize("decision", ["approve", "reject", "request-information"])
@pytest.mark.parametrize("pk", ["abc", "0", "-1", "99999999999999999999999", "1.0", "%E4%BA%AC"])
def test_tampered_ids_are_answered_without_a_server_error(staff_client, decision, pk) -> None:
    staff_client.raise_request_exception = False

    response = staff_client.post(decision_url(pk, decision), {"confirm": "yes", "reason": "x"})

    assert response.status_code in {302, 404}


@pytest.mark.parametrize(
    "path", ["abc/history/", "99999999999999999999999/history/", "abc/change/"]
)
def test_tampered_ids_on_history_and_change_pages_do_not_fail(staff_client, path) -> None:
    staff_client.raise_request_exception = False

    response = staff_client.get(CHANGELIST + path)

    assert response.status_code in {302, 404}


def test_the_history_lists_each_step_with_who_and_the_status(
    staff_client, staff, django_capture_on_commit_callbacks
) -> None:
    application = ApplicationFactory(complete=True)
    applicant = application.applicant
    with django_capture_on_commit_callbacks(execute=True):
        submit_application(application, by=applicant, revision=None, accept_terms=True)
        staff_client.post(
            decision_url(application, "request-information"),
            {"confirm": "yes", "question": "Which council decision?"},
        )
        staff_client.post(decision_url(application, "approve"), {"confirm": "yes"})

    response = staff_client.get(
        reverse("admin:membership_application_history", args=[application.pk])
    )

    body = response.content.decode().split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    steps = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows[:3]]
    # The action in words, the user, and the status it moved to.
    assert "Approved" in steps[0] and staff.email in steps[0]
    assert "Asked the applicant for information" in steps[1]
    assert "Needs information" in steps[1] and staff.email in steps[1]
    assert "Submitted" in steps[2] and applicant.email in steps[2]
    assert "membership.application." not in body
    assert 'style="' not in response.content.decode()


def test_the_history_names_each_file_uploaded_and_removed(staff_client) -> None:
    from membership.services.applications import add_evidence, remove_evidence
    from tests.factories import PDF_BYTES

    application = ApplicationFactory(complete=True)
    applicant = application.applicant
    letter = add_evidence(
        application, SimpleUploadedFile("Uchwała rady.pdf", PDF_BYTES), by=applicant
    )
    remove_evidence(letter, by=applicant)

    response = staff_client.get(
        reverse("admin:membership_application_history", args=[application.pk])
    )

    text = page_text(response)
    assert "Removed a document: Uchwała rady.pdf" in text
    assert "Uploaded a document: Uchwała rady.pdf" in text


def test_a_past_version_can_be_read_but_not_posted_back(staff_client) -> None:
    application = submitted()
    version = application.history.earliest()

    page = staff_client.get(f"{CHANGELIST}{application.pk}/history/{version.history_id}/")
    assert page.status_code == 200
    assert "Revert" not in page_text(page)

    response = staff_client.post(
        f"{CHANGELIST}{application.pk}/history/{version.history_id}/", {"corrected_population": "1"}
    )

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.corrected_population is None


# The other models around applications.


def test_a_recognized_domain_is_normalised_and_a_bad_one_refused_at_its_field(
    staff_client,
) -> None:
    add = "/admin/membership/recognizeddomain/add/"

    bad = staff_client.post(add, {"domain": "not a domain", "country": "AT", "note": ""})
    good = staff_client.post(add, {"domain": "@Stadt.Wien.GV.at.", "country": "AT", "note": ""})

    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["domain"] == [
        "Enter a domain such as gv.at, without @ or spaces."
    ]
    assert good.status_code == 302
    assert RecognizedDomain.objects.get().domain == "stadt.wien.gv.at"


def test_join_requests_are_accepted_or_declined_from_the_list(
    staff_client, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    community = CommunityFactory()
    accept, decline = (
        JoinRequestFactory(community=community),
        JoinRequestFactory(community=community),
    )
    changelist = "/admin/membership/joinrequest/"

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            changelist, {"action": "accept_selected", "_selected_action": [accept.pk], "index": "0"}
        )
        staff_client.post(
            changelist,
            {"action": "decline_selected", "_selected_action": [decline.pk], "index": "0"},
        )

    accept.refresh_from_db()
    decline.refresh_from_db()
    assert accept.status == JoinRequest.Status.ACCEPTED
    assert decline.status == JoinRequest.Status.DECLINED
    assert list(Editor.objects.values_list("user", flat=True)) == [accept.user_id]
    assert len(mailoutbox) == 2


def test_a_join_request_is_accepted_from_its_own_page(staff_client) -> None:
    join_request = JoinRequestFactory()
    url = reverse("admin:membership_joinrequest_change", args=[join_request.pk])

    page = staff_client.get(url)
    response = staff_client.post(
        url,
        {
            "CHANGE_FORM-action": "accept_selected",
            "index": "0",
            "_selected_action": [join_request.pk],
        },
    )

    assert 'name="_save"' not in page.content.decode()  # nothing to edit, only to decide
    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED
    assert Editor.objects.filter(community=join_request.community, user=join_request.user)


def test_paid_dues_need_the_day_they_were_paid(staff_client, default_classes) -> None:
    membership = MembershipFactory()
    dues = DuesRecord.objects.create(
        membership=membership,
        membership_class=membership.membership_class,
        amount=Decimal("800.00"),
        due_on=membership.starts_on,
    )
    url = reverse("admin:membership_duesrecord_change", args=[dues.pk])

    refused = staff_client.post(url, {"status": "paid", "paid_on": ""})
    accepted = staff_client.post(url, {"status": "paid", "paid_on": "2026-02-01"})

    assert refused.context["adminform"].form.errors["paid_on"] == [
        "Enter the day the dues were paid."
    ]
    assert accepted.status_code == 302
    dues.refresh_from_db()
    assert dues.status == DuesRecord.Status.PAID


def test_the_community_page_lists_its_editors_and_applications(staff_client) -> None:
    community = CommunityFactory(name="Salzburg")
    editor = EditorFactory(community=community)
    application = submitted(community=community)

    response = staff_client.get(reverse("admin:membership_community_change", args=[community.pk]))

    html = response.content.decode()
    assert editor.user.email in html
    assert f'href="{change_url(application)}"' in html


def _change_form_data(page, **changes: str) -> dict[str, str]:
    """What the browser would post back: the form's fields and the inlines' management forms."""
    data: dict[str, str] = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else str(value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = str(value)
        for child in formset.forms:
            data[child.add_prefix("id")] = str(child.instance.pk)
            data[child.add_prefix("application")] = str(child.instance.application_id)
    data.update(changes)
    data["_save"] = "Save"
    return data


def test_an_overlong_search_is_answered_not_a_server_error(staff_client) -> None:
    kyiv = submitted(community=CommunityFactory(name="Kyiv", native_name="Київ", country="UA"))
    staff_client.raise_request_exception = False

    listing = staff_client.get(CHANGELIST, {"q": "Київ" + "🏙️" * 15_000})
    picker = staff_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "membership",
            "model_name": "editor",
            "field_name": "community",
            "term": "🏙️" * 15_000,
        },
    )

    assert listing.status_code == 200
    assert picker.status_code == 200
    assert kyiv.pk not in {row.pk for row in listing.context["cl"].result_list}


def test_staff_withdraw_a_draft_that_holds_a_community_with_a_reason(
    staff_client, staff, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    draft = ApplicationFactory()
    page = staff_client.get(change_url(draft))
    assert decision_url(draft, "withdraw") in page.content.decode()
    assert decision_url(draft, "approve") not in page.content.decode()

    refused = staff_client.post(decision_url(draft, "withdraw"), {"confirm": "yes", "reason": ""})
    assert "Give the reason" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == Application.Status.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        done = staff_client.post(
            decision_url(draft, "withdraw"),
            {"confirm": "yes", "reason": "Untouched since March; another official asked."},
            follow=True,
        )

    assert "withdrawn" in done.content.decode()
    draft.refresh_from_db()
    assert draft.status == Application.Status.WITHDRAWN
    (message,) = mailoutbox
    assert message.to == [draft.applicant.email]
    assert "Untouched since March; another official asked." in message.body
    assert draft.messages.get().from_staff
    # The community is free again.
    assert ApplicationFactory(community=draft.community).status == Application.Status.DRAFT


# Decisions taken on a page that no longer shows the application as it is.


def seen_values(response) -> list[str]:
    return re.findall(r'name="seen" value="([^"]+)"', response.content.decode())


def test_approving_from_a_confirmation_page_opened_before_a_change_is_refused(
    staff_client, mailoutbox
) -> None:
    application = submitted()  # 120,000 people: Class IV, US$ 800
    confirmation = staff_client.get(decision_url(application, "approve"))
    assert seen_values(confirmation) == [f"{application.pk}:{application.revision}"]
    application.corrected_population = 600_000  # another reviewer corrects it meanwhile
    application.save()

    response = staff_client.post(
        decision_url(application, "approve"),
        {"confirm": "yes", "seen": seen_values(confirmation)},
        follow=True,
    )

    said = " ".join(messages_of(response))
    assert "changed after you opened the confirmation page" in said
    assert "population 600,000, Class VI, US$ 1,250" in said
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not Membership.objects.exists()
    assert mailoutbox == []


def test_bulk_approval_skips_only_the_application_changed_since_confirmation(
    staff_client, django_capture_on_commit_callbacks
) -> None:
    unchanged, changed = submitted(), submitted()
    selection = {"action": "approve_selected", "_selected_action": [unchanged.pk, changed.pk]}
    confirmation = staff_client.post(CHANGELIST, {**selection, "index": "0"})
    changed.stated_population = 30_000
    changed.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            CHANGELIST,
            {**selection, "confirm": "yes", "seen": seen_values(confirmation)},
            follow=True,
        )

    assert list(Membership.objects.values_list("community", flat=True)) == [unchanged.community_id]
    assert any("not changed" in message for message in messages_of(response))


def test_a_community_already_a_member_is_not_approved_again(staff_client, mailoutbox) -> None:
    application = submitted()
    existing = MembershipFactory(community=application.community)  # added by hand meanwhile

    confirmation = staff_client.get(decision_url(application, "approve"))
    assert "The community is already a Global Member" in page_text(confirmation)
    response = staff_client.post(
        decision_url(application, "approve"), {"confirm": "yes"}, follow=True
    )

    assert any("is already a Global Member" in m for m in messages_of(response))
    assert list(Membership.objects.all()) == [existing]
    assert not DuesRecord.objects.exists()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert mailoutbox == []


def test_the_confirmation_page_names_what_to_check(staff_client) -> None:
    disputed = submitted(stated_population=200_000, stated_population_source="Census 2021")
    bare = submitted(official_email="", official_email_confirmed_at=None)
    EvidenceFactory(application=disputed)
    selection = {"action": "approve_selected", "_selected_action": [disputed.pk, bare.pk]}

    page = page_text(staff_client.post(CHANGELIST, {**selection, "index": "0"}))

    disputed_row = page[page.index(f"Number {disputed.pk}") :][:400]
    bare_row = page[page.index(f"Number {bare.pk}") :][:400]
    assert "Population differs by over 10%" in disputed_row
    assert "1 document" in disputed_row
    assert "No evidence" in bare_row


@pytest.mark.parametrize("forged", ["abc", "99999999999999999999999", ""])
def test_a_forged_selection_is_refused_with_a_message(staff_client, forged) -> None:
    application = submitted()

    response = staff_client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [application.pk, forged], "index": "0"},
        follow=True,
    )

    assert response.status_code == 200
    assert any("The selection could not be read" in m for m in messages_of(response))
    assert not Membership.objects.exists()
