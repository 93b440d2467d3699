"""``check --engine``, ``[engine] master`` and ``run`` on an engine: the evaluation stored is the one a single
process stores; a value that names no engine, and an engine that needs the missing Dask, are refused saying what
to do, before anything is stored."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import dask
import pytest
from distributed import Client, LocalCluster, get_task_stream
from night import Night, first_night

from m365_compliance.config import check_config, demo_config_text, parse_config
from m365_compliance.errors import ConfigError

SANDBOX = "http://127.0.0.1:8765/v1.0"


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Night:
    return first_night(tmp_path_factory.mktemp("night"), acting=False)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    """A Dask cluster someone runs (two worker processes), reached by its scheduler's tcp:// address."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as running, Client(running) as client:
        yield client


def stored(night: Night, evaluation_id: str) -> dict[str, object]:
    """Everything stored for one evaluation but its id: what it judged, as of when, and its findings in order."""
    with night.db() as db:
        rows = db.execute("SELECT snapshot_run_id, evaluated_at, policy_version, finding_id, body FROM findings "
                          "WHERE evaluation_id=? ORDER BY rowid", (evaluation_id,)).fetchall()
        exceptions = db.execute("SELECT finding_id, source, state FROM evaluation_exceptions WHERE evaluation_id=? "
                                "ORDER BY finding_id", (evaluation_id,)).fetchall()
    assert rows
    return {"judged": {r[:3] for r in rows}, "findings": [(r[3], json.loads(r[4])) for r in rows],
            "exceptions": exceptions}


def evaluations(night: Night) -> int:
    with night.db() as db:
        return db.execute("SELECT COUNT(*) FROM runs WHERE kind='check'").fetchone()[0]


def test_check_on_two_local_workers_stores_what_check_stores(night):
    plain = night.cli("check")
    assert plain.exit_code == 0, plain.output
    single = night.latest_evaluation()
    spread = night.cli("check", "--engine", "local[2]")
    assert spread.exit_code == 0, spread.output
    distributed = night.latest_evaluation()
    assert distributed != single
    assert stored(night, distributed) == stored(night, single)
    assert spread.output.replace(distributed, single) == plain.output  # the same summary, line for line


def test_check_on_a_running_cluster_runs_one_task_per_library_there(night, cluster):
    assert night.cli("check").exit_code == 0
    single = night.latest_evaluation()
    with get_task_stream(cluster) as tasks:
        result = night.cli("check", "--engine", cluster.scheduler.address)
    assert result.exit_code == 0, result.output
    assert stored(night, night.latest_evaluation()) == stored(night, single)
    ran = [t for t in tasks.data if t["key"].startswith("PartitionTask-")]
    assert len(ran) == 2 and len({t["worker"] for t in ran}) == 2


def test_a_snapshot_file_written_and_read_back_on_a_cluster(night, cluster, tmp_path):
    """--snapshot-out after a distributed check loads the picture the workers judged; --snapshot sends each scope of
    a file with its task."""
    assert night.cli("check").exit_code == 0
    single = night.latest_evaluation()
    snapshot = tmp_path / "snapshot.json"
    written = night.cli("check", "--engine", cluster.scheduler.address, "--snapshot-out", snapshot)
    assert written.exit_code == 0, written.output
    with get_task_stream(cluster) as tasks:
        again = night.cli("check", "--engine", cluster.scheduler.address, "--snapshot", snapshot)
    assert again.exit_code == 0, again.output
    assert stored(night, night.latest_evaluation()) == stored(night, single)
    assert len([t for t in tasks.data if t["key"].startswith("PartitionTask-")]) == 2


