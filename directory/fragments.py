"""Rendered HTML that is the same for every visitor, cached under keys made from what it shows.

A key is a digest of every value the fragment displays, of the active language and of the code
that renders it (templates, app code, translations). Any change to a member, even one made with
`QuerySet.update()` or `bulk_create()`, or a deploy that changes a template, gives a new key, so
a cached fragment is never stale and nothing needs invalidating. Entries expire only to free
space: an unused key is never asked for again.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from membership.models import Community

FRAGMENT_TIMEOUT = 60 * 60 * 24
MEMBER_CARD_TEMPLATE = "includes/member_card.html"

# What a fragment's HTML can depend on besides its data: a deploy changing any of these files or
# packages gives every fragment a new key.
_CODE_GLOBS = (
    "templates/**/*.html",
    "directory/**/*.py",
    "membership/**/*.py",
    "sistercities/settings.py",
    "locale/**/*.mo",
)
_PACKAGES = ("django", "django-countries")


@functools.cache
def code_version() -> str:
    """A digest of the templates, code and translations that render fragments, read once."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for pattern in _CODE_GLOBS:
        for path in sorted(base.glob(pattern)):
            if "migrations" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    for package in _PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


def fragment_key(kind: str, *content: object) -> str:
    """The cache key of a fragment showing `content` (plain values) in the active language."""
    source = repr((code_version(), get_language(), content)).encode()
    return f"fragment:{kind}:{hashlib.sha256(source).hexdigest()}"


def _member_card_content(community: Community) -> tuple[object, ...]:
    """Everything a member card shows; its class name and partnership count are annotations."""
    return (
        community.slug,
        community.name,
        community.native_name,
        community.native_script,
        community.country.code,
        community.region,
        community.population,
        getattr(community, "class_name", None),
        getattr(community, "partnership_count", None),
    )


def member_cards(communities: Iterable[Community]) -> list[SafeString]:
    """The directory's card of each community, in order: cached ones in one round trip."""
    keyed = [
        (fragment_key("member-card", *_member_card_content(community)), community)
        for community in communities
    ]
    cached = cache.get_many([key for key, _ in keyed])
    rendered = {
        key: render_to_string(MEMBER_CARD_TEMPLATE, {"community": community})
        for key, community in keyed
        if key not in cached
    }
    if rendered:
        cache.set_many(rendered, FRAGMENT_TIMEOUT)
    # Our own template's output, escaped when it was rendered.
    return [mark_safe(cached[key] if key in cached else rendered[key]) for key, _ in keyed]  # noqa: S308
