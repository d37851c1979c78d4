"""The executor: results in input order, early stop, and a dead worker retried, not fatal."""

import os

from rackplan.scheduler.executor import run


def _square(x):
    return x * x


def _dies_once(job):
    """Kills its worker process the first time it sees its marker missing."""
    marker, value = job
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return value


def test_pool_keeps_input_order():
    assert run(_square, list(range(20)), workers=2) == [x * x for x in range(20)]


def test_on_result_can_stop_the_rest():
    seen = []

    def stop(i, result):
        seen.append(i)
        return True

    out = run(_square, list(range(5)), workers=1, on_result=stop)
    assert out == [0, None, None, None, None] and seen == [0]


def test_a_worker_that_dies_is_retried(tmp_path):
    marker = str(tmp_path / "died")
    jobs = [(marker, 1), (marker, 2), (marker, 3)]
    assert run(_dies_once, jobs, workers=2) == [1, 2, 3]
