from typing import Any

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def applicant() -> Any:
    """The official applying; a test module may name them otherwise."""
    return UserFactory()


@pytest.fixture
def signed_in(client: Client, applicant: Any) -> Client:
    """The test client, signed in as the applicant."""
    client.force_login(applicant)
    return client
