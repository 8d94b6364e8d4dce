"""Every page, with realistic data and for each kind of user, has no axe-core WCAG 2.1 AA violation."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from membership.demo import build_demo
from tests.quality.pages import build_pages, user_for

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _session_cookie(persona: str, live_server_url: str) -> list[dict[str, str]]:
    user = user_for(persona)
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server_url,
        }
    ]


def _format(page_name: str, path: str, violations: list[dict]) -> str:
    lines = [f"{page_name} ({path}):"]
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        lines.append(
            f"  {violation['id']} [{violation['impact']}]: {violation['help']} at {targets}"
        )
    return "\n".join(lines)


def test_no_page_has_accessibility_violations(browser, live_server) -> None:
    if not AXE.exists():
        pytest.fail(
            "axe-core is missing: run `npm install --no-audit --no-fund` in the project folder (make test does)."
        )
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    build_demo(members=12, today=timezone.localdate())
    failures = []
    contexts = {}
    for page_spec in build_pages():
        if page_spec.persona not in contexts:
            # CSP forbids injected scripts, rightly; axe is injected past it, for the check only.
            context = browser.new_context(bypass_csp=True)
            context.add_cookies(_session_cookie(page_spec.persona, live_server.url))
            contexts[page_spec.persona] = context
        page = contexts[page_spec.persona].new_page()
        page.goto(live_server.url + page_spec.path)
        if page_spec.post:
            for name, value in page_spec.post.items():
                page.fill(f"[name='{name}']", value)
            # The button of the form that holds the fields (a page may have several forms).
            first = next(iter(page_spec.post))
            page.locator(f"main form:has([name='{first}']) [type=submit]").first.click()
            page.wait_for_load_state()
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
        )
        if result["violations"]:
            failures.append(_format(page_spec.name, page_spec.path, result["violations"]))
        page.close()
    for context in contexts.values():
        context.close()
    assert not failures, "axe-core found WCAG 2.1 AA violations:\n" + "\n".join(failures)
