"""``[engine] master``: where the rules are evaluated, as written in the policy file or given by ``--engine``.

Three forms, after Spark's ``master`` URL: ``"embedded"`` (this process, no Dask needed), ``"local[N]"``
(a Dask LocalCluster of N worker processes that the run starts and closes) and a scheduler address
``"tcp://host:port"`` or ``"tls://host:port"`` (a Dask cluster someone runs). This module only reads the
text; :mod:`.opening` turns it into a running engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

#: What ``master`` may be, for error messages and docs.
MASTER_FORMS = ('"embedded", "local[N]" (N worker processes, 1 to {max}) or a Dask scheduler address '
                '"tcp://host:port" / "tls://host:port"')
MAX_LOCAL_WORKERS = 256
_LOCAL = re.compile(r"^local\[(\d{1,4})\]$")
SCHEMES = ("tcp", "tls")


def master_forms() -> str:
    return MASTER_FORMS.format(max=MAX_LOCAL_WORKERS)


@dataclass(frozen=True, slots=True)
class Embedded:
    """In this process, rule after rule: no Dask, nothing to start."""

    needs_dask: ClassVar[bool] = False

    @property
    def text(self) -> str:
        return "embedded"


@dataclass(frozen=True, slots=True)
class LocalWorkers:
    """A Dask LocalCluster of ``workers`` processes (one thread each) on this machine, started and closed by the run."""

    workers: int
    needs_dask: ClassVar[bool] = True

    @property
    def text(self) -> str:
        return f"local[{self.workers}]"


@dataclass(frozen=True, slots=True)
class Scheduler:
    """The scheduler of a Dask cluster someone else runs (``tcp://host:port`` or ``tls://host:port``)."""

    address: str
    needs_dask: ClassVar[bool] = True

    @property
    def text(self) -> str:
        return self.address


Master = Embedded | LocalWorkers | Scheduler
EMBEDDED = Embedded()


def parse_master(value: str) -> Master:
    """The master ``value`` names; ValueError saying which part is wrong when it names none."""
    text = value.strip()
    if text == "embedded":
        return EMBEDDED
    if text.startswith("local"):
        match = _LOCAL.match(text)
        if match is None:
            raise ValueError("write the number of worker processes in brackets, e.g. local[4]")
        workers = int(match.group(1))
        if not 1 <= workers <= MAX_LOCAL_WORKERS:
            raise ValueError(f"local[N] takes 1 to {MAX_LOCAL_WORKERS} worker processes")
        return LocalWorkers(workers)
    return Scheduler(_address(text))


def _address(text: str) -> str:
    if "://" not in text:
        raise ValueError("not embedded, local[N] or an address with a scheme (tcp:// or tls://)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"the address cannot be read ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise ValueError(f"a Dask scheduler is reached by tcp:// or tls://, not {parts.scheme}://")
    if not parts.hostname or not port:
        raise ValueError("the address needs a host and a port, e.g. tcp://scheduler:8786")
    if parts.username is not None or parts.password is not None or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise ValueError("the address is scheme://host:port, nothing more")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"
