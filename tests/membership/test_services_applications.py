"""Applications from draft to decision, and join requests, on the real database."""

import datetime
import os
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from membership.models import (
    Application,
    Community,
    DuesRecord,
    Editor,
    JoinRequest,
    Membership,
    MembershipClass,
)
from membership.services import applications as services
from membership.services import editors as editor_services
from tests.factories import (
    PDF_BYTES,
    ApplicationFactory,
    CommunityFactory,
    EditorFactory,
    EvidenceFactory,
    JoinRequestFactory,
    MembershipFactory,
    RecognizedDomainFactory,
    StaffFactory,
    UserFactory,
)

Status = Application.Status

pytestmark = pytest.mark.usefixtures("default_classes")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the queued e-mail) as a committed transaction would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _submitted(**kwargs) -> Application:
    application = ApplicationFactory(submitted=True, **kwargs)
    return application


# Starting


def test_a_new_draft_carries_the_reference_population_and_its_source(db) -> None:
    community = CommunityFactory(population=73_500, population_source="GeoNames")

    application = services.start_application(community, by=UserFactory())

    assert application.status == Status.DRAFT
    assert (application.reference_population, application.reference_population_source) == (
        73_500,
        "GeoNames",
    )
    assert application.membership_class.name == "Class III"


def test_a_us_community_is_refused_with_a_clear_message(db) -> None:
    community = CommunityFactory(name="Dayton", country="US")

    with pytest.raises(ValidationError) as excinfo:
        services.start_application(community, by=UserFactory())

    assert excinfo.value.code == "us_community"
    assert "outside the United States" in excinfo.value.messages[0]
    assert not Application.objects.exists()


def test_a_member_community_cannot_be_applied_for_again(db) -> None:
    membership = MembershipFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.start_application(membership.community, by=UserFactory())

    assert excinfo.value.code == "community_is_member"
    assert "request to join" in excinfo.value.messages[0]


def test_a_second_official_is_sent_to_a_join_request(db) -> None:
    first = ApplicationFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.start_application(first.community, by=UserFactory())

    assert excinfo.value.code == "application_in_progress"
    assert Application.objects.count() == 1


def test_starting_twice_resumes_the_same_draft(db) -> None:
    user = UserFactory()
    community = CommunityFactory()

    first = services.start_application(community, by=user)
    second = services.start_application(community, by=user)

    assert first.pk == second.pk


def test_a_withdrawn_application_frees_the_community(db) -> None:
    first = ApplicationFactory()
    services.withdraw_application(first, by=first.applicant)

    other = services.start_application(first.community, by=UserFactory())

    assert other.pk != first.pk


def _by_hand(**given) -> Community:
    """add_community_by_hand with a plausible community, changed by `given`."""
    fields = {
        "name": "Testowo",
        "native_name": "",
        "kind": Community.Kind.CITY,
        "country": "PL",
        "region": "",
        "population": 20_000,
        "population_source": "GUS",
        "by": UserFactory(),
    }
    return services.add_community_by_hand(**{**fields, **given})


def test_a_community_entered_by_hand_is_refused_in_the_us(db) -> None:
    with pytest.raises(ValidationError) as excinfo:
        _by_hand(
            name="Springfield",
            country="US",
            region="Ohio",
            population=58_000,
            population_source="Census",
        )

    assert "country" in excinfo.value.message_dict
    assert not Community.objects.filter(name="Springfield").exists()


def test_a_community_already_listed_is_not_entered_twice(db) -> None:
    CommunityFactory(name="Kraków", ascii_name="Krakow", country="PL")

    with pytest.raises(ValidationError) as excinfo:
        _by_hand(
            name="Krakow",
            country="PL",
            population=800_000,
            population_source="GUS",
        )

    assert "already in our list" in excinfo.value.message_dict["name"][0]


