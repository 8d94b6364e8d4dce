"""Personas and the objects their URLs point at, shared by the quality checks.

The personas are the ones every page is checked against (CONVENTIONS, Tests): anonymous, a
signed-in user without a community, the member community's editor, another community's
editor, and staff.
"""

from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser, Group
from django.test import Client

from membership.models import (
    Application,
    Community,
    DuesRecord,
    Editor,
    Evidence,
    JoinRequest,
    Membership,
    MembershipClass,
    Partnership,
    RecognizedDomain,
)
from tests.factories import (
    ApplicationFactory,
    CommunityFactory,
    EditorFactory,
    EvidenceFactory,
    JoinRequestFactory,
    MembershipFactory,
    PartnershipFactory,
    RecognizedDomainFactory,
    UserFactory,
)


def _verified_user(email: str, **extra: object) -> AbstractBaseUser:
    """A user who finished sign-up: allauth lets them in only with a verified address (the
    factory gives every user one)."""
    user = UserFactory(username=email, email=email, **extra)
    return user


@pytest.fixture
def anonymous() -> None:
    """Nobody signed in."""
    return None


@pytest.fixture
def signed_in_user(db: None) -> AbstractBaseUser:
    """Signed up and verified, but no community has made them its editor."""
    return _verified_user("someone@example.org")


@pytest.fixture
def member_community(db: None) -> Community:
    """A Global Member: a community outside the U.S. with an active membership."""
    community = CommunityFactory(name="Kraków", country="PL", region="Lesser Poland")
    MembershipFactory(community=community)
    return community


@pytest.fixture
def other_community(db: None) -> Community:
    """A second Global Member, whose editor must not reach the first one's pages."""
    community = CommunityFactory(name="Kyōto", native_name="京都市", country="JP", region="Kyoto")
    MembershipFactory(community=community)
    return community


@pytest.fixture
def member_editor(db: None, member_community: Community) -> AbstractBaseUser:
    """The member community's editor (its application was approved)."""
    user = _verified_user("editor@krakow.example.pl")
    EditorFactory(community=member_community, user=user)
    return user


@pytest.fixture
def other_editor(db: None, other_community: Community) -> AbstractBaseUser:
    """Another community's editor (of `other_community`)."""
    user = _verified_user("editor@kyoto.example.jp")
    EditorFactory(community=other_community, user=user)
    return user


@pytest.fixture
def staff(db: None) -> AbstractBaseUser:
    """Association staff, as `ensure_demo_staff` creates them: staff and superuser."""
    return _verified_user("staff@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def persona_client(request: pytest.FixtureRequest, client: Client):
    """`persona_client("member_editor")`: a test client signed in as that persona.

    Server errors come back as responses (status 500) instead of exceptions, so a check can
    report them next to the other outcomes.
    """

    def sign_in(persona: str) -> Client:
        user = request.getfixturevalue(persona)
        client.raise_request_exception = False
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@dataclass
class World:
    """One object of each kind a URL can name, as a freshly opened portal would have them."""

    community: Community
    membership_class: MembershipClass
    membership: Membership
    partnership: Partnership
    group: Group
    user: AbstractBaseUser
    newcomer: AbstractBaseUser
    email_address: EmailAddress
    unverified_address: EmailAddress
    application: Application
    evidence: Evidence
    join_request: JoinRequest
    recognized_domain: RecognizedDomain
    editor: Editor
    dues_record: DuesRecord


@pytest.fixture
def world(
    db: None,
    member_community: Community,
    other_community: Community,
    signed_in_user: AbstractBaseUser,
) -> World:
    membership = member_community.memberships.get()
    partnership = PartnershipFactory(
        community_a=min(member_community, other_community, key=lambda c: c.pk),
        community_b=max(member_community, other_community, key=lambda c: c.pk),
        established_year=1994,
    )
    newcomer = UserFactory(username="new@example.org", email="new@example.org", verified=False)
    # The signed-in user's complete draft for a third community, with a letter attached.
    application = ApplicationFactory(
        applicant=signed_in_user,
        community=CommunityFactory(name="Lyon", country="FR", region="Auvergne-Rhône-Alpes"),
        complete=True,
    )
    editor = Editor.objects.filter(community=member_community).first() or EditorFactory(
        community=member_community
    )
    return World(
        community=member_community,
        membership_class=membership.membership_class,
        membership=membership,
        partnership=partnership,
        group=Group.objects.create(name="Reviewers"),
        user=signed_in_user,
        newcomer=newcomer,
        email_address=EmailAddress.objects.get(user=signed_in_user),
        unverified_address=EmailAddress.objects.create(
            user=newcomer, email=newcomer.email, verified=False, primary=True
        ),
        application=application,
        evidence=EvidenceFactory(application=application),
        join_request=JoinRequestFactory(community=member_community, user=newcomer),
        recognized_domain=RecognizedDomainFactory(country="FR", domain="gouv.fr"),
        editor=editor,
        dues_record=DuesRecord.objects.create(
            membership=membership,
            membership_class=membership.membership_class,
            amount=membership.membership_class.annual_dues,
            due_on=membership.starts_on,
        ),
    )
