"""The management report as one self-contained HTML file: inline CSS and SVG, no script, no URL.

Page one comes first, before the table of contents. It opens offline, from a mail attachment or a CI
artifact, reads on a phone (a wide table scrolls inside its own box, never the page) and prints on A4 (the
stylesheet's print section: page one on its own page, no navigation, rows and charts never split). Every text is escaped where it is
rendered (:mod:`.html_parts`).
"""

from __future__ import annotations

from m365_compliance.report.html_parts import esc
from m365_compliance.report.html_sections import SECTIONS
from m365_compliance.report.model import ReportData
from m365_compliance.report.texts import Language, Texts

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.5rem; color: #1b1b1b; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #3b6ea8; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-top: 1.2rem; }
.subtitle { color: #555; margin-top: 0; }
nav.toc ol { columns: 2; font-size: .95rem; }
nav.toc a { color: #3b6ea8; text-decoration: none; }
table.data { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .6rem 0; }
table.data th, table.data td { border: 1px solid #ccc; padding: .25rem .4rem; text-align: left; vertical-align: top; }
table.data th { background: #eef2f7; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data tfoot td { font-weight: bold; background: #f6f6f6; }
table.data td { overflow-wrap: break-word; word-break: normal; hyphens: manual; }
.scroll { overflow-x: auto; max-width: 100%; }
table.data td.day, table.data td[data-col="agreement"], table.data td[data-col="dpa"] {
  white-space: nowrap; overflow-wrap: normal; }
table.data.compact { width: auto; min-width: 24rem; }
table.data td[data-col="message"], table.data td[data-col="remediation"] { color: #444; min-width: 16rem; }
table.data td[data-col="title"] { font-weight: 600; min-width: 10rem; }
table.data td[data-col="subject"], table.data td[data-col="path"] { min-width: 14rem; }
table.data td[data-col="id"], table.data td[data-col="reference"], table.data td[data-col="folder"],
table.data td[data-col="item"] { font-family: monospace; font-size: .78rem; white-space: nowrap; color: #555; }
ul.lights { list-style: none; padding: 0; margin: .4rem 0; }
ul.lights li { padding: .3rem .5rem; border-left: .5rem solid #ccc; margin: .25rem 0; background: #f7f7f7; }
ul.lights li.green { border-color: #2e7d32; }
ul.lights li.amber { border-color: #d4a017; }
ul.lights li.red { border-color: #b00020; }
ul.lights .lamp { display: inline-block; min-width: 3.2rem; font-size: .8rem; text-transform: uppercase;
                  letter-spacing: .03em; color: #444; }
ul.lights .why { display: block; color: #333; margin-left: 3.5rem; }
h4 { font-size: .95rem; margin: .9rem 0 .2rem; }
details.appendix { margin: .6rem 0; }
details.appendix > summary { font-weight: 600; padding: .2rem 0; }
table.data td[data-col="reason"] { color: #444; min-width: 16rem; }
figure { margin: .6rem 0; }
svg.chart { max-width: 100%; height: auto; }
.note { color: #555; font-size: .9rem; }
.warn { color: #8a4b00; }
.alert { border: 2px solid #b00020; background: #fdecee; padding: .6rem .9rem; margin: .8rem 0; }
.alert .ids { font-family: monospace; font-size: .8rem; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .6rem; font-size: .8rem; background: #e8eef6; }
details summary { cursor: pointer; color: #3b6ea8; }
@media (max-width: 640px) {
  body { padding: .8rem; }
  nav.toc ol { columns: 1; }
  ul.lights .why { margin-left: 0; }
  table.data td[data-col="message"], table.data td[data-col="remediation"] { min-width: 12rem; }
}
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  nav.toc { display: none; }
  #page-one { break-after: page; }
  h1 { font-size: 15pt; margin: 0; }
  h2 { font-size: 12pt; margin: .8rem 0 .3rem; }
  h3 { font-size: 10.5pt; margin: .6rem 0 .2rem; }
  h4 { font-size: 9.5pt; margin: .4rem 0 .1rem; }
  ul.lights li { padding: .12rem .4rem; margin: .12rem 0; }
  h2, h3, h4 { break-after: avoid; }
  tr, figure, .alert, ul.lights li { break-inside: avoid; }
  .scroll { overflow: visible; }
  table.data { font-size: 7.5pt; }
  table.data td[data-col="message"], table.data td[data-col="remediation"], table.data td[data-col="subject"],
  table.data td[data-col="path"] { min-width: 0; }
  table.data td[data-col="id"], table.data td[data-col="reference"] { white-space: normal; overflow-wrap: anywhere; }
  svg.chart { max-width: 100%; height: auto; }
  ul.lights li { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(data: ReportData, lang: Language = "nb") -> str:
    t = Texts(lang, data.tz)
    rest = SECTIONS[1:]  # page one comes before the table of contents: it is the summary
    toc = "".join(f'<li><a href="#{sid}">{esc(t(key))}</a></li>' for sid, key, _ in rest)
    sections = [f'<section id="{sid}"><h2>{esc(t(key))}</h2>{render(data, t)}</section>'
                for sid, key, render in SECTIONS]
    subtitle = f"{data.policy_name} · {t('version')} {data.policy_version} · {t.moment(data.generated_at)}"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(t('title'))} – {esc(data.policy_name)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{esc(t('title'))}</h1><p class=\"subtitle\">{esc(subtitle)}</p></header>"
            f"<main>{sections[0]}"
            f'<nav class="toc"><h2>{esc(t("contents"))}</h2><ol>{toc}</ol></nav>'
            f"{''.join(sections[1:])}</main></body></html>\n")
