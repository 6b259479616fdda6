"""Sweep results in an sqlite3 file: one row per finished task, keyed by a hash of the task.

The key hashes the task's type, its fields and ``eisym.__version__``, so a result computed by
another version is never reused. Only the driver process writes (workers return results to it);
every result is committed on arrival in WAL mode, so a sweep killed at any moment (Ctrl-C or
kill -9) keeps everything it had finished and a rerun computes only what is missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ._errors import SpecError

__all__ = ["task_key", "task_to_dict", "ResultStore", "open_store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version TEXT NOT NULL,
    task TEXT NOT NULL,
    result TEXT NOT NULL,
    seconds REAL NOT NULL
)
"""


def _version() -> str:
    from . import __version__

    return __version__


def task_to_dict(task: object) -> dict[str, Any]:
    """A frozen task dataclass as plain JSON-ready data (tuples become lists).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class T:
    ...     widths: tuple[int, ...]
    >>> task_to_dict(T(widths=(1, 2, 1)))
    {'type': 'T', 'fields': {'widths': [1, 2, 1]}}
    """
    if not dataclasses.is_dataclass(task) or isinstance(task, type):
        raise SpecError(f"a sweep task must be a dataclass instance, got {task!r}")
    fields = {f.name: getattr(task, f.name) for f in dataclasses.fields(task)}
    return {"type": type(task).__name__, "fields": json.loads(json.dumps(fields))}


def task_key(task: object, version: str | None = None) -> str:
    """The stable key of a task: sha256 of its canonical JSON and the eisym version.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class T:
    ...     seed: int
    >>> task_key(T(seed=1), "1.0") == task_key(T(seed=1), "1.0") != task_key(T(seed=2), "1.0")
    True
    """
    doc = {"task": task_to_dict(task), "version": _version() if version is None else version}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class ResultStore:
    """An sqlite3 table of task results; use :func:`open_store` to make one.

    Results are JSON objects. ``put`` commits at once; putting a key twice keeps the first
    result (a resumed sweep never duplicates a row).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._db = sqlite3.connect(self.path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except sqlite3.Error as exc:
            raise SpecError(f"cannot open the results database {self.path}: {exc}") from None

    def close(self) -> None:
        """Close the connection (the data are already committed)."""
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def keys(self) -> frozenset[str]:
        """Keys of every stored result."""
        return frozenset(row[0] for row in self._db.execute("SELECT key FROM results"))

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result of ``key``, or None."""
        row = self._db.execute("SELECT result FROM results WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Stored results of the given keys (missing keys are left out)."""
        wanted = list(keys)
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, text in self._db.execute(
                f"SELECT key, result FROM results WHERE key IN ({marks})", chunk
            ):
                out[key] = json.loads(text)
        return out

    def put(self, key: str, task: object, result: dict[str, Any], seconds: float) -> None:
        """Store one result and commit."""
        text = json.dumps(result, sort_keys=True, separators=(",", ":"))
        spec = json.dumps(task_to_dict(task), sort_keys=True, separators=(",", ":"))
        self._db.execute(
            "INSERT OR IGNORE INTO results (key, kind, version, task, result, seconds) VALUES (?,?,?,?,?,?)",
            (key, type(task).__name__, _version(), spec, text, float(seconds)),
        )
        self._db.commit()

    def count(self) -> int:
        """Number of stored results."""
        return int(self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0])


def open_store(path: str | Path | None) -> ResultStore:
    """Open (or create) the results file at ``path``; ``None`` gives an in-memory store.

    Examples
    --------
    >>> store = open_store(None)
    >>> store.count()
    0
    """
    if path is None:
        return ResultStore(":memory:")
    parent = Path(path).parent
    if not parent.exists():
        raise SpecError(f"the directory of the results file {path} does not exist; create it first")
    return ResultStore(path)