@pytest.mark.parametrize(
    ("name", "native_name"),
    [("Praha", ""), ("PRAGUE", ""), ("Prag", "Прага"), ("Hlavní město", "Прага")],
)
def test_a_community_listed_under_another_spelling_is_not_entered_twice(
    db, name, native_name
) -> None:
    """The local name, or the name in another script, finds the listed community."""
    prague = CommunityFactory(name="Prague", country="CZ", other_names="Praha\nPrag\nПрага")

    with pytest.raises(ValidationError) as excinfo:
        _by_hand(
            name=name,
            native_name=native_name,
            country="CZ",
            population=1_300_000,
            population_source="CZSO",
        )

    field = "native_name" if name == "Hlavní město" else "name"  # the one that matched
    assert str(prague) in excinfo.value.message_dict[field][0]
    assert "Search above for “Prague”" in excinfo.value.message_dict[field][0]
    assert list(Community.objects.all()) == [prague]


def test_a_name_that_only_contains_a_listed_name_is_a_community_of_its_own(db) -> None:
    CommunityFactory(name="Prague", country="CZ", other_names="Praha")

    community = _by_hand(
        name="Praha-Kunratice",
        kind=Community.Kind.DISTRICT,
        country="CZ",
        region="Prague",
        population=10_000,
        population_source="CZSO",
    )

    assert community.name == "Praha-Kunratice"


def test_a_community_entered_by_hand_uses_the_applicants_figure(db) -> None:
    user = UserFactory()
    community = _by_hand(
        name="Ōmihachiman",
        native_name="近江八幡市",
        country="JP",
        region="Shiga",
        population=81_000,
        population_source="City statistics 2025",
        by=user,
    )

    application = services.start_application(community, by=user, entered_by_hand=True)

    assert application.community_entered_by_hand
    assert application.reference_population is None
    assert application.stated_population == 81_000
    assert application.membership_class.name == "Class III"
    assert community.slug == "omihachiman-jp"
    assert Community.objects.matching("近江八幡").get() == community


# Population, class and the 10% flag


@pytest.mark.parametrize(
    ("population", "class_name"),
    [
        (0, "Class I"),
        (24_999, "Class I"),
        (25_000, "Class II"),
        (49_999, "Class II"),
        (50_000, "Class III"),
        (99_999, "Class III"),
        (100_000, "Class IV"),
        (249_999, "Class IV"),
        (250_000, "Class V"),
        (499_999, "Class V"),
        (500_000, "Class VI"),
        (999_999, "Class VI"),
        (1_000_000, "Class VII"),
        (38_000_000, "Class VII"),
    ],
)
def test_the_class_follows_the_population_at_each_boundary(population, class_name) -> None:
    application = ApplicationFactory(stated_population=population, stated_population_source="x")

    assert application.population == population
    assert application.membership_class.name == class_name


@pytest.mark.parametrize(
    ("stated", "flagged"),
    [(110_000, False), (90_000, False), (110_001, True), (89_999, True), (None, False)],
)
def test_a_figure_more_than_ten_percent_away_is_flagged(stated, flagged) -> None:
    community = CommunityFactory(population=100_000)

    application = ApplicationFactory(community=community, stated_population=stated)

    assert application.population_flagged is flagged


def test_staff_correction_overrides_both_figures_and_moves_the_class(db) -> None:
    application = ApplicationFactory(stated_population=60_000, stated_population_source="x")
    assert application.membership_class.name == "Class III"

    application.corrected_population = 260_000
    application.save()

    assert application.population == 260_000
    assert application.membership_class.name == "Class V"
    assert application.membership_class.annual_dues == Decimal("1000.00")


def test_dues_shown_follow_the_rate_staff_set(db) -> None:
    application = ApplicationFactory()
    MembershipClass.objects.filter(pk=application.membership_class_id).update(
        annual_dues=Decimal("875.00")
    )

    application.refresh_from_db()

    assert application.membership_class.annual_dues == Decimal("875.00")


