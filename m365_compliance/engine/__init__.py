"""Evaluating the rules on an engine: in this process, or spread over a Dask cluster one library at a time.

``[engine] master`` (:mod:`.master`) chooses where; :mod:`.engines` is the one seam an engine implements
(``map(function, partitions)``); :mod:`.partitions` makes one partition per configured library, each with
a loader that builds that library's picture inside the worker; :mod:`.task` is what a worker runs and
:mod:`.gather` puts the workers' findings together so they equal ``evaluate`` on the whole snapshot.
docs/scale.md, "Distributed evaluation", says why and how.
"""
