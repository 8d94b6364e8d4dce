"""Read a rendered page the way a user sees it: elements, their attributes and visible text.

Built on Django's own test HTML parser, so tests need no extra dependency.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from django.test.html import Element, parse_html


class _Response(Protocol):
    content: bytes


def parse(response: _Response) -> Element:
    return parse_html(response.content.decode())


def _walk(element: Element) -> Iterator[Element]:
    for child in element.children:
        if isinstance(child, Element):
            yield child
            yield from _walk(child)


def attr(element: Element, name: str) -> str | None:
    for key, value in element.attributes:
        if key == name:
            return value if value is not None else ""
    return None


def classes(element: Element) -> set[str]:
    return set((attr(element, "class") or "").split())


def find_all(
    root: Element, tag: str, *, css_class: str | None = None, **attrs: str
) -> list[Element]:
    """Elements named `tag` (any for "*") with the class and every attribute given (`for_`: for)."""
    wanted = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}
    return [
        element
        for element in _walk(root)
        if tag in ("*", element.name)
        and (css_class is None or css_class in classes(element))
        and all(attr(element, key) == value for key, value in wanted.items())
    ]


def find(root: Element, tag: str, *, css_class: str | None = None, **attrs: str) -> Element:
    """The one element matching; fails the test when there is none or more than one."""
    found = find_all(root, tag, css_class=css_class, **attrs)
    assert len(found) == 1, f"expected one <{tag}> {css_class or ''} {attrs}, found {len(found)}"
    return found[0]


_BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td",
    "th", "tr", "table", "section", "article", "header", "footer", "nav", "form", "label",
    "option", "select", "br", "main",
}  # fmt: skip


def text(element: Element) -> str:
    """The element's text with runs of whitespace folded to one space, as a browser shows it."""
    parts: list[str] = []

    def collect(node: Element | str) -> None:
        if isinstance(node, str):
            parts.append(node)
            return
        for child in node.children:
            collect(child)
        if node.name in _BLOCKS:
            parts.append(" ")

    collect(element)
    return " ".join("".join(parts).split())