# Editing


def test_a_stale_form_is_refused_and_nothing_changes(db) -> None:
    application = ApplicationFactory(title="Mayor")
    opened_at = application.revision
    services.update_application(
        application, by=application.applicant, revision=opened_at, fields={"title": "Clerk"}
    )

    with pytest.raises(ValidationError) as excinfo:
        services.update_application(
            application, by=application.applicant, revision=opened_at, fields={"title": "Chief"}
        )

    assert excinfo.value.code == "stale"
    application.refresh_from_db()
    assert application.title == "Clerk"


def test_a_submitted_application_cannot_be_edited(db) -> None:
    application = _submitted()

    with pytest.raises(ValidationError) as excinfo:
        services.update_application(
            application, by=application.applicant, revision=None, fields={"title": "Chief"}
        )

    assert excinfo.value.code == "not_editable"


# Official address


def test_an_address_off_the_recognized_domains_is_refused(db) -> None:
    RecognizedDomainFactory(domain="bund.de", country="DE")
    application = ApplicationFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.set_official_email(
            application, "mayor@gmail.com", by=application.applicant, revision=None
        )

    assert "official_email" in excinfo.value.message_dict
    assert "Germany" in excinfo.value.message_dict["official_email"][0]


def test_a_domain_of_another_country_does_not_count(db) -> None:
    RecognizedDomainFactory(domain="gv.at", country="AT")
    application = ApplicationFactory()  # a German community

    with pytest.raises(ValidationError):
        services.set_official_email(
            application, "buero@wien.gv.at", by=application.applicant, revision=None
        )


