"""Hostile file and folder names put into the sandbox tenant: every report renders them safely.

HTML escapes them, XLSX shows them as text, and the Markdown summary and the terminal carry none.
"""

from __future__ import annotations

import unicodedata

NAMES: tuple[tuple[str, str], ...] = (
    ("emoji", "Søknad 📄🔥 CV.pdf"),
    ("combining-marks", "Z\u0351\u0352a\u0353\u0354l\u0355\u0356g\u0357o CV.docx"),
    ("nfc", unicodedata.normalize("NFC", "Søker Åse CV.pdf")),
    ("nfd", unicodedata.normalize("NFD", "Søker Åse CV.pdf")),
    ("rtl-override", "Søknad \u202efdp.exe"),
    ("long-path", "L" * 250 + ".docx"),
    ("script", "<script>alert(1)</script>.docx"),
    ("img-onerror", "\"><img src=x onerror=alert(1)>.pdf"),
    ("formula-equals", "=HYPERLINK(\"http://x.example\",\"klikk\").xlsx"),
    ("formula-plus", "+47 999 CV.pdf"),
    ("formula-minus", "-2+3 CV.pdf"),
    ("formula-at", "@SUM(A1) CV.pdf"),
    ("percent-hash", "100% #1 søknad%20.pdf"),
    ("zero-width", "Sø\u200bker\u200d\ufeff CV.pdf"),
    ("markdown", "[klikk](http://x.example) | **CV**.pdf"),
)
LONG_FOLDER = "Mappe " + "M" * 160  # with long-path: a path of ~400 characters
