"""The management report (C9): HTML, XLSX and Markdown from the state store, in bokmål or English.

The names below are all a command needs before it renders; the renderers (and openpyxl) load only then.
"""

FORMATS = ("html", "xlsx", "md")
BASENAME = "report"
