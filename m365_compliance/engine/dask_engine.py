"""The Dask engine: partitions mapped over a Dask cluster's workers (``dask.distributed``).

Dask is an optional dependency (``pip install 'm365-compliance[scale]'``): this module imports it, and
:mod:`.opening` imports this module only for a master that needs it. Before the first task, every worker
is asked which m365-compliance it runs: rules of another version judge differently, and the evaluation
must equal the one this process would make.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from distributed import Client, LocalCluster
from distributed.system import MEMORY_LIMIT

from m365_compliance import __version__
from m365_compliance.engine.master import LocalWorkers, Scheduler
from m365_compliance.errors import ComplianceError, EngineError

P = TypeVar("P")
R = TypeVar("R")
_INSTALL = "Install the same m365-compliance version, with `pip install 'm365-compliance[scale]'`, on every worker."


class DaskEngine:
    """Partitions as Dask tasks on ``client``'s cluster, one task per partition, gathered in partition order."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def map(self, function: Callable[[P], R], partitions: Sequence[P]) -> list[R]:
        # Named here: Dask would name a callable object's tasks after its repr.
        name = f"{getattr(function, '__name__', type(function).__name__)}-{uuid.uuid4().hex}"
        futures = self.client.map(function, list(partitions), key=[f"{name}-{i}" for i in range(len(partitions))])
        try:
            return list(self.client.gather(futures))
        except ComplianceError:
            self.client.cancel(futures)
            raise  # a worker's own error (an unreadable store, say): it says what to do
        except Exception as exc:  # a worker lost, a task that cannot be unpickled: Dask's errors, not ours
            self.client.cancel(futures)
            raise EngineError(f"The Dask cluster at {self.client.scheduler.address} did not evaluate every "
                              f"partition: {type(exc).__name__}: {exc}", hint=_INSTALL) from exc

    def check_workers(self) -> None:
        """Refuse a cluster with no worker, or a worker that runs another m365-compliance (or none)."""
        try:
            versions = self.client.run(package_version)
        except Exception as exc:
            raise EngineError(f"A Dask worker at {self.client.scheduler.address} cannot run m365-compliance: "
                              f"{type(exc).__name__}: {exc}", hint=_INSTALL) from exc
        if not versions:
            raise EngineError(f"The Dask cluster at {self.client.scheduler.address} has no worker.",
                              hint="Start workers (`dask worker <scheduler address>`) where the data is reachable.")
        other = sorted(f"{worker} runs {version}" for worker, version in versions.items() if version != __version__)
        if other:
            raise EngineError(f"This is m365-compliance {__version__}, but {'; '.join(other)}: rules of another "
                              "version judge differently.", hint=_INSTALL)


def package_version() -> str:
    """What a worker answers when asked which m365-compliance it runs."""
    from m365_compliance import __version__ as installed

    return installed


@contextmanager
def dask_engine(master: LocalWorkers | Scheduler) -> Iterator[DaskEngine]:
    """A Dask engine for ``master``: a LocalCluster started here and closed at the end, or a client of a running
    cluster (left running)."""
    if isinstance(master, LocalWorkers):
        # Each worker may use the machine's memory, not Dask's default share of it (RAM / workers): partitions are
        # libraries of very different sizes, and the largest must not be restarted for outgrowing an equal share.
        cluster = LocalCluster(n_workers=master.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR, memory_limit=MEMORY_LIMIT)
        try:
            with Client(cluster) as client:
                yield _checked(client)
        finally:
            cluster.close()
        return
    try:
        client = Client(master.address)
    except (OSError, TimeoutError, TypeError, ValueError) as exc:  # TypeError: tls:// without Dask's TLS settings
        raise EngineError(f"Cannot reach the Dask scheduler at {master.address}: {exc}",
                          hint="Start the scheduler (`dask scheduler`) and its workers, check the address in "
                               "`[engine] master` and that this machine may connect to it (tls:// needs Dask's TLS "
                               "settings, docs/scale.md).") from exc
    with client:
        yield _checked(client)


def _checked(client: Client) -> DaskEngine:
    engine = DaskEngine(client)
    engine.check_workers()
    return engine