def test_a_subdomain_gets_a_link_that_confirms_it(db, commit, mailoutbox) -> None:
    RecognizedDomainFactory(domain="bund.de", country="DE")
    application = ApplicationFactory()

    with commit():
        application = services.set_official_email(
            application, "Partner@Stadt.Bund.de", by=application.applicant, revision=None
        )

    assert application.official_email_confirmed_at is None
    assert application.official_domain.domain == "bund.de"
    (message,) = mailoutbox
    assert message.to == ["Partner@Stadt.Bund.de"]
    link = next(line for line in message.body.splitlines() if "/confirm-email/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]

    confirmed = services.confirm_official_email(token)

    assert confirmed.pk == application.pk
    assert confirmed.has_confirmed_official_email


def test_an_address_verified_for_the_account_counts_at_once(db, mailoutbox) -> None:
    RecognizedDomainFactory(domain="city0.example.org", country="DE")
    user = UserFactory(username="mayor@city0.example.org")
    application = ApplicationFactory(applicant=user)

    application = services.set_official_email(application, user.email, by=user, revision=None)

    assert application.has_confirmed_official_email
    assert mailoutbox == []


def test_a_link_for_a_replaced_address_no_longer_confirms(db) -> None:
    RecognizedDomainFactory(domain="bund.de", country="DE")
    application = ApplicationFactory()
    services.set_official_email(application, "a@bund.de", by=application.applicant, revision=None)
    application.refresh_from_db()
    old_token = services.confirm_url(application).rstrip("/").rsplit("/", 1)[1]
    services.set_official_email(application, "b@bund.de", by=application.applicant, revision=None)

    with pytest.raises(ValidationError) as excinfo:
        services.confirm_official_email(old_token)

    assert excinfo.value.code == "replaced"


@pytest.mark.parametrize("token", ["", "x", "eyJhIjoxfQ:1abc:bad", "a" * 5000, "\x00"])
def test_a_tampered_link_is_refused(db, token) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.confirm_official_email(token)

    assert excinfo.value.code == "bad_link"


def test_an_old_link_has_expired(db, monkeypatch) -> None:
    RecognizedDomainFactory(domain="bund.de", country="DE")
    application = ApplicationFactory()
    services.set_official_email(application, "a@bund.de", by=application.applicant, revision=None)
    application.refresh_from_db()
    token = services.confirm_url(application).rstrip("/").rsplit("/", 1)[1]
    monkeypatch.setattr(services, "CONFIRMATION_MAX_AGE", datetime.timedelta(seconds=-1))

    with pytest.raises(ValidationError) as excinfo:
        services.confirm_official_email(token)

    assert excinfo.value.code == "expired"


# Evidence


def test_an_uploaded_letter_is_stored_privately_under_a_random_name(db, settings) -> None:
    application = ApplicationFactory()

    evidence = services.add_evidence(
        application,
        SimpleUploadedFile("Brief des Bürgermeisters.pdf", PDF_BYTES),
        by=application.applicant,
    )

    assert evidence.original_name == "Brief des Bürgermeisters.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(PDF_BYTES)
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    assert "Brief" not in evidence.file.name
    with evidence.file.open("rb") as stored:
        assert stored.read() == PDF_BYTES


def test_a_web_page_named_pdf_is_refused_and_nothing_is_stored(db) -> None:
    application = ApplicationFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.add_evidence(
            application,
            SimpleUploadedFile("letter.pdf", b"<html><script>alert(1)</script></html>"),
            by=application.applicant,
        )

    assert excinfo.value.code == "unsupported_type"
    assert not application.evidence.exists()


def test_removed_evidence_leaves_the_disk_after_commit(db, commit) -> None:
    application = ApplicationFactory()
    evidence = services.add_evidence(
        application, SimpleUploadedFile("letter.pdf", PDF_BYTES), by=application.applicant
    )
    path = evidence.file.path

    with commit():
        services.remove_evidence(evidence, by=application.applicant)

    assert not application.evidence.exists()
    import os

    assert not os.path.exists(path)


def test_an_application_holds_at_most_ten_files(db) -> None:
    application = ApplicationFactory()
    EvidenceFactory.create_batch(10, application=application)

    with pytest.raises(ValidationError) as excinfo:
        services.add_evidence(
            application, SimpleUploadedFile("letter.pdf", PDF_BYTES), by=application.applicant
        )

    assert excinfo.value.code == "too_many_files"


# Submitting


def test_an_incomplete_application_says_what_is_missing(db) -> None:
    application = ApplicationFactory()

    with pytest.raises(ValidationError) as excinfo:
        services.submit_application(
            application, by=application.applicant, revision=None, accept_terms=True
        )

    text = " ".join(excinfo.value.messages)
    assert "role, title and office" in text
    assert "confirm an official address or upload a letter" in text
    assert "primary contact" in text
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_terms_must_be_accepted(db) -> None:
    application = ApplicationFactory(complete=True)

    with pytest.raises(ValidationError) as excinfo:
        services.submit_application(
            application, by=application.applicant, revision=None, accept_terms=False
        )

    assert "accept_terms" in excinfo.value.message_dict


def test_a_letter_alone_is_enough_evidence(db, commit, mailoutbox) -> None:
    application = ApplicationFactory(
        complete=True, official_email="", official_email_confirmed_at=None
    )
    EvidenceFactory(application=application)

    with commit():
        application = services.submit_application(
            application, by=application.applicant, revision=None, accept_terms=True
        )

    assert application.status == Status.SUBMITTED
    assert application.terms_accepted_at is not None


def test_submitting_twice_sends_one_acknowledgement(db, commit, mailoutbox, settings) -> None:
    settings.MEMBERSHIP_TEAM_EMAILS = ["team@association.example.org"]
    application = ApplicationFactory(complete=True)
    revision = application.revision

    with commit():
        services.submit_application(
            application, by=application.applicant, revision=revision, accept_terms=True
        )
        services.submit_application(
            application, by=application.applicant, revision=revision, accept_terms=True
        )

    subjects = sorted(message.subject for message in mailoutbox)
    assert len(subjects) == 2
    assert subjects[0].startswith("New application: Testville")
    assert subjects[1].startswith("We received the application")


def test_the_team_defaults_to_staff_who_may_decide(db, commit, mailoutbox) -> None:
    decider = StaffFactory()
    StaffFactory(may_decide=False, username="clerk@association.example.org")
    application = ApplicationFactory(complete=True)

    with commit():
        services.submit_application(
            application, by=application.applicant, revision=None, accept_terms=True
        )

    team_mail = [m for m in mailoutbox if m.subject.startswith("New application")]
    assert [m.to for m in team_mail] == [[decider.email]]


# Questions and answers


def test_a_question_waits_for_the_answer_and_the_answer_resubmits(
    db, commit, mailoutbox, settings
) -> None:
    settings.MEMBERSHIP_TEAM_EMAILS = ["team@association.example.org"]
    application = _submitted()
    staff = StaffFactory()

    with commit():
        services.request_information(
            application, by=staff, question="Please send the council resolution."
        )
    application.refresh_from_db()
    assert application.status == Status.NEEDS_INFORMATION
    assert "Please send the council resolution." in mailoutbox[-1].body
    assert mailoutbox[-1].to == [application.applicant.email]

    mailoutbox.clear()
    with commit():
        answer = services.answer_question(
            application, by=application.applicant, body="Attached, page 2."
        )
        again = services.answer_question(  # a double click
            application, by=application.applicant, body="Attached, page 2."
        )

    assert answer.resubmitted and not again.resubmitted
    assert again.message == answer.message
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert [m.from_staff for m in application.messages.all()] == [True, False]
    (to_team,) = [m for m in mailoutbox if m.to == settings.MEMBERSHIP_TEAM_EMAILS]
    assert to_team.subject.startswith("Resubmitted")
    assert "Attached, page 2." in to_team.body


def test_an_answer_that_cannot_resubmit_still_reaches_staff(db, commit, mailoutbox, settings):
    settings.MEMBERSHIP_TEAM_EMAILS = ["team@association.example.org"]
    application = _submitted()
    services.request_information(application, by=StaffFactory(), question="Who signs?")
    # The evidence went missing meanwhile (the confirmed address was changed by staff, say).
    Application.objects.filter(pk=application.pk).update(official_email_confirmed_at=None)
    mailoutbox.clear()

    with commit():
        answer = services.answer_question(
            application, by=application.applicant, body="The mayor signs."
        )

    assert not answer.resubmitted
    assert answer.missing
    application.refresh_from_db()
    assert application.status == Status.NEEDS_INFORMATION
    (to_team,) = mailoutbox
    assert "The mayor signs." in to_team.body


def test_a_draft_cannot_be_asked_a_question(db) -> None:
    with pytest.raises(ValidationError):
        services.request_information(ApplicationFactory(), by=StaffFactory(), question="?")


# Deciding


def test_approval_makes_a_member_with_dues_an_editor_and_a_welcome(db, commit, mailoutbox) -> None:
    application = _submitted(stated_population=120_000)
    staff = StaffFactory()

    with commit():
        services.approve_application(application, by=staff)
        assert mailoutbox == []  # only once the transaction commits

    application.refresh_from_db()
    membership = Membership.objects.get(community=application.community)
    assert application.status == Status.APPROVED
    assert application.membership == membership
    assert membership.is_active
    assert membership.membership_class.name == "Class IV"
    dues = DuesRecord.objects.get(membership=membership)
    assert dues.amount == Decimal("800.00")
    assert dues.status == DuesRecord.Status.DUE
    assert Editor.objects.filter(
        community=application.community, user=application.applicant
    ).exists()
    (welcome,) = mailoutbox
    assert welcome.subject.startswith("Welcome: Testville")
    assert "Class IV" in welcome.body
    assert "US$ 800" in welcome.body
    assert application.community in Community.objects.global_members()


def test_approving_twice_creates_one_term(db, commit, mailoutbox) -> None:
    application = _submitted()
    staff = StaffFactory()

    with commit():
        services.approve_application(application, by=staff)
        services.approve_application(application, by=staff)
        services.approve_application(Application.objects.get(pk=application.pk), by=StaffFactory())

    assert Membership.objects.count() == 1
    assert DuesRecord.objects.count() == 1
    assert Editor.objects.count() == 1
    assert len(mailoutbox) == 1


def test_approval_takes_the_staff_corrected_population(db) -> None:
    application = _submitted(stated_population=30_000, stated_population_source="Mayor")
    application.corrected_population = 520_000
    application.save()

    services.approve_application(application, by=StaffFactory())

    community = Community.objects.get(pk=application.community_id)
    assert community.population == 520_000
    assert community.population_source == "Corrected by staff"
    assert Membership.objects.get().membership_class.name == "Class VI"


def test_staff_without_the_permission_cannot_decide(db) -> None:
    application = _submitted()
    clerk = StaffFactory(may_decide=False)

    with pytest.raises(PermissionDenied):
        services.approve_application(application, by=clerk)
    with pytest.raises(PermissionDenied):
        services.reject_application(application, by=clerk, reason="No.")
    with pytest.raises(PermissionDenied):
        services.approve_application(application, by=application.applicant)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_draft_cannot_be_approved(db) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.approve_application(ApplicationFactory(complete=True), by=StaffFactory())

    assert excinfo.value.code == "not_submitted"
    assert not Membership.objects.exists()


def test_a_rejection_needs_a_reason_and_sends_it(db, commit, mailoutbox) -> None:
    application = _submitted()
    staff = StaffFactory()

    with pytest.raises(ValidationError):
        services.reject_application(application, by=staff, reason="   ")
    with commit():
        services.reject_application(
            application, by=staff, reason="The letter is not from the local government."
        )

    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert "The letter is not from the local government." in mailoutbox[0].body
    # The way forward is a new application, not the rejected one.
    assert "start a new application:\nhttp://testserver/membership/apply/" in mailoutbox[0].body
    assert not Membership.objects.exists()


def test_every_step_is_in_the_history_with_who_did_it(db) -> None:
    application = ApplicationFactory(complete=True)
    staff = StaffFactory()
    services.submit_application(
        application, by=application.applicant, revision=None, accept_terms=True
    )
    services.request_information(application, by=staff, question="Which office?")
    services.answer_question(application, by=application.applicant, body="The mayor's.")
    services.submit_application(
        application, by=application.applicant, revision=None, accept_terms=True
    )
    services.approve_application(application, by=staff)

    history = list(
        application.history.order_by("history_date").values_list(
            "history_change_reason", "status", "history_user"
        )
    )
    moves = [(reason, status, user) for reason, status, user in history if reason]
    applicant = application.applicant.pk
    assert moves[-5:] == [
        ("membership.application.submitted", "submitted", applicant),
        ("membership.application.information_requested", "needs_information", staff.pk),
        ("membership.application.answered", "needs_information", applicant),
        ("membership.application.resubmitted", "submitted", applicant),
        ("membership.application.approved", "approved", staff.pk),
    ]


# Join requests


def test_a_second_official_asks_the_editors(db, commit, mailoutbox) -> None:
    editor = EditorFactory()
    MembershipFactory(community=editor.community)
    colleague = UserFactory()

    with commit():
        join_request = editor_services.request_to_join(
            editor.community,
            by=colleague,
            role="elected_official",
            title="Deputy Mayor",
            office="Council",
        )

    assert join_request.status == JoinRequest.Status.PENDING
    (message,) = mailoutbox
    assert message.to == [editor.user.email]
    assert "Deputy Mayor" in message.body


def test_asking_twice_is_refused_clearly(db) -> None:
    membership = MembershipFactory()
    user = UserFactory()
    editor_services.request_to_join(
        membership.community, by=user, role="elected_official", title="t", office="o"
    )

    with pytest.raises(ValidationError) as excinfo:
        editor_services.request_to_join(
            membership.community, by=user, role="elected_official", title="t", office="o"
        )

    assert excinfo.value.code == "already_requested"


def test_nothing_to_join_without_membership_or_application(db) -> None:
    with pytest.raises(ValidationError) as excinfo:
        editor_services.request_to_join(
            CommunityFactory(), by=UserFactory(), role="elected_official", title="t", office="o"
        )

    assert excinfo.value.code == "nothing_to_join"


def test_an_editor_accepts_once_and_a_stranger_cannot(db, commit, mailoutbox) -> None:
    editor = EditorFactory()
    join_request = JoinRequestFactory(community=editor.community)

    with pytest.raises(PermissionDenied):
        editor_services.accept_join_request(join_request, by=UserFactory())
    with commit():
        editor_services.accept_join_request(join_request, by=editor.user)
        editor_services.accept_join_request(join_request, by=editor.user)

    assert Editor.objects.filter(community=editor.community).count() == 2
    assert len(mailoutbox) == 1
    with pytest.raises(ValidationError) as excinfo:
        editor_services.decline_join_request(join_request, by=editor.user)
    assert excinfo.value.code == "already_decided"


def test_one_user_cannot_hold_many_communities_with_drafts(db) -> None:
    user = UserFactory()
    for _number in range(services.MAX_IN_PROGRESS):
        services.start_application(CommunityFactory(), by=user)

    with pytest.raises(ValidationError) as excinfo:
        services.start_application(CommunityFactory(), by=user)

    assert excinfo.value.code == "too_many_in_progress"
    assert "Finish or withdraw one" in excinfo.value.messages[0]


@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_at_the_same_moment_create_one_membership(mailoutbox) -> None:
    """Two requests at once, each in its own connection: the row lock orders them."""
    if connections["default"].vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs on PostgreSQL, where this test checks the row locks.")
        pytest.skip("SQLite has no row locks to test (it takes the whole database instead).")
    application = _submitted()
    reviewers = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def approve(reviewer) -> None:
        try:
            barrier.wait(timeout=10)
            services.approve_application(Application.objects.get(pk=application.pk), by=reviewer)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Membership.objects.count() == 1
    assert DuesRecord.objects.count() == 1
    assert Editor.objects.count() == 1
    assert Application.objects.get(pk=application.pk).status == Status.APPROVED
    assert [message.subject[:8] for message in mailoutbox] == ["Welcome:"]


def test_the_welcome_shows_large_dues_with_a_thousands_separator(db, commit, mailoutbox) -> None:
    application = _submitted(stated_population=2_000_000, stated_population_source="Census")

    with commit():
        services.approve_application(application, by=StaffFactory())

    (welcome,) = mailoutbox
    assert "Class VII (1,000,000 and more)" in welcome.body
    assert "US$ 1,500" in welcome.body


def test_only_the_applicant_or_staff_may_withdraw(db) -> None:
    application = ApplicationFactory()

    with pytest.raises(PermissionDenied):
        services.withdraw_application(application, by=UserFactory(), reason="Mine now.")
    with pytest.raises(ValidationError):
        services.withdraw_application(application, by=StaffFactory(), reason=" ")

    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_the_same_file_is_not_stored_twice(db) -> None:
    application = ApplicationFactory()
    services.add_evidence(
        application, SimpleUploadedFile("letter.pdf", PDF_BYTES), by=application.applicant
    )

    with pytest.raises(ValidationError) as excinfo:
        services.add_evidence(
            application,
            SimpleUploadedFile("copy of letter.pdf", PDF_BYTES),
            by=application.applicant,
        )

    assert excinfo.value.code == "duplicate_file"
    assert "already uploaded, as letter.pdf" in excinfo.value.messages[0]
    assert application.evidence.count() == 1


def _co_editor_while_applying(application: Application) -> Editor:
    """A second official whom staff accepted while the community's application was open."""
    join_request = JoinRequestFactory(community=application.community)
    editor_services.accept_join_request(join_request, by=StaffFactory())
    return Editor.objects.get(community=application.community, user=join_request.user)


@pytest.mark.parametrize("ending", ["rejected", "withdrawn"])
def test_co_editors_of_a_community_whose_application_ends_unapproved_are_removed(
    db, ending
) -> None:
    application = _submitted()
    editor = _co_editor_while_applying(application)
    staff = StaffFactory()

    if ending == "rejected":
        services.reject_application(application, by=staff, reason="Not a local government.")
    else:
        services.withdraw_application(application, by=application.applicant)

    assert not Editor.objects.filter(pk=editor.pk).exists()
    last = Editor.history.filter(id=editor.pk).first()
    assert last.history_type == "-"
    assert last.history_change_reason == "membership.editor.removed"


def test_co_editors_of_a_former_member_stay_when_its_new_application_ends(db) -> None:
    former = _submitted()
    MembershipFactory(
        community=former.community,
        status=Membership.Status.LAPSED,
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2020, 12, 31),
    )
    former_editor = _co_editor_while_applying(former)

    services.reject_application(former, by=StaffFactory(), reason="Dues unpaid since 2020.")

    assert Editor.objects.filter(pk=former_editor.pk).exists()


