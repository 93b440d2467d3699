"""The fictional people and customers of the 321 demo tenant (nobody here is real)."""

from __future__ import annotations

EMPLOYEES: tuple[tuple[str, str, str], ...] = (
    # (display name, mail local part, role)
    ("Kari Nordmann", "kari.nordmann", "recruiter"),
    ("Jonas Berg", "jonas.berg", "recruiter"),
    ("Ingrid Haugen", "ingrid.haugen", "hr"),
    ("Ola Hansen", "ola.hansen", "management"),
    ("Marte Olsen", "marte.olsen", "management"),
    ("Per Larsen", "per.larsen", "management"),
    ("Sofie Johansen", "sofie.johansen", "sales"),
    ("Henrik Pedersen", "henrik.pedersen", "sales"),
    ("Nora Kristiansen", "nora.kristiansen", "sales"),
    ("Emil Andersen", "emil.andersen", "sales-east"),
    ("Ida Nilsen", "ida.nilsen", "consultant"),
    ("Magnus Eriksen", "magnus.eriksen", "consultant"),
    ("Thea Solberg", "thea.solberg", "consultant"),
    ("Lars Bakken", "lars.bakken", "consultant"),
    ("Emma Moen", "emma.moen", "consultant"),
    ("Sander Dahl", "sander.dahl", "consultant"),
    ("Maja Lie", "maja.lie", "consultant"),
    ("Jakob Strand", "jakob.strand", "consultant"),
    ("Ella Lund", "ella.lund", "consultant"),
    ("Tobias Holm", "tobias.holm", "consultant"),
    ("Vilde Berge", "vilde.berge", "consultant"),
    ("Kristian Ruud", "kristian.ruud", "consultant"),
    ("IT Admin", "it-admin", "it"),
)

FIRST_NAMES = ("Aksel", "Amalie", "Andreas", "Anna", "Benjamin", "Emilie", "Erik", "Frida", "Hedda", "Isak",
               "Johanne", "Kasper", "Linnea", "Mathias", "Mia", "Noah", "Oliver", "Pernille", "Sara", "Sigurd",
               "Solveig", "Tiril", "Vetle", "Aurora", "Filip", "Hanna", "Jenny", "Markus", "Ole", "Live")
LAST_NAMES = ("Aas", "Bakke", "Brekke", "Dahle", "Fossum", "Gundersen", "Hagen", "Iversen", "Jacobsen", "Karlsen",
              "Lunde", "Myhre", "Nygaard", "Ottesen", "Paulsen", "Rasmussen", "Sæther", "Tangen", "Vik", "Ødegård")

CUSTOMERS: tuple[str, ...] = (
    "Hamar Energi AS", "Mjøsbanken ASA", "Innlandet Fylkeskommune", "Løten Trelast AS", "Stange Regnskap AS",
    "Elverum Transport AS", "Gjøvik Glass AS", "Brumunddal Bygg AS", "Ringsaker Kommune", "Kongsvinger Data AS",
    "Lillehammer Hotell AS", "Moelv Møbler AS", "Toten Kjøtt AS", "Vang Vekst AS", "Nes Maskin AS",
    "Tynset Tre AS", "Raufoss Industri AS", "Ottestad Eiendom AS", "Furnes Frukt AS", "Åsnes Auto AS",
)

FILES_PER_APPLICANT = ("CV.pdf", "Søknad.docx", "Attester.pdf", "Vitnemål.pdf", "Referanser.docx")

# Retention labels the demo tenant knows (Purview label definitions), by display name.
APPLICANT_LABEL = "Søknad 12 mnd"
PRIMARY_LABEL = "Bokføring primær 5 år"
SECONDARY_LABEL = "Bokføring sekundær 3,5 år"
RECORD_LABEL = "Avtale record"
EVENT_LABEL = "Kontraktslutt"

#: Applicants' e-mail addresses are at a reserved ``.example`` domain, so none is real.
APPLICANT_MAIL_DOMAIN = "epost.example"
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", " ": "-"})


def mail_local(text: str) -> str:
    """``Sigurd Sæther`` → ``sigurd-saether``: a name as the local part (or label) of a demo address."""
    return text.lower().translate(_ASCII)


def applicant_mail(first: str, last: str) -> str:
    return f"{mail_local(first)}.{mail_local(last)}@{APPLICANT_MAIL_DOMAIN}"


def document_text(title: str, *lines: str) -> bytes:
    """A demo file's bytes: a short text naming whom it is about (a real CV would be a PDF)."""
    return "\n".join((title, *lines, "(Demo document: generated and fictional.)", "")).encode()
