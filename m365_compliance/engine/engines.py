"""The one seam a distributed engine implements: ``map(function, partitions)``, results in partition order.

Everything an engine needs to know about the rules is in the function it is given (a picklable callable
of one partition); everything it returns is that function's result per partition. So an engine is a few
lines, and the rules never learn where they run.

A Spark engine would be::

    class SparkEngine:
        def __init__(self, spark: SparkSession) -> None:
            self.spark = spark

        def map(self, function, partitions):
            parts = list(partitions)
            return self.spark.sparkContext.parallelize(parts, len(parts)).map(function).collect()

with one partition per Spark partition (``numSlices = len(parts)``), and ``collect`` keeping their
order; its master (``spark://…``, ``yarn``) would be one more form of ``[engine] master``
(:mod:`.master`, :mod:`.opening`). Each Spark executor then needs this package installed and the data
reachable, exactly as a Dask worker does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

P = TypeVar("P")
R = TypeVar("R")


class Engine(Protocol):
    """Runs ``function`` once per partition, wherever the engine runs things; the results in partition order."""

    def map(self, function: Callable[[P], R], partitions: Sequence[P]) -> list[R]: ...


class EmbeddedEngine:
    """This process, one partition after the other: what ``[engine] master = "embedded"`` means when a
    caller asks for partitions anyway (tests, a snapshot file)."""

    def map(self, function: Callable[[P], R], partitions: Sequence[P]) -> list[R]:
        return [function(p) for p in partitions]
