"""The customer half of the 321 demo tenant: the agreements library, its folders, and the register list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from m365_compliance.sandbox.demo_manifest import CustomerTruth, StrayAccess
from m365_compliance.sandbox.demo_people import (
    CUSTOMERS,
    EMPLOYEES,
    FIRST_NAMES,
    LAST_NAMES,
    RECORD_LABEL,
    document_text,
    mail_local,
)
from m365_compliance.sandbox.model import Column, Drive, Item
from m365_compliance.sandbox.tenant import Tenant

DOMAIN = "tretoen.no"
REGISTER = "Avtaleregister"
UNKNOWN_CONTACT = "ukjent.person@loten-trelast.example"
ENDED = {1: date(2019, 6, 30), 4: date(2021, 12, 31), 7: date(2024, 3, 31), 10: date(2024, 8, 31),
         13: date(2025, 10, 31), 16: None}  # customer index → end date; None = ended yesterday
FOLDERLESS_CUSTOMER = 19  # a register row without a folder
UNREGISTERED_FOLDER = "Gamle Kunde AS"  # a folder without a register row
DUPLICATE_OF = 0  # this customer's row appears twice
UNKNOWN_CONTACT_OF = 3  # this customer's row names a contact e-mail that is no tenant user
RECORD_LABELLED = {1, 4}  # ended customers whose signed agreement is a record
REGISTER_COLUMNS = [
    Column("Title", "Kunde", "text"), Column("AvtaleId", "Avtale-ID", "text"),
    Column("Startdato", "Startdato", "date"), Column("Sluttdato", "Sluttdato", "date"),
    Column("Kontaktpersoner", "Kontaktpersoner", "personMulti"), Column("KontaktEpost", "Kontakt e-post", "text"),
    Column("Databehandleravtale", "Databehandleravtale", "text"),
    Column("SlettingEtterDager", "Sletting etter (dager)", "number"),
    Column("LagretEtterAvtale", "Lagret etter avtale", "boolean"), Column("Mappe", "Mappe", "text"),
]


@dataclass
class CustomerSide:
    """What :func:`build_customers` made, for the manifest."""

    drive: Drive
    register_id: str
    customers: list[CustomerTruth] = field(default_factory=list)
    strays: list[StrayAccess] = field(default_factory=list)
    statutory: dict[str, str] = field(default_factory=dict)  # item id → "primary" | "secondary"
    records: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=lambda: {"folderless": 0, "duplicate": 0, "unknown": 0})


def build_customers(t: Tenant, users: dict[str, str], groups: dict[str, str]) -> CustomerSide:
    """The Kunder site: one folder per customer, the register list with its seeded anomalies, strays."""
    it_admin = users[f"it-admin@{DOMAIN}"]
    site = t.add_site("kunder", "Kunder", owners=[it_admin], members=[groups["management"], groups["sales"]],
                      created=datetime(2016, 1, 4, 9, tzinfo=UTC))
    drive = t.add_drive(site, "Avtaler", created=site.created)
    _allowed_root(t, drive, groups)
    register = t.add_list(site, REGISTER, list(REGISTER_COLUMNS))
    consultants = [users[f"{local}@{DOMAIN}"] for _, local, role in EMPLOYEES if role == "consultant"]
    today = t.clock.date()
    side = CustomerSide(drive, register.id)
    customers, statutory, records, rows = side.customers, side.statutory, side.records, side.rows
    folders: dict[int, Item] = {}
    for n, name in enumerate(CUSTOMERS):
        start = date(2016 + n % 9, 1 + (n * 5) % 12, 1)
        ended = (today - timedelta(days=1) if ENDED[n] is None else ENDED[n]) if n in ENDED else None
        contacts = [consultants[n % len(consultants)]]
        if n % 3 == 0:
            contacts.append(_guest_contact(t, n, name))
        fields = {"Title": name, "AvtaleId": f"321-{start.year}-{n + 1:03}", "Startdato": start.isoformat(),
                  "Kontaktpersoner": contacts, "Databehandleravtale": f"DBA-{n + 1:03}", "SlettingEtterDager": 90,
                  "LagretEtterAvtale": n % 4 == 0, "Mappe": name}
        if ended is not None:
            fields["Sluttdato"] = ended.isoformat()
        if n == UNKNOWN_CONTACT_OF:
            fields["KontaktEpost"] = UNKNOWN_CONTACT
        row = t.add_list_item(register, fields)
        row_ids = [row.id]
        if n == UNKNOWN_CONTACT_OF:
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
    side.strays = _customer_strays(t, drive, folders, consultants, customers)
    return side


def _guest_contact(t: Tenant, n: int, customer: str) -> str:
    """The customer's contact person as a guest, at a reserved ``.example`` domain so no address is real."""
    first, last = FIRST_NAMES[(n * 7 + 4) % len(FIRST_NAMES)], LAST_NAMES[(n * 3 + 11) % len(LAST_NAMES)]
    company = customer.removesuffix(" ASA").removesuffix(" AS").removesuffix(" SA")
    domain = f"{mail_local(company)}.example"
    mail = mail_local(f"{first}.{last}")
    return t.add_user(f"{first} {last} ({company})", f"{mail}@{domain}", guest=True).id


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

    def text(title: str) -> bytes:
        return document_text(title, name)

    t.add_file(drive, folder, f"Tilbud {start.year}.docx", created=at(0.0), created_by=author,
               content=text(f"Tilbud {start.year}"))
    signed = t.add_file(drive, folder, "Avtale signert.pdf", created=at(0.02), created_by=author,
                        content=text("Avtale signert"))
    statutory[signed.id] = "secondary"
    for k, share in enumerate((0.3, 0.8)):
        when = at(share)
        invoice = t.add_file(drive, folder, f"Faktura {when.year}-{n * 10 + k + 1:03}.pdf", created=when,
                             content=text(f"Faktura {when.year}-{n * 10 + k + 1:03}"))
        statutory[invoice.id] = "primary"
    notes = t.add_folder(drive, folder, "Møtenotater", created=at(0.1))
    for k, share in enumerate((0.1, 0.6)):
        t.add_file(drive, notes, f"Møte {k + 1} {at(share):%Y-%m-%d}.docx", created=at(share),
                   content=text(f"Møtenotat {k + 1}"))
    if n % 3 == 0:
        vouchers = t.add_folder(drive, folder, "Bilag", created=at(0.3))
        for k, share in enumerate((0.3, 0.9)):
            voucher = t.add_file(drive, vouchers, f"Bilag {k + 1}.pdf", created=at(share), content=text(f"Bilag {k + 1}"))
            statutory[voucher.id] = "primary"
    return folder


def _customer_strays(t: Tenant, drive: Drive, folders: dict[int, Item], consultants: list[str],
                     customers: list[CustomerTruth]) -> list[StrayAccess]:
    outsider = next(c for c in consultants if c not in customers[2].contacts)
    direct = t.grant(folders[2], ("read",), user_id=outsider)
    offer = next(drive.items[c] for c in folders[5].children or {} if drive.items[c].name.startswith("Tilbud"))
    organization = t.add_link(offer, "organization", "view")
    notes = next(drive.items[c] for c in folders[8].children or {} if drive.items[c].name == "Møtenotater")
    anonymous = t.add_link(notes, "anonymous", "view")
    return [
        StrayAccess("customers", folders[2].id, "consultant", outsider, grant_id=direct.id),
        StrayAccess("customers", offer.id, "organization-link", None, grant_id=organization.id,
                    link_scope="organization"),
        StrayAccess("customers", notes.id, "anonymous-link", None, grant_id=anonymous.id, link_scope="anonymous"),
    ]
