"""The settings module as operators meet it: start-up refusals, deployment checks, mail, headers.

Most tests start a fresh Python process with the real `sistercities.settings` and a chosen
environment, since the settings are read once, at import.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django_countries import countries

from membership.reference_data import read_cities
from sistercities.settings import mailer_from_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILE = PROJECT_DIR / "sistercities" / "settings.py"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "portal.example.org",
}
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def variables_read_by_settings() -> set[str]:
    source = SETTINGS_FILE.read_text(encoding="utf-8")
    return set(re.findall(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"', source))


def run_python(
    args: list[str], tmp_path: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    """Run Python in the project with only the given portal variables set, data under tmp_path."""
    # The suite itself allows async-unsafe ORM use for Playwright; a deployment must not.
    skipped = variables_read_by_settings() | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in skipped}
    env.update(DJANGO_SETTINGS_MODULE="sistercities.settings", VAR_DIR=str(tmp_path), **variables)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_django(code: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    return run_python(["-c", "import django\ndjango.setup()\n" + code], tmp_path, **variables)


def settings_value(name: str, tmp_path: Path, **variables: str) -> object:
    result = run_django(
        f"import json; from django.conf import settings; print(json.dumps(settings.{name}))",
        tmp_path,
        **variables,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Start-up


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_django("", tmp_path, DEBUG="false", ALLOWED_HOSTS="portal.example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = run_django("", tmp_path, DEBUG="false", SECRET_KEY=PRODUCTION["SECRET_KEY"])

    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set." in result.stderr


def test_debug_must_be_true_or_false(tmp_path: Path) -> None:
    result = run_django("", tmp_path, DEBUG="maybe")

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be true or false, not 'maybe'." in result.stderr


def test_production_settings_pass_every_deployment_check(tmp_path: Path) -> None:
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_development_mailer_fails_the_deployment_check(tmp_path: Path) -> None:
    result = run_python(
        ["manage.py", "check", "--deploy"],
        tmp_path,
        **PRODUCTION,
        EMAIL_URL=f"file://{tmp_path}/mail",
    )

    assert result.returncode != 0
    assert "mail.E001" in result.stderr


def test_env_example_lists_every_variable_the_settings_read() -> None:
    example = (PROJECT_DIR / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))

    assert variables_read_by_settings() - listed == set()


# Mail


def test_an_smtp_url_gives_an_smtp_mailer_with_its_options() -> None:
    mailer = mailer_from_url("smtp://u:p@mail.example.org:587/?tls=1")

    assert mailer == {
        "BACKEND": SMTP,
        "OPTIONS": {
            "host": "mail.example.org",
            "port": 587,
            "username": "u",
            "password": "p",
            "use_tls": True,
            "use_ssl": False,
            "timeout": 20,
        },
    }


def test_an_smtps_url_uses_ssl_on_port_465_and_unquotes_the_login() -> None:
    mailer = mailer_from_url(
        "smtps://membership%40example.org:p%3As%2Fs@mail.example.org?timeout=5"
    )

    assert mailer["OPTIONS"] == {
        "host": "mail.example.org",
        "port": 465,
        "username": "membership@example.org",
        "password": "p:s/s",
        "use_tls": False,
        "use_ssl": True,
        "timeout": 5,
    }


def test_a_file_url_writes_mail_to_that_folder() -> None:
    assert mailer_from_url("file:///srv/portal/mail") == {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": "/srv/portal/mail"},
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "ftp://mail.example.org",
            "EMAIL_URL scheme 'ftp' is not one of smtp, smtps, file, console",
        ),
        ("mail.example.org", "EMAIL_URL scheme '' is not one of smtp, smtps, file, console"),
        ("smtp://mail.example.org/?tls=1&ssl=1", "STARTTLS (tls) or SSL (smtps / ssl), not both"),
        ("smtps://mail.example.org/?tls=1", "STARTTLS (tls) or SSL (smtps / ssl), not both"),
        ("smtp://mail.example.org:99999", "EMAIL_URL has an invalid port"),
        ("smtp://mail.example.org/?tls=maybe", "EMAIL_URL option tls= must be 1 or 0, not 'maybe'"),
        ("smtp://mail.example.org/?timeout=soon", "timeout= must be whole seconds, not 'soon'"),
        ("file://var/mail", "EMAIL_URL file: needs an absolute folder"),
    ],
)
def test_a_bad_email_url_is_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        mailer_from_url(url)


def test_without_mail_settings_development_writes_each_message_under_var_mail(
    tmp_path: Path,
) -> None:
    result = run_django(
        "from django.core.mail import send_mail\n"
        "send_mail('Your membership', 'Welcome.', None, ['mayor@example.org'])",
        tmp_path,
    )

    assert result.returncode == 0, result.stderr
    [message] = (tmp_path / "mail").iterdir()
    text = message.read_text(encoding="utf-8")
    assert "Subject: Your membership" in text
    assert "To: mayor@example.org" in text


def test_without_mail_settings_production_sends_through_smtp_on_localhost(tmp_path: Path) -> None:
    mailers = settings_value("MAILERS", tmp_path, **PRODUCTION)

    assert mailers == {
        "default": {
            "BACKEND": SMTP,
            "OPTIONS": {
                "host": "localhost",
                "port": 25,
                "username": "",
                "password": "",
                "use_tls": False,
                "use_ssl": False,
                "timeout": 20,
            },
        }
    }


def test_the_usual_email_variables_configure_smtp(tmp_path: Path) -> None:
    mailers = settings_value(
        "MAILERS",
        tmp_path,
        EMAIL_HOST="mail.example.org",
        EMAIL_HOST_USER="portal",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="true",
    )

    assert mailers == {
        "default": {
            "BACKEND": SMTP,
            "OPTIONS": {
                "host": "mail.example.org",
                "port": 587,
                "username": "portal",
                "password": "s3cret",
                "use_tls": True,
                "use_ssl": False,
                "timeout": 20,
            },
        }
    }


def test_email_url_and_email_host_together_are_refused(tmp_path: Path) -> None:
    result = run_django(
        "",
        tmp_path,
        EMAIL_URL="smtp://mail.example.org",
        EMAIL_HOST="other.example.org",
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set EMAIL_URL or EMAIL_HOST, not both." in result.stderr


# Celery


def test_without_redis_tasks_run_in_process(tmp_path: Path) -> None:
    assert settings_value("CELERY_TASK_ALWAYS_EAGER", tmp_path) is True


def test_with_redis_tasks_go_to_the_broker(tmp_path: Path) -> None:
    assert (
        settings_value("CELERY_TASK_ALWAYS_EAGER", tmp_path, REDIS_URL="redis://r:6379/0") is False
    )


# Security headers


def assert_protective_headers(headers: dict[str, str]) -> None:
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_pages_carry_the_protective_headers_in_development(client: Client) -> None:
    response = client.get("/healthz")

    assert_protective_headers(dict(response.headers))


def test_production_adds_https_only_protections(tmp_path: Path) -> None:
    code = """
import json
from django.test import Client
client = Client(HTTP_HOST="portal.example.org")
secure = client.get("/healthz", secure=True)
plain_page = client.get("/directory/")
plain_health = client.get("/healthz")
print(json.dumps({
    "secure": [secure.status_code, dict(secure.headers)],
    "plain_page": [plain_page.status_code, plain_page.get("Location")],
    "plain_health": plain_health.status_code,
}))
"""
    result = run_django(code, tmp_path, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    status, headers = seen["secure"]
    assert status == 200
    assert_protective_headers(headers)
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["plain_page"] == [301, "https://portal.example.org/directory/"]
    # Load balancers probe over plain HTTP.
    assert seen["plain_health"] == 200


# Countries


def test_every_country_of_the_reference_data_has_a_name() -> None:
    codes = {city.country for city in read_cities().values()}

    assert {code for code in codes if not countries.name(code)} == set()
