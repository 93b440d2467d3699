"""The published JSON Schemas (docs/schemas/), each with the shared definitions it refers to."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parents[1] / "docs" / "schemas"


@cache
def _registry() -> Registry:
    resources = [Resource.from_contents(json.loads(p.read_text(encoding="utf-8"))) for p in SCHEMAS.glob("*.json")]
    return Registry().with_resources((r.id(), r) for r in resources)


def validate(document: Any, name: str) -> None:
    """Raise the best-matching :class:`jsonschema.ValidationError` unless ``document`` fits ``name``."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, registry=_registry(),
                                                format_checker=jsonschema.FormatChecker())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        raise error
