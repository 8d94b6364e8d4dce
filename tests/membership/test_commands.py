import pytest
from django.core.management import CommandError, call_command

from membership.models import MembershipClass
from tests.factories import MembershipClassFactory


@pytest.mark.django_db
def test_seeding_a_year_without_classes_creates_the_default_table_marked_as_defaults() -> None:
    call_command("seed_membership_classes", "--year", "2031")

    classes = list(MembershipClass.objects.for_year(2031))
    assert [c.name for c in classes][:2] == ["Class I", "Class II"]
    assert classes[-1].max_population is None
    assert all(c.is_seeded_default for c in classes)


@pytest.mark.django_db
def test_seeding_never_touches_a_year_staff_have_set() -> None:
    MembershipClassFactory(year=2031, name="Official", min_population=0, annual_dues=999)

    call_command("seed_membership_classes", "--year", "2031")

    assert list(MembershipClass.objects.for_year(2031).values_list("name", flat=True)) == [
        "Official"
    ]


def test_seeding_an_absurd_year_is_refused() -> None:
    with pytest.raises(CommandError, match="between 2000 and 2100"):
        call_command("seed_membership_classes", "--year", "1990")
