"""Broken agreement registers (``[register] source = "file"``): each case is a file under ``registers/``
(or made from rows below), and what the run must make of it: findings by rule id, or a register gap.

The base rows name demo customers, so their folders match; every case's file is read through the
nightly run, never parsed by the test itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REGISTERS = Path(__file__).parent / "registers"
HEADER = ("Title", "AvtaleId", "Startdato", "Sluttdato", "Kontaktpersoner", "KontaktEpost", "Databehandleravtale",
          "SlettingEtterDager", "LagretEtterAvtale", "Mappe")
GOOD = ("Hamar Energi AS", "321-2016-001", "2016-01-01", "", "", "", "DBA-001", "90", "Ja", "Hamar Energi AS")
FORMULAS = ("=HYPERLINK(\"http://x.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1")


@dataclass(frozen=True)
class RegisterCase:
    id: str
    expect: tuple[str, ...]  # rule ids that must be among the findings ("gap": a register gap)
    file: str | None = None  # a data file under registers/
    rows: tuple[tuple[str, ...], ...] = ()  # else: HEADER + these rows, written as UTF-8 CSV
    suffix: str = ".csv"
    gap_words: str = ""  # with "gap": words the gap's message holds


def _good(**changes: str) -> tuple[str, ...]:
    row = dict(zip(HEADER, GOOD, strict=True)) | changes
    return tuple(row[c] for c in HEADER)


CASES: tuple[RegisterCase, ...] = (
    RegisterCase("bad-date", ("c4.invalid-row",), rows=(_good(Startdato="31.02.2016x"),)),
    RegisterCase("end-before-start", ("c4.invalid-row",), rows=(_good(Sluttdato="2015-12-31"),)),
    RegisterCase("unknown-person", ("c4.unknown-contact",), rows=(_good(KontaktEpost="ukjent@ingen.example"),)),
    RegisterCase("duplicate-customer", ("c4.duplicate-row",), rows=(_good(), _good(AvtaleId="321-2016-099"))),
    RegisterCase("duplicate-agreement-id", ("c4.duplicate-row",),
                 rows=(_good(), _good(Title="Mjøsbanken ASA", Mappe="Mjøsbanken ASA"))),
    RegisterCase("non-number-days", ("c4.invalid-row",), rows=(_good(SlettingEtterDager="tretti"),)),
    RegisterCase("huge-days", ("c4.invalid-row",), rows=(_good(SlettingEtterDager="99999999999999999999", Sluttdato="2020-01-01"),)),
    RegisterCase("far-dates", ("c4.unregistered-folder",), rows=(_good(Startdato="0001-01-01", Sluttdato="9999-12-31"),)),
    RegisterCase("formula-cells", ("c4.invalid-row",),
                 rows=(_good(AvtaleId=FORMULAS[0], Databehandleravtale=FORMULAS[3]),
                       _good(Title="Mjøsbanken ASA", Mappe="Mjøsbanken ASA", AvtaleId=FORMULAS[1],
                             Databehandleravtale=FORMULAS[2]),
                       _good(Title="Løten Trelast AS", Mappe="Løten Trelast AS", AvtaleId=FORMULAS[4],
                             Databehandleravtale=FORMULAS[5], Startdato="=TODAY()"))),
    RegisterCase("very-long-cells", ("c4.unregistered-folder",), rows=(_good(Title="A" * 100_000, Mappe="B" * 50_000),)),
    RegisterCase("html-cells", ("c4.unregistered-folder",),
                 rows=(_good(Title="<script>alert(1)</script>", Mappe="<img src=x onerror=alert(1)>"),)),
    RegisterCase("utf16-bom", ("c4.duplicate-row",), file="utf16-bom.csv"),
    RegisterCase("utf8-bom", ("c4.duplicate-row",), file="utf8-bom.csv"),
    RegisterCase("mixed-newlines", ("c4.duplicate-row",), file="mixed-newlines.csv"),
    RegisterCase("latin-1", ("gap",), file="latin1.csv", gap_words="could not be read"),
    RegisterCase("empty-file", ("gap",), file="empty.csv", gap_words="could not be read"),
    RegisterCase("header-only", ("c4.unregistered-folder",), file="header-only.csv"),
    RegisterCase("missing-columns", ("gap",), file="missing-columns.csv", gap_words="no column Startdato, Sluttdato"),
    RegisterCase("binary-as-xlsx", ("gap",), file="not-a-workbook.xlsx", suffix=".xlsx", gap_words="could not be read"),
    RegisterCase("xlsx-formulas", ("c4.invalid-row",), file="formulas.xlsx", suffix=".xlsx"),
)
