"""Where independent solves run: in this process, on a local process pool, or on a Dask cluster.

The only module that knows about processes or Dask. A work item is plain data (plan text, seed,
iteration numbers) and so is a result; the function is a module-level callable that workers
import. Results come back in input order; `on_result` sees each as it arrives, and may stop the
rest (it returns True) — items not started are cancelled.

A worker that dies (killed, out of memory) is not fatal: its items run again, up to RETRIES
times, in a fresh pool (Dask retries them on another worker).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

RETRIES = 2
CONNECT_TIMEOUT = 10  # seconds to reach a Dask scheduler


class ClusterError(Exception):
    """The Dask cluster could not be reached or used; the message says what to do."""


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run(fn: Callable, items: Sequence, *, workers: int | None = None,
        cluster: str | None = None, on_result: Callable | None = None) -> list:
    """[fn(item) for item in items], in input order; None for items not run because
    `on_result` asked to stop."""
    if cluster:
        return _dask(fn, items, cluster, on_result)
    workers = workers or default_workers()
    if workers == 1 or len(items) <= 1:
        return _inline(fn, items, on_result)
    return _pool(fn, items, workers, on_result)


def _inline(fn, items, on_result) -> list:
    out: list = [None] * len(items)
    for i, item in enumerate(items):
        out[i] = fn(item)
        if on_result and on_result(i, out[i]):
            break
    return out


def _pool(fn, items, workers, on_result) -> list:
    out: list = [None] * len(items)
    todo = list(range(len(items)))
    for attempt in range(RETRIES + 1):
        try:
            if _pool_once(fn, items, workers, on_result, out, todo):
                return out
        except BrokenProcessPool:
            if attempt == RETRIES:
                raise
        todo = [i for i in todo if out[i] is None]
    return out


def _pool_once(fn, items, workers, on_result, out, todo) -> bool:
    """Run `todo` on a fresh pool; True when done or stopped. A dead worker breaks the pool
    (BrokenProcessPool): what finished is kept in `out`, the caller runs the rest again."""
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                             initializer=_quiet_ctrl_c) as pool:
        futures = {pool.submit(fn, items[i]): i for i in todo}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=futures.__getitem__):
                    i = futures[fut]
                    out[i] = fut.result()
                    if on_result and on_result(i, out[i]):
                        for other in pending:
                            other.cancel()
                        return True
        except KeyboardInterrupt:
            for other in pending:
                other.cancel()
            raise
    return True


def _quiet_ctrl_c() -> None:
    """Workers leave Ctrl-C to the parent, which stops the study and keeps what is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _dask(fn, items, address, on_result) -> list:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install 'rackplan[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); start one "
                           "with 'dask scheduler' or give its address") from None
    out: list = [None] * len(items)
    try:
        # pure=False: two items alike are still two runs; retries: a lost worker's items run
        # again elsewhere.
        futures = [client.submit(fn, item, pure=False, retries=RETRIES) for item in items]
        index = {fut.key: i for i, fut in enumerate(futures)}
        done = as_completed(futures)
        for fut in done:
            i = index[fut.key]
            out[i] = fut.result()
            if on_result and on_result(i, out[i]):
                client.cancel([f for f in futures if not f.done()])
                break
    finally:
        client.close()
    return out
