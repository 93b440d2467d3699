"""Documents for machines: what ``--format json`` prints, findings.json and the OCSF export.

Each document is one JSON object with ``schemaVersion``, a ``kind`` naming the document and ``metadata``
saying which run it describes; its JSON Schema (draft 2020-12) is published in docs/schemas/. Documents
hold ids, dates and counts; only the findings document carries paths, as findings.json always has.
"""
