"""Growing the demo tenant to 10k, 100k or 1M items, fast and without new violations.

Extra applicants are all well inside their 12 months; extra customer content sits in project trees
(2–5 folders deep, tens of files a folder) of running customers; about 2 % of the new items are
permission roots granted only to allowed principals. Items are added with O(1) tenant calls so a
million items take about a minute.
"""

from __future__ import annotations

import random
from datetime import timedelta

from m365_compliance.sandbox.demo_manifest import (
    ApplicantTruth,
    CustomerTruth,
    applicant_state,
)
from m365_compliance.sandbox.demo_people import (
    FILES_PER_APPLICANT,
    FIRST_NAMES,
    LAST_NAMES,
)
from m365_compliance.sandbox.model import Drive, Item
from m365_compliance.sandbox.tenant import Tenant

ROOT_SHARE = 0.02
RECRUITMENT_SHARE = 0.3


def grow(t: Tenant, rng: random.Random, items: int, *, rec_drive: Drive, cus_drive: Drive, groups: dict[str, str],
         customers: list[CustomerTruth], avoid: set[str]) -> list[ApplicantTruth]:
    """Add content until both libraries hold about ``items`` items; returns the applicants it added.

    ``avoid``: customer folders carrying a seeded stray grant — a new root below them would copy it."""
    have = len(rec_drive.items) + len(cus_drive.items)
    wanted = max(0, items - have)
    applicants = _grow_recruitment(t, rng, rec_drive, int(wanted * RECRUITMENT_SHARE), groups["recruiters"])
    running = [c.folder_id for c in customers
               if c.folder_id is not None and c.ended is None and c.folder_id not in avoid]
    _grow_customers(t, rng, cus_drive, wanted - int(wanted * RECRUITMENT_SHARE), running, groups["management"])
    return applicants


def _maybe_root(t: Tenant, rng: random.Random, folders: list[Item], group_id: str, budget: list[float]) -> None:
    """Keep permission roots at ~2 % of items: spend the budget accrued by the items added so far."""
    candidates = [f for f in folders if f.grants is None]
    rng.shuffle(candidates)
    while budget[0] >= 1.0 and candidates:
        budget[0] -= 1.0
        folder = candidates.pop()
        t.break_inheritance(folder)
        t.grant(folder, ("write",), group_id=group_id)


def _grow_recruitment(t: Tenant, rng: random.Random, drive: Drive, count: int,
                      recruiters: str) -> list[ApplicantTruth]:
    base = next(drive.items[c] for c in drive.items[drive.root_id].children or {} if drive.items[c].name == "Søkere")
    added, n, budget = 0, 0, [0.0]
    today = t.clock.date()
    applicants: list[ApplicantTruth] = []
    while added < count:
        n += 1
        before = added
        applied = t.clock - timedelta(days=rng.randint(0, 330))
        name = f"{FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]} {LAST_NAMES[rng.randrange(len(LAST_NAMES))]} {n}"
        folder = t.add_folder(drive, base, f"{applied:%Y-%m} {name}", created=applied,
                              fields={"Soknadsdato": applied.date().isoformat(), "Ansatt": False})
        applicants.append(ApplicantTruth(folder.id, applied.date(), applied, False, folder.name,
                                         applicant_state(applied.date(), False, today)))
        added += 1
        for file_name in FILES_PER_APPLICANT[: rng.randint(3, 5)]:
            t.add_file(drive, folder, file_name, created=applied)
            added += 1
        if rng.random() < 0.3:
            interview = t.add_folder(drive, folder, "Intervju", created=applied)
            added += 1
            for k in range(rng.randint(2, 6)):
                t.add_file(drive, interview, f"Notat {k + 1}.docx", created=applied)
                added += 1
        budget[0] += ROOT_SHARE * (added - before)
        _maybe_root(t, rng, [folder], recruiters, budget)
    return applicants


def _grow_customers(t: Tenant, rng: random.Random, drive: Drive, count: int, running: list[str],
                    management: str) -> None:
    if not running or count <= 0:
        return
    added, budget = 0, [0.0]
    project = 0
    while added < count:
        folder_id = running[project % len(running)]
        project += 1
        top = t.add_folder(drive, drive.items[folder_id], f"Prosjekt {project:05}")
        added += 1
        frontier = [top]
        depth = rng.randint(2, 5)
        for level in range(depth):
            next_level = []
            for parent in frontier:
                for k in range(rng.randint(1, 3) if level < depth - 1 else 0):
                    child = t.add_folder(drive, parent, f"Del {level + 1}.{k + 1}")
                    added += 1
                    next_level.append(child)
                    budget[0] += ROOT_SHARE
                for k in range(rng.randint(10, 40)):
                    t.add_file(drive, parent, f"Dokument {k + 1:03}.docx", size=rng.randint(10_000, 900_000))
                    added += 1
                    budget[0] += ROOT_SHARE
                if added >= count:
                    return
            _maybe_root(t, rng, [*frontier, *next_level], management, budget)
            frontier = next_level or frontier[:1]