def test_requests_waiting_to_join_close_when_the_application_ends_unapproved(db) -> None:
    application = _submitted()
    waiting = JoinRequestFactory(community=application.community)
    staff = StaffFactory()

    services.reject_application(application, by=staff, reason="Not a local government.")

    waiting.refresh_from_db()
    assert waiting.status == JoinRequest.Status.DECLINED
    assert waiting.decided_by == staff
    # Nor can a request be accepted afterwards into a community that is neither member nor
    # applying.
    late = JoinRequestFactory(community=application.community, joinable=False)
    with pytest.raises(ValidationError) as excinfo:
        editor_services.accept_join_request(late, by=staff)
    assert excinfo.value.code == "nothing_to_join"
    assert not Editor.objects.filter(community=application.community).exists()


def test_a_submitted_application_takes_no_more_files(db) -> None:
    application = _submitted()

    with pytest.raises(ValidationError) as excinfo:
        services.add_evidence(
            application, SimpleUploadedFile("late.pdf", PDF_BYTES), by=application.applicant
        )

    assert excinfo.value.code == "not_editable"
    assert not application.evidence.exists()


def test_a_community_moved_to_the_united_states_is_not_approved(db, mailoutbox) -> None:
    application = _submitted()
    Community.objects.filter(pk=application.community_id).update(country="US")

    with pytest.raises(ValidationError) as excinfo:
        services.approve_application(application, by=StaffFactory())

    assert excinfo.value.code == "us_community"
    assert not Membership.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("decide", ["approve", "reject", "ask"])
def test_a_decision_on_the_application_as_it_was_is_refused_under_the_lock(
    db, mailoutbox, decide
) -> None:
    application = _submitted()
    shown = application.revision
    application.corrected_population = 30_000  # another reviewer, meanwhile
    application.save()
    staff = StaffFactory()
    calls = {
        "approve": lambda: services.approve_application(application, by=staff, seen_revision=shown),
        "reject": lambda: services.reject_application(
            application, by=staff, reason="No letter.", seen_revision=shown
        ),
        "ask": lambda: services.request_information(
            application, by=staff, question="Which year?", seen_revision=shown
        ),
    }

    with pytest.raises(ValidationError) as excinfo:
        calls[decide]()

    assert excinfo.value.code == "changed_meanwhile"
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not Membership.objects.exists()
    assert mailoutbox == []
