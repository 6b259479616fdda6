"""Run many independent tasks on any :class:`concurrent.futures.Executor`, with resumable results.

A task is a plain frozen dataclass (ints, strings, tuples) with a ``run()`` method that returns
a JSON-ready dict; sympy objects are built inside ``run`` on the worker, so only small specs
travel. The driver alone writes to the :class:`~eisym._store.ResultStore`, committing each
result as it arrives; a rerun skips every task whose key is already stored.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ._errors import SpecError
from ._store import ResultStore, open_store, task_key

__all__ = ["SweepTask", "SweepResult", "run_sweep", "spawn_seeds", "local_dask_executor", "dask_client"]


class SweepTask(Protocol):
    """What :func:`run_sweep` needs of a task: a picklable frozen dataclass with ``run()``."""

    def run(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    """Results in task order, and how many were computed now versus read back from the store."""

    results: tuple[dict[str, Any], ...]
    keys: tuple[str, ...]
    computed: int
    reused: int
    seconds: float


def spawn_seeds(root: int, n: int) -> tuple[int, ...]:
    """``n`` independent 32-bit seeds from ``np.random.SeedSequence(root).spawn(n)``.

    Examples
    --------
    >>> spawn_seeds(0, 3) == spawn_seeds(0, 3)
    True
    >>> len(set(spawn_seeds(0, 100)))
    100
    """
    if isinstance(root, bool) or not isinstance(root, (int, np.integer)) or root < 0:
        raise SpecError(f"seed must be a non-negative integer, got {root!r}")
    children = np.random.SeedSequence(int(root)).spawn(n)
    return tuple(int(c.generate_state(1, dtype=np.uint32)[0]) for c in children)


def _run_one(task: SweepTask) -> tuple[dict[str, Any], float]:
    start = time.perf_counter()
    result = task.run()
    return result, time.perf_counter() - start


def run_sweep(
    tasks: Sequence[SweepTask],
    executor: cf.Executor | None = None,
    store: ResultStore | str | None = None,
    progress: bool | None = None,
    *,
    workers: int | None = None,
    max_pending: int | None = None,
    on_result: Callable[[int, dict[str, Any]], None] | None = None,
) -> SweepResult:
    """Run every task not yet in ``store`` and return all results in task order.

    Parameters
    ----------
    tasks : sequence of frozen dataclasses with ``run() -> dict``
    executor : concurrent.futures.Executor, optional
        Any executor, e.g. ``distributed.Client(...).get_executor()``. Default: a local
        ``ProcessPoolExecutor(workers)``, shut down at the end.
    store : ResultStore or path, optional
        Where results live; a path is opened (and closed) here. Default: in memory.
    progress : bool or None
        A tqdm bar with the number of finished tasks and an ETA; ``None`` shows it only on a terminal.
    workers : int, optional
        Size of the default process pool.
    max_pending : int, optional
        Tasks in flight at once (default 4 per worker), so an interrupt loses little work.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Square:
    ...     n: int
    ...     def run(self):
    ...         return {"square": self.n ** 2}
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     out = run_sweep([Square(n=2), Square(n=3)], executor=pool, progress=False)
    >>> [r["square"] for r in out.results], out.computed
    ([4, 9], 2)
    """
    from tqdm.auto import tqdm

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SpecError(f"workers must be a positive integer, got {workers!r}")
    owned_store = not isinstance(store, ResultStore)
    db = store if isinstance(store, ResultStore) else open_store(store)
    started = time.perf_counter()
    try:
        keys = tuple(task_key(t) for t in tasks)
        done = db.get_many(dict.fromkeys(keys))
        todo: dict[str, SweepTask] = {}
        for key, task in zip(keys, tasks, strict=True):
            if key not in done and key not in todo:
                todo[key] = task
        reused = len(done)
        bar = tqdm(
            total=len(set(keys)),
            initial=reused,
            disable=(not progress) if progress is not None else None,
            desc="eisym sweep",
            unit="task",
        )
        if todo:
            owned_pool = executor is None
            pool = cf.ProcessPoolExecutor(max_workers=workers) if executor is None else executor
            limit = max_pending or 4 * (workers or getattr(pool, "_max_workers", None) or 2)
            try:
                _drain(pool, todo, db, limit, bar, done, keys, on_result)
            finally:
                if owned_pool:
                    pool.shutdown(wait=True, cancel_futures=True)
        bar.close()
        return SweepResult(
            results=tuple(done[k] for k in keys),
            keys=keys,
            computed=len(todo),
            reused=reused,
            seconds=time.perf_counter() - started,
        )
    finally:
        if owned_store:
            db.close()


def _drain(
    pool: cf.Executor,
    todo: dict[str, SweepTask],
    db: ResultStore,
    limit: int,
    bar: Any,
    done: dict[str, dict[str, Any]],
    keys: tuple[str, ...],
    on_result: Callable[[int, dict[str, Any]], None] | None,
) -> None:
    queue = list(todo.items())
    pending: dict[cf.Future, tuple[str, SweepTask]] = {}
    position = {k: i for i, k in enumerate(keys)}
    try:
        while queue or pending:
            while queue and len(pending) < limit:
                key, task = queue.pop(0)
                pending[pool.submit(_run_one, task)] = (key, task)
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                key, task = pending.pop(future)
                result, seconds = future.result()
                db.put(key, task, result, seconds)
                done[key] = result
                bar.update(1)
                if on_result is not None:
                    on_result(position[key], result)
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def local_dask_executor(workers: int = 2) -> tuple[Any, cf.Executor]:
    """An in-process dask.distributed cluster and its executor (``client.close()`` when done).

    Needs the ``dist`` extra (``pip install eisym[dist]``).
    """
    client = dask_client(None, workers=workers)
    return client, client.get_executor()


def dask_client(address: str | None, *, workers: int = 2) -> Any:
    """A ``distributed.Client`` for ``address`` (``tcp://HOST:PORT``), or for a new in-process cluster."""
    try:
        from distributed import Client
    except ImportError:
        from ._errors import MissingDependency

        raise MissingDependency(
            "dask.distributed is needed for --scheduler; install it with: pip install 'eisym[dist]'"
        ) from None
    if address is None:
        # The client owns this cluster, so client.close() also stops it.
        return Client(processes=False, n_workers=1, threads_per_worker=workers, dashboard_address=None)
    if not address.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
        raise SpecError(f"scheduler address {address!r} should look like tcp://HOST:PORT (or 'local')")
    return Client(address)