def test_the_nightly_run_evaluates_on_the_configured_engine(night, cluster):
    engine = f'[engine]\nmaster = "{cluster.scheduler.address}"\n\n[dsar]'
    night.edit_policy(("[dsar]", engine))
    try:
        with night.served(), get_task_stream(cluster) as tasks:
            run = night.cli("run", "--out", night.out / "night2")
    finally:
        night.edit_policy((engine, "[dsar]"))
    assert run.exit_code in (3, 4), run.output  # the demo's open findings (or a gap): never an error
    summary = json.loads((night.out / "night2" / "run-summary.json").read_text(encoding="utf-8"))
    assert [s["status"] for s in summary["stages"] if s["stage"] in ("check", "plan")] == ["ok", "ok"]
    assert len([t for t in tasks.data if t["key"].startswith("PartitionTask-")]) == 2
    night.cli("check")  # the same inventory, in this process
    assert stored(night, summary["evaluation"]) == stored(night, night.latest_evaluation())
    assert json.loads((night.out / "night2" / "plan.json").read_text(encoding="utf-8"))["actions"]  # planned


@pytest.mark.parametrize(("master", "says"), [("tcp://127.0.0.1:1", "dask scheduler"),
                                              ("tls://127.0.0.1:1", "TLS")])  # tls:// without Dask's TLS settings
def test_a_scheduler_that_cannot_be_reached_stops_check_before_anything_is_stored(night, master, says):
    before = evaluations(night)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = night.cli("check", "--engine", master)
    assert result.exit_code == 1, result.output
    assert f"Cannot reach the Dask scheduler at {master}" in result.output and says in result.output
    assert evaluations(night) == before


@pytest.mark.parametrize(("value", "reason"), [
    ("local[x]", "in brackets"), ("local[0]", "1 to 256"), ("spark://master:7077", "not spark://"),
    ("tcp://scheduler", "a host and a port"), ("tcp://user@scheduler:8786", "nothing more"),
    ("scheduler:8786", "with a scheme")])
def test_a_master_that_names_no_engine_is_refused_naming_the_forms(night, value, reason):
    before = evaluations(night)
    result = night.cli("check", "--engine", value)
    assert result.exit_code == 2, result.output
    assert "--engine" in result.output and '"local[N]"' in result.output and reason in result.output
    text = demo_config_text(SANDBOX) + f'\n[engine]\nmaster = "{value}"\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "/policies/policy.toml")
    assert caught.value.key == "engine.master" and caught.value.value == value
    assert '"embedded"' in str(caught.value.allowed) and reason in caught.value.message
    assert evaluations(night) == before  # nothing was evaluated or stored


def test_a_master_that_needs_dask_where_it_is_missing(night, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what `import distributed` meets without Dask
    monkeypatch.delitem(sys.modules, "m365_compliance.engine.dask_engine", raising=False)
    before = evaluations(night)
    result = night.cli("check", "--engine", "local[2]")
    assert result.exit_code == 1, result.output
    assert "needs Dask" in result.output and "pip install 'm365-compliance[scale]'" in result.output
    assert evaluations(night) == before
    assert night.cli("check", "--engine", "embedded").exit_code == 0  # this process needs no Dask
    policy = parse_config(demo_config_text(SANDBOX) + '\n[engine]\nmaster = "local[2]"\n', "/policies/policy.toml")
    assert "warning: engine.master 'local[2]' needs Dask, which is not installed here: pip install " \
           "'m365-compliance[scale]'" in check_config(policy, {})


def test_config_check_says_where_the_rules_run_and_warns_about_plain_tcp():
    def lines(master: str | None) -> list[str]:
        text = demo_config_text(SANDBOX) + (f'\n[engine]\nmaster = "{master}"\n' if master else "")
        return check_config(parse_config(text, "/policies/policy.toml"), {})

    assert "engine: embedded: the rules run in this process" in lines(None)
    assert "engine: a Dask LocalCluster of 4 worker processes, one library each, started by each run" in \
        lines("local[4]")
    assert [w for w in lines("tcp://scheduler.example:8786") if w.startswith("warning: engine.master")] == [
        "warning: engine.master tcp://scheduler.example:8786 is reached without TLS: the directory, the register "
        "rows and the state store's pseudonym key cross the network in the clear (use tls://)"]
    assert not [w for w in lines("tls://scheduler.example:8786") + lines("tcp://127.0.0.1:8786")
                if w.startswith("warning:")]
