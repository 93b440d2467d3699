"""A small reader of the HTML report for tests: its tables (by id, cells by ``data-col``), links, sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Table:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str | None, dict[str, str]]] = field(default_factory=list)  # (data-key, {col: text})
    total: dict[str, str] | None = None

    def by_key(self) -> dict[str, dict[str, str]]:
        return {key: cells for key, cells in self.rows if key is not None}

    def column(self, col: str) -> list[str]:
        return [cells[col] for _, cells in self.rows]


class Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, Table] = {}
        self.urls: list[str] = []  # every href/src value
        self.sections: list[str] = []
        self.tags: set[str] = set()
        self.text_parts: list[str] = []
        self._table: Table | None = None
        self._row: tuple[str | None, dict[str, str]] | None = None
        self._col: str | None = None
        self._in_foot = False
        self.feed(text)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        self.urls += [v for k, v in attrs if k in ("href", "src") and v is not None]
        if tag == "section" and a.get("id"):
            self.sections.append(a["id"] or "")
        elif tag == "table" and a.get("id"):
            self._table = self.tables.setdefault(a["id"] or "", Table())
        elif tag == "tfoot":
            self._in_foot = True
        elif tag == "tr" and self._table is not None:
            self._row = (a.get("data-key"), {})
        elif tag in ("td", "th") and self._row is not None:
            self._col = a.get("data-col")
            if tag == "th" and self._table is not None and self._col:
                self._table.columns.append(self._col)
            elif self._col:
                self._row[1][self._col] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._col = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._row[1]:
                if self._in_foot:
                    self._table.total = self._row[1]
                else:
                    self._table.rows.append(self._row)
            self._row = None
        elif tag == "tfoot":
            self._in_foot = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self._row is not None and self._col is not None and self._col in self._row[1]:
            self._row[1][self._col] += data
