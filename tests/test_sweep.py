import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from eisym import SpecError
from eisym._store import open_store, task_key
from eisym._sweep import local_dask_executor, run_sweep, spawn_seeds

TESTS = Path(__file__).parent


@dataclass(frozen=True, slots=True, kw_only=True)
class Power:
    base: int
    exponent: int = 2
    delay: float = 0.0

    def run(self):
        time.sleep(self.delay)
        return {"value": self.base**self.exponent}


@dataclass(frozen=True, slots=True, kw_only=True)
class Broken:
    n: int

    def run(self):
        raise ZeroDivisionError(f"task {self.n} failed")


def test_results_come_back_in_task_order_on_a_process_pool():
    tasks = [Power(base=b) for b in range(12)]
    out = run_sweep(tasks, workers=2, progress=False)
    assert [r["value"] for r in out.results] == [b * b for b in range(12)]
    assert (out.computed, out.reused) == (12, 0)
    assert out.keys == tuple(task_key(t) for t in tasks)


def test_a_rerun_reuses_everything_and_duplicates_are_computed_once(tmp_path):
    path = tmp_path / "r.sqlite"
    tasks = [Power(base=b) for b in (1, 2, 2, 3)]
    with ThreadPoolExecutor(2) as pool:
        first = run_sweep(tasks, executor=pool, store=str(path), progress=False)
        second = run_sweep(tasks + [Power(base=4)], executor=pool, store=str(path), progress=False)
    assert first.computed == 3 and first.reused == 0
    assert second.computed == 1 and second.reused == 3
    assert [r["value"] for r in second.results] == [1, 4, 4, 9, 16]
    with open_store(path) as store:
        assert store.count() == 4


def test_a_failing_task_raises_and_keeps_the_finished_ones(tmp_path):
    path = tmp_path / "r.sqlite"
    with ThreadPoolExecutor(1) as pool, pytest.raises(ZeroDivisionError, match="task 7"):
        run_sweep([Power(base=1), Broken(n=7)], executor=pool, store=str(path), progress=False, max_pending=1)
    with open_store(path) as store:
        assert store.get(task_key(Power(base=1))) == {"value": 1}


def test_spawned_seeds_are_reproducible_and_distinct():
    assert spawn_seeds(7, 50) == spawn_seeds(7, 50)
    assert spawn_seeds(7, 50) != spawn_seeds(8, 50)
    assert len(set(spawn_seeds(7, 1000))) == 1000
    assert spawn_seeds(7, 60)[:50] == spawn_seeds(7, 50)
    with pytest.raises(SpecError, match="seed"):
        spawn_seeds(-1, 2)
    with pytest.raises(SpecError, match="workers"):
        run_sweep([Power(base=1)], workers=0)


def test_local_dask_cluster_runs_a_sweep():
    client, executor = local_dask_executor(2)
    try:
        out = run_sweep([Power(base=b, exponent=3) for b in range(5)], executor=executor, progress=False)
    finally:
        client.close()
    assert [r["value"] for r in out.results] == [b**3 for b in range(5)]


SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from test_sweep import Power
    from eisym._sweep import run_sweep
    tasks = [Power(base=b, delay=0.3) for b in range(40)]
    run_sweep(tasks, store={path!r}, workers=2, progress=False, max_pending=2)
    """
)


def _rows(path):
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM results").fetchone()
    except sqlite3.OperationalError:  # the table is not created yet
        return (0, 0)
    finally:
        con.close()


def test_a_sweep_killed_with_sigkill_resumes_without_loss_or_duplicates(tmp_path):
    path = str(tmp_path / "r.sqlite")
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(tests=str(TESTS), path=path)], start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _rows(path)[0] < 6:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    stored, distinct = _rows(path)
    assert 6 <= stored < 40 and stored == distinct
    tasks = [Power(base=b, delay=0.3) for b in range(40)]
    with ThreadPoolExecutor(4) as pool:
        resumed = run_sweep(tasks, executor=pool, store=path, progress=False)
        fresh = run_sweep(tasks, executor=pool, progress=False)
    assert resumed.reused == stored and resumed.computed == 40 - stored
    assert resumed.results == fresh.results
    assert _rows(path) == (40, 40)


def test_a_scheduler_address_connects_to_a_running_cluster():
    from distributed import LocalCluster

    from eisym._sweep import dask_client

    with LocalCluster(
        processes=False, protocol="tcp", n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        client = dask_client(cluster.scheduler_address)
        try:
            out = run_sweep([Power(base=b) for b in range(4)], executor=client.get_executor(), progress=False)
        finally:
            client.close()
    assert [r["value"] for r in out.results] == [0, 1, 4, 9]
    with pytest.raises(SpecError, match="tcp://HOST:PORT"):
        dask_client("localhost:8786")
