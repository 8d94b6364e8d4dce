import pytest
from django.db import DatabaseError
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_ok_while_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


class _BrokenConnection:
    """A database connection whose every query fails, as when the server is down."""

    def cursor(self) -> None:
        raise DatabaseError("connection refused")


def test_healthz_answers_503_when_the_database_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stopping the real database from inside a test is not possible; its failure is simulated.
    monkeypatch.setattr("sistercities.health.connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.content == b"database unavailable"


@pytest.mark.django_db
def test_healthz_refuses_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_answers_head_probes(client: Client) -> None:
    assert client.head("/healthz").status_code == 200
