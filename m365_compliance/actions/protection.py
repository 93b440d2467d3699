"""What keeps an item from being deleted, and what of a folder may still go when something in it must stay.

Three things protect an item: a statutory hold (C6) lasting past today, a retention label that keeps
it (a record, locked or not, a regulatory record, or a label that forbids deletion), and a label
that could not be read (unknown is never "unprotected"). A folder with a protected item inside is
not deleted whole — SharePoint would refuse, and the protected item must stay anyway — but what
is not protected in it is: each largest subtree without a protected item becomes one deletion
(guarded by its own eTags), and the folders on the way to a protected item stay. The nightly plan
and a data-subject erasure split folders the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from m365_compliance.actions.labels import LabelReading
from m365_compliance.actions.plan_model import SkipCode
from m365_compliance.inventory.snapshot import ScopeSnapshot
from m365_compliance.model import DriveItem


@dataclass(frozen=True, slots=True)
class Protected:
    code: SkipCode  # statutory_hold, record_label, retention_label, label_unknown
    reason: str  # ids, label names and dates only
    keep_until: date | None = None


@dataclass(frozen=True)
class Split:
    """What a deletion of one item may remove: ``parts`` go, ``kept`` stay with their reason, and
    ``holding`` are the folders that stay because something below them is kept. ``kept`` lists the topmost
    protected items only (what lies below one stays with it)."""

    parts: tuple[DriveItem, ...]
    kept: tuple[tuple[DriveItem, Protected], ...]
    holding: tuple[DriveItem, ...]

    @property
    def whole(self) -> bool:
        return not self.kept


HoldOf = Callable[[DriveItem], Protected | None]


class Protections:
    """``hold_of`` says whether bookkeeping law keeps an item; ``labels`` are the labels read before planning."""

    def __init__(self, hold_of: HoldOf, labels: LabelReading) -> None:
        self._hold_of = hold_of
        self._labels = labels

    def of(self, node: DriveItem) -> Protected | None:
        held = self._hold_of(node)
        if held is not None:
            return held
        if not self._labels.known(node) and node.label is None:
            return Protected("label_unknown", f"The retention label of item {node.id} could not be read "
                                              f"({self._labels.failure(node)}): nothing is deleted whose label is "
                                              "unknown.")
        label = self._labels.label(node)
        if label is None or not label.protects:
            return None
        code: SkipCode = "record_label" if label.is_record or label.behavior == "retainAsRegulatoryRecord" \
            else "retention_label"
        return Protected(code, f"Item {node.id} carries the retention label '{label.name}' ({label.kind}), "
                               "which keeps it: never deleted.")

    def split(self, scope: ScopeSnapshot, item: DriveItem) -> Split:
        """``item`` whole when nothing in it is protected; else its largest unprotected subtrees."""
        protected = [(n, p) for n in (item, *scope.descendants(item.id)) if (p := self.of(n)) is not None]
        if not protected:
            return Split((item,), (), ())
        ids = {n.id for n, _ in protected}
        # Only the topmost: what lies below a kept item stays with it.
        kept = [(n, p) for n, p in protected if not any(a.id in ids for a in _up_to(scope, n, item))]
        holding_ids: set[str] = set()
        for node, _ in kept:
            holding_ids.update(a.id for a in _up_to(scope, node, item))
        parts: list[DriveItem] = []
        kept_ids = {n.id for n, _ in kept}
        stack = [item]
        while stack:
            node = stack.pop()
            if node.id in kept_ids:
                continue
            if node.id in holding_ids:
                stack.extend(scope.items[c] for c in reversed(scope.children(node.id)))
            else:
                parts.append(node)
        holding = tuple(n for n in (item, *scope.descendants(item.id)) if n.id in holding_ids)
        return Split(tuple(parts), tuple(kept), holding)


def _up_to(scope: ScopeSnapshot, node: DriveItem, top: DriveItem) -> list[DriveItem]:
    """The folders from ``node``'s parent up to ``top`` (inclusive) — the ones a kept ``node`` holds in place."""
    chain: list[DriveItem] = []
    for ancestor in scope.ancestors(node):
        chain.append(ancestor)
        if ancestor.id == top.id:
            return chain
    return chain if node.id != top.id else []
