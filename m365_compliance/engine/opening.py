"""The engine ``[engine] master`` names, opened for one run and closed after it."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager

from m365_compliance.engine.engines import EmbeddedEngine, Engine
from m365_compliance.engine.master import Embedded, Master
from m365_compliance.errors import EngineError


@contextmanager
def open_engine(master: Master) -> Iterator[Engine]:
    """The engine for ``master``; EngineError when it needs Dask and Dask is not installed here."""
    if isinstance(master, Embedded):
        yield EmbeddedEngine()
        return
    try:
        from m365_compliance.engine.dask_engine import dask_engine
    except ImportError as exc:
        raise EngineError(f"[engine] master = \"{master.text}\" needs Dask, which is not installed here ({exc}).",
                          hint="pip install 'm365-compliance[scale]' (Dask's distributed scheduler), or evaluate "
                               "in this process with [engine] master = \"embedded\".") from exc
    with dask_engine(master) as engine:
        yield engine


def dask_installed() -> bool:
    """Whether Dask's distributed scheduler can be imported here (without importing it)."""
    try:
        return importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):  # a package whose import is blocked or half set up
        return False
