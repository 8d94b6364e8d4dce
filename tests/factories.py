"""Factories for test data: small, made up, but shaped like the real thing."""

import datetime
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from membership.models import (
    Application,
    ApplicationMessage,
    Community,
    Editor,
    Evidence,
    JoinRequest,
    Membership,
    MembershipClass,
    Partnership,
    RecognizedDomain,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"official{n}@city{n}.example.org")
    email = factory.LazyAttribute(lambda user: user.username)
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):  # noqa: N805
        """Users have a verified address, as allauth's mandatory verification ensures."""
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class StaffFactory(UserFactory):
    """Staff who may decide applications (the permission the membership team holds)."""

    username = factory.Sequence(lambda n: f"staff{n}@association.example.org")
    is_staff = True

    @factory.post_generation
    def may_decide(user, create, extracted, **kwargs):  # noqa: N805
        if create and extracted is not False:
            from django.contrib.auth.models import Permission

            user.user_permissions.add(
                Permission.objects.get(codename="decide_application"),
                *Permission.objects.filter(content_type__app_label="membership"),
            )


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Testville {n}")
    ascii_name = factory.LazyAttribute(lambda c: c.name)
    country = "DE"
    region = "Bavaria"
    population = 120_000
    population_source = "GeoNames"
    slug = factory.Sequence(lambda n: f"testville-{n}")


class MembershipClassFactory(factory.django.DjangoModelFactory):
    """A band of the current year; asking twice for the same band start gives the same class."""

    class Meta:
        model = MembershipClass
        django_get_or_create = ["year", "min_population"]

    year = factory.LazyFunction(lambda: timezone.localdate().year)
    name = factory.Sequence(lambda n: f"Class {n}")
    min_population = 0
    max_population = None
    annual_dues = Decimal("500.00")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    membership_class = factory.SubFactory(MembershipClassFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda m: m.starts_on + datetime.timedelta(days=364))
    status = Membership.Status.ACTIVE


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    community_a = factory.SubFactory(CommunityFactory)
    community_b = factory.SubFactory(CommunityFactory, country="US", region="Ohio")


# Smallest well-formed files of each accepted type, for evidence uploads.
# The smallest PDF with one blank A4 page that readers (and PDFium) open.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


class RecognizedDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecognizedDomain
        django_get_or_create = ["domain"]

    country = "DE"
    domain = "bund.example.de"


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft for a German community of 120,000, with nothing filled in past the community."""

    class Meta:
        model = Application

    applicant = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    reference_population = factory.LazyAttribute(lambda a: a.community.population)
    reference_population_source = "GeoNames"
    primary_contact_email = factory.LazyAttribute(lambda a: a.applicant.email)

    class Params:
        complete = factory.Trait(
            role=Application.Role.GOVERNMENT_EMPLOYEE,
            title="Head of International Relations",
            office="Mayor's Office",
            primary_contact_name="Anna Schmidt",
            official_email=factory.LazyAttribute(lambda a: a.applicant.email),
            official_email_confirmed_at=factory.LazyFunction(timezone.now),
        )
        submitted = factory.Trait(
            complete=True,
            status=Application.Status.SUBMITTED,
            terms_accepted_at=factory.LazyFunction(timezone.now),
            submitted_at=factory.LazyFunction(timezone.now),
        )


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    application = factory.SubFactory(ApplicationFactory)
    original_name = "letter.pdf"
    content_type = Evidence.ContentType.PDF
    size = len(PDF_BYTES)
    sha256 = "0" * 64
    uploaded_by = factory.LazyAttribute(lambda e: e.application.applicant)
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="letter.pdf"))


class ApplicationMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationMessage

    application = factory.SubFactory(ApplicationFactory, submitted=True)
    author = factory.SubFactory(StaffFactory)
    from_staff = True
    body = "Please send the council's letter naming you as coordinator."


class EditorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Editor

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Application.Role.ELECTED_OFFICIAL
    title = "Deputy Mayor"
    office = "City Council"

    @factory.post_generation
    def joinable(request, create, extracted, **kwargs):  # noqa: N805
        """A request is for a member or a community applying: make the community a member
        when it is neither (joinable=False keeps it as it is)."""
        from membership.services.editors import join_is_possible

        if create and extracted is not False and not join_is_possible(request.community):
            MembershipFactory(community=request.community)
