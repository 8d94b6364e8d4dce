"""Factories for test data: small, made up, but shaped like the real thing."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from membership.models import Community, Membership, MembershipClass, Partnership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"official{n}@city{n}.example.org")
    email = factory.LazyAttribute(lambda user: user.username)
    password = factory.django.Password("correct-horse-battery")


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
