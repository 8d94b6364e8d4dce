"""Rendered HTML that is the same for every visitor, cached under keys made from what it shows.

Two caches, both in this process, so a deploy (which restarts it) can never serve HTML of the
old templates, and both bounded, so no query string can grow them without limit:

- Whole page blocks, under the version of the directory's data (`ChangeStamp`), today's date
  (memberships start and end by date), the language and what the request asked for. Any change
  to a community, membership, class or partnership, even by `bulk_create()` or
  `QuerySet.update()`, gives a new version, so the next request renders afresh.
- Member cards, under every value the card shows, so a page rendered afresh reuses the cards of
  members that did not change.

With DEBUG on (development) nothing is cached, so an edited template shows at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from directory.models import ChangeStamp
from membership.models import Community

MEMBER_CARD_TEMPLATE = "includes/member_card.html"

_blocks = LocMemCache("directory-blocks", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 500}})
_cards = LocMemCache("directory-cards", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 5_000}})


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_blocks(
    view: str, *, vary_on: tuple[object, ...], render: Callable[[], Mapping[str, str]]
) -> dict[str, SafeString]:
    """A page's blocks from `render()`, or as rendered for the same data version and request.

    The version is read before `render()` runs its queries, so what is stored under a version
    is never older than that version. `vary_on` holds everything else the blocks depend on
    (the query string, a slug...); the blocks must not depend on the user.
    """
    if settings.DEBUG:
        return _safe(render())
    version = ChangeStamp.objects.version()
    if version is None:
        return _safe(render())
    key = _key(version, timezone.localdate(), get_language(), get_script_prefix(), view, vary_on)
    blocks = _blocks.get(key)
    if blocks is None:
        blocks = dict(render())
        _blocks.set(key, blocks)
    return _safe(blocks)


def render_blocks(template: str, names: Iterable[str], context: dict[str, Any]) -> dict[str, str]:
    """Render the named partials of `template` (`{% partialdef %}`) without the request.

    Without the request no context processor runs, so nothing about the visitor can slip into
    a block that is cached for everyone.
    """
    return {name: render_to_string(f"{template}#{name}", context) for name in names}


def member_cards(communities: Iterable[Community]) -> list[SafeString]:
    """The directory's card of each community, in order, rendering only cards not yet seen."""
    keyed = [(_member_card_key(community), community) for community in communities]
    cached = {} if settings.DEBUG else _cards.get_many([key for key, _ in keyed])
    rendered = {
        key: render_to_string(MEMBER_CARD_TEMPLATE, {"community": community})
        for key, community in keyed
        if key not in cached
    }
    if not settings.DEBUG:
        _cards.set_many(rendered)
    return [_safe_html(cached[key] if key in cached else rendered[key]) for key, _ in keyed]


def _member_card_key(community: Community) -> str:
    """Every value a member card shows; class name and partnership count are annotations."""
    return _key(
        get_language(),
        get_script_prefix(),
        community.slug,
        community.name,
        community.native_name,
        community.native_script,
        community.country_info.code,
        community.region,
        community.population,
        getattr(community, "class_name", None),
        getattr(community, "partnership_count", None),
    )


def _safe_html(html: str) -> SafeString:
    # Only ever our own templates' output, escaped when it was rendered.
    return mark_safe(html)  # noqa: S308  # nosec


def _safe(blocks: Mapping[str, str]) -> dict[str, SafeString]:
    return {name: _safe_html(html) for name, html in blocks.items()}
