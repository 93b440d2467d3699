"""A small search index over the sandbox's drive items: what ``POST /search/query`` finds.

Microsoft Search takes KQL (``search-concept-files.md``); the sandbox understands the part a
data-subject search needs: terms (bare words or ``"quoted phrases"``) joined by ``OR``, where the
terms of one alternative must all match (KQL's implicit ``AND``; an explicit ``AND`` is the same).
A term matches an item when it occurs, case-insensitively, in the item's name, its path, the
display name or mail of whoever created or last modified it, a text column value, or the text of a
file given with ``content``. Property restrictions (``filetype:docx``) are read as plain terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from m365_compliance.sandbox.model import Item

if TYPE_CHECKING:
    from m365_compliance.sandbox.tenant import Tenant

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def parse_query(text: str) -> tuple[tuple[str, ...], ...]:
    """``a "b c" OR d`` → ``(("a", "b c"), ("d",))``: alternatives of lower-case terms."""
    alternatives: list[tuple[str, ...]] = []
    current: list[str] = []
    for phrase, word in _TOKEN.findall(text):
        if not phrase and word in ("OR", "AND"):
            if word == "OR" and current:
                alternatives.append(tuple(current))
                current = []
            continue
        term = (phrase or word).strip().lower()
        if term:
            current.append(term)
    if current:
        alternatives.append(tuple(current))
    return tuple(alternatives)


def search_terms(alternatives: tuple[tuple[str, ...], ...]) -> list[str]:
    """Every distinct term, for the response's ``searchTerms``."""
    return list(dict.fromkeys(t for alternative in alternatives for t in alternative))


def search(tenant: Tenant, alternatives: tuple[tuple[str, ...], ...]) -> Iterator[Item]:
    """Live items (library roots excluded) of every site the app may read, in library order, that match."""
    if not alternatives:
        return
    for drive in tenant.drives.values():
        if drive.site_id in tenant.access.denied_sites:
            continue
        for item in tenant.walk(drive):
            if item.parent_id is None:
                continue
            text = _haystack(tenant, item)
            if any(all(term in text for term in alternative) for alternative in alternatives):
                yield item


def _haystack(tenant: Tenant, item: Item) -> str:
    parts = [item.name, tenant.path_of(item)]
    for who in (item.created_by, item.modified_by):
        user = tenant.users.get(who)
        if user is not None:
            parts += [user.display_name, user.mail]
    parts += [v for v in (item.fields or {}).values() if isinstance(v, str)]
    if item.content is not None:
        parts.append(item.content.decode("utf-8", errors="ignore"))
    return "\n".join(parts).lower()
