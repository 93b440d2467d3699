"""The customer half of the 321 demo tenant: the agreements library, its folders, and the register list."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from m365_compliance.sandbox.demo_people import CUSTOMERS, EMPLOYEES
from m365_compliance.sandbox.model import Column, Drive, Item
from m365_compliance.sandbox.tenant import Tenant

DOMAIN = "tretoen.no"
REGISTER = "Avtaleregister"
UNKNOWN_CONTACT = "ukjent.person@eksempel.no"
REGISTER_COLUMNS = [
    Column("Title", "Kunde", "text"), Column("AvtaleId", "Avtale-ID", "text"),
    Column("Startdato", "Startdato", "date"), Column("Sluttdato", "Sluttdato", "date"),
    Column("Kontaktpersoner", "Kontaktpersoner", "personMulti"), Column("KontaktEpost", "Kontakt e-post", "text"),
    Column("Databehandleravtale", "Databehandleravtale", "text"),
    Column("SlettingEtterDager", "Sletting etter (dager)", "number"),
    Column("LagretEtterAvtale", "Lagret etter avtale", "boolean"), Column("Mappe", "Mappe", "text"),
]


def build_customers(t: Tenant, users: dict[str, str], groups: dict[str, str], rng: random.Random):  # type: ignore[no-untyped-def]
    """Returns (drive, register list id, customers, strays, statutory, record-labelled, special rows)."""
    from m365_compliance.sandbox.demo import (
        DUPLICATE_OF,
        ENDED,
        FOLDERLESS_CUSTOMER,
        RECORD_LABEL,
        RECORD_LABELLED,
        UNREGISTERED_FOLDER,
        CustomerTruth,
        StrayAccess,
    )

    it_admin = users[f"it-admin@{DOMAIN}"]
    site = t.add_site("kunder", "Kunder", owners=[it_admin], members=[groups["management"], groups["sales"]],
                      created=datetime(2016, 1, 4, 9, tzinfo=UTC))
    drive = t.add_drive(site, "Avtaler", created=site.created)
    _allowed_root(t, drive, groups)
    register = t.add_list(site, REGISTER, list(REGISTER_COLUMNS))
    consultants = [users[f"{local}@{DOMAIN}"] for _, local, role in EMPLOYEES if role == "consultant"]
    today = t.clock.date()
    customers, statutory, records = [], {}, []
    rows = {"folderless": 0, "duplicate": 0, "unknown": 0}
    folders: dict[int, Item] = {}
    for n, name in enumerate(CUSTOMERS):
        start = date(2016 + n % 9, 1 + (n * 5) % 12, 1)
        ended = (today - timedelta(days=1) if ENDED[n] is None else ENDED[n]) if n in ENDED else None
        contacts = [consultants[n % len(consultants)]]
        if n % 3 == 0:
            slug = name.split()[0].lower().replace("ø", "o").replace("å", "a").replace("æ", "ae")
            contacts.append(t.add_user(f"Kontakt {name}", f"kontakt@{slug}.no", guest=True).id)
        fields = {"Title": name, "AvtaleId": f"321-{start.year}-{n + 1:03}", "Startdato": start.isoformat(),
                  "Kontaktpersoner": contacts, "Databehandleravtale": f"DBA-{n + 1:03}", "SlettingEtterDager": 90,
                  "LagretEtterAvtale": n % 4 == 0, "Mappe": name}
        if ended is not None:
            fields["Sluttdato"] = ended.isoformat()
        if n == 3:
            fields["KontaktEpost"] = UNKNOWN_CONTACT
        row = t.add_list_item(register, fields)
        row_ids = [row.id]
        if n == 3:
            rows["unknown"] = row.id
        if n == DUPLICATE_OF:
            rows["duplicate"] = t.add_list_item(register, dict(fields)).id
            row_ids.append(rows["duplicate"])
        if n == FOLDERLESS_CUSTOMER:
            rows["folderless"] = row.id
            customers.append(CustomerTruth(name, None, tuple(row_ids), ended, tuple(contacts)))
            continue
        folder = _customer_folder(t, drive, name, start, ended or today, groups, contacts, it_admin, n, statutory)
        folders[n] = folder
        if n in RECORD_LABELLED:
            signed = next(drive.items[c] for c in folder.children or {} if drive.items[c].name == "Avtale signert.pdf")
            t.set_label(signed, RECORD_LABEL)
            records.append(signed.id)
        customers.append(CustomerTruth(name, folder.id, tuple(row_ids), ended, tuple(contacts)))
    old = t.add_folder(drive, None, UNREGISTERED_FOLDER, created=datetime(2018, 3, 1, 10, tzinfo=UTC),
                       created_by=it_admin)
    for k in range(2):
        t.add_file(drive, old, f"Notat {k + 1}.docx", created=datetime(2018, 3, 2 + k, 10, tzinfo=UTC))
    strays = _customer_strays(t, drive, folders, consultants, customers, StrayAccess)
    return drive, register.id, customers, strays, statutory, records, rows


def _allowed_root(t: Tenant, drive: Drive, groups: dict[str, str]) -> None:
    """The library root keeps its Owners site group and gives management and sales directly."""
    root = drive.items[drive.root_id]
    for site_group in ("5", "4"):
        t.remove_grant(root, site_group)
    t.grant(root, ("write",), group_id=groups["management"])
    t.grant(root, ("write",), group_id=groups["sales"])


def _customer_folder(t: Tenant, drive: Drive, name: str, start: date, until: date, groups: dict[str, str],
                     contacts: list[str], author: str, n: int, statutory: dict[str, str]) -> Item:
    created = datetime.combine(start, time(9), UTC)
    folder = t.add_folder(drive, None, name, created=created, created_by=author)
    t.break_inheritance(folder, copy=False)
    t.grant(folder, ("owner",), site_group_id="3")
    t.grant(folder, ("write",), group_id=groups["management"])
    t.grant(folder, ("write",), group_id=groups["sales"])
    for contact in contacts:
        t.grant(folder, ("write",), user_id=contact)
    span = max(1, (until - start).days)

    def at(share: float) -> datetime:
        return created + timedelta(days=int(span * share))

    t.add_file(drive, folder, f"Tilbud {start.year}.docx", created=at(0.0), created_by=author)
    signed = t.add_file(drive, folder, "Avtale signert.pdf", created=at(0.02), created_by=author)
    statutory[signed.id] = "secondary"
    for k, share in enumerate((0.3, 0.8)):
        when = at(share)
        invoice = t.add_file(drive, folder, f"Faktura {when.year}-{n * 10 + k + 1:03}.pdf", created=when)
        statutory[invoice.id] = "primary"
    notes = t.add_folder(drive, folder, "Møtenotater", created=at(0.1))
    for k, share in enumerate((0.1, 0.6)):
        t.add_file(drive, notes, f"Møte {k + 1} {at(share):%Y-%m-%d}.docx", created=at(share))
    if n % 3 == 0:
        vouchers = t.add_folder(drive, folder, "Bilag", created=at(0.3))
        for k, share in enumerate((0.3, 0.9)):
            voucher = t.add_file(drive, vouchers, f"Bilag {k + 1}.pdf", created=at(share))
            statutory[voucher.id] = "primary"
    return folder


def _customer_strays(t: Tenant, drive: Drive, folders: dict[int, Item], consultants: list[str],
                     customers: list, stray_type: type) -> list:  # type: ignore[type-arg]
    outsider = next(c for c in consultants if c not in customers[2].contacts)
    t.grant(folders[2], ("read",), user_id=outsider)
    offer = next(drive.items[c] for c in folders[5].children or {} if drive.items[c].name.startswith("Tilbud"))
    t.add_link(offer, "organization", "view")
    notes = next(drive.items[c] for c in folders[8].children or {} if drive.items[c].name == "Møtenotater")
    link = t.add_link(notes, "anonymous", "view")
    return [
        stray_type("customers", folders[2].id, "consultant", outsider),
        stray_type("customers", offer.id, "organization-link", None),
        stray_type("customers", notes.id, "anonymous-link", link.id),
    ]
