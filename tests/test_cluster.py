"""A risk study on a real Dask cluster (a scheduler and two workers on 127.0.0.1) gives the same
numbers as the local run with the same seed (issue 15)."""

import socket
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import HEADER
from test_risk import TWO_CREWS
from rackplan.scheduler.executor import ClusterError, run
from rackplan.scheduler.risk import study
from rackplan.scheduler.source import Source

distributed = pytest.importorskip("distributed")

PLAN = TWO_CREWS + """
[risks.rework]
probability = 0.2
tasks = ["rack:test"]
extra = "+50%"
each = true
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address,
                 "--nthreads", "1", "--nworkers", "1", "--dashboard-address", ":0"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 90
        while True:
            try:
                with distributed.Client(address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_cluster_and_local_runs_agree(cluster):
    src = Source("cluster.toml", textwrap.dedent(HEADER) + textwrap.dedent(PLAN))
    plan = src.load()
    local = study(src, plan, iterations=80, seed=5, workers=1, until_stable=False)
    remote = study(src, plan, iterations=80, seed=5, cluster=cluster, until_stable=False)
    assert remote == local
    assert remote["scheduled"] == 80 and remote["verified"] > 0


def test_results_come_back_in_input_order(cluster):
    assert run(abs, [-3, -1, -2], cluster=cluster) == [3, 1, 2]


def test_an_unreachable_scheduler_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr("rackplan.scheduler.executor.CONNECT_TIMEOUT", 1)
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at "
                                           "tcp://127.0.0.1:9"):
        run(abs, [1, 2], cluster="tcp://127.0.0.1:9")
