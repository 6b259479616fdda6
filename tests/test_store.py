import sqlite3
from dataclasses import dataclass

import pytest

from eisym import SpecError
from eisym._store import open_store, task_key, task_to_dict


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    widths: tuple[int, ...]
    seed: int
    label: str = "a"


def test_key_depends_on_every_field_and_the_version():
    base = Spec(widths=(1, 2, 1), seed=3)
    assert task_key(base, "1") == task_key(Spec(widths=(1, 2, 1), seed=3), "1")
    others = [
        Spec(widths=(1, 3, 1), seed=3),
        Spec(widths=(1, 2, 1), seed=4),
        Spec(widths=(1, 2, 1), seed=3, label="b"),
    ]
    keys = {task_key(t, "1") for t in others} | {task_key(base, "1"), task_key(base, "2")}
    assert len(keys) == 5


def test_task_to_dict_is_plain_json():
    assert task_to_dict(Spec(widths=(2, 1), seed=0)) == {
        "type": "Spec",
        "fields": {"widths": [2, 1], "seed": 0, "label": "a"},
    }


def test_task_must_be_a_dataclass_instance():
    with pytest.raises(SpecError, match="dataclass"):
        task_key({"seed": 1})
    with pytest.raises(SpecError, match="dataclass"):
        task_key(Spec)


def test_results_survive_reopening_and_are_never_duplicated(tmp_path):
    path = tmp_path / "r.sqlite"
    task = Spec(widths=(1, 1), seed=1)
    key = task_key(task)
    with open_store(path) as store:
        store.put(key, task, {"x": [1, 2]}, 0.5)
        store.put(key, task, {"x": "second"}, 0.1)
    with open_store(path) as store:
        assert store.count() == 1
        assert store.get(key) == {"x": [1, 2]}
        assert store.get("missing") is None
        assert store.keys() == frozenset({key})
        assert store.get_many([key, "missing"]) == {key: {"x": [1, 2]}}
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_many_keys_are_fetched_in_chunks():
    store = open_store(None)
    tasks = [Spec(widths=(1,), seed=i) for i in range(1200)]
    for t in tasks:
        store.put(task_key(t), t, {"seed": t.seed}, 0.0)
    got = store.get_many(task_key(t) for t in tasks)
    assert [got[task_key(t)]["seed"] for t in tasks] == list(range(1200))


def test_missing_directory_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        open_store(tmp_path / "nope" / "r.sqlite")
