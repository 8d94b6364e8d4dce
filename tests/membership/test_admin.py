import pytest
from django.test import Client

from membership.models import Membership
from tests.factories import CommunityFactory, MembershipClassFactory, UserFactory


@pytest.mark.django_db
def test_two_new_active_memberships_in_one_save_are_refused_with_a_message(client: Client) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    community = CommunityFactory(name="A Coruña", country="ES", population=245_000)
    membership_class = MembershipClassFactory()
    form = {
        "name": community.name,
        "ascii_name": community.ascii_name,
        "kind": "city",
        "slug": community.slug,
        "country": "ES",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for number in (0, 1):
        form |= {
            f"memberships-{number}-membership_class": str(membership_class.pk),
            f"memberships-{number}-starts_on": "2026-06-01",
            f"memberships-{number}-ends_on": "2027-05-31",
            f"memberships-{number}-status": "active",
        }

    response = client.post(f"/admin/membership/community/{community.pk}/change/", form)

    assert response.status_code == 200
    assert "at most one active membership" in response.content.decode()
    assert not Membership.objects.filter(community=community).exists()
