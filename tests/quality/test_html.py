"""Every page's HTML, as served, passes the Nu HTML Checker with zero errors."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from membership.demo import build_demo
from tests.quality.pages import build_pages, user_for

# The current Nu HTML Checker, from the npm registry (package.json pins it; make test installs it).
VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _client_for(persona: str) -> Client:
    client = Client()
    user = user_for(persona)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_every_page_is_valid_html(tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "The Nu HTML Checker needs Java: apt-get install -y --no-install-recommends default-jre-headless"
        )
    build_demo(members=12, today=timezone.localdate())
    pages_dir = tmp_path / "pages"
    pages_dir.mkdir()
    clients: dict[str, Client] = {}
    for number, page in enumerate(build_pages()):
        client = clients.setdefault(page.persona, _client_for(page.persona))
        response = client.post(page.path, page.post) if page.post else client.get(page.path)
        assert response.status_code == page.status, (
            f"{page.name}: {page.path} gave {response.status_code}"
        )
        slug = re.sub(r"[^a-z0-9]+", "-", page.name.lower())
        (pages_dir / f"{number:02d}-{slug}.html").write_bytes(response.content)

    result = subprocess.run(  # noqa: S603 - our own validator on our own files
        [java, "-jar", str(VNU), "--skip-non-html", "--errors-only", str(pages_dir)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"The Nu HTML Checker found errors:\n{report}"
