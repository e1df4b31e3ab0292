"""The tool-result cache: puts are written to SQLite in batches, on close and when the process ends (also
a forked pool worker); threads and forked children share it safely; keys and results mean what they
meant before the batching."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tools import executor
from tools.registry import ToolResult

REPO = Path(__file__).resolve().parents[2]
FORK = "fork" in multiprocessing.get_all_start_methods()


@pytest.fixture(autouse=True)
def _no_timed_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the batch size, flush and close write, so what is stored when is deterministic."""
    monkeypatch.setattr(executor, "WRITE_INTERVAL_S", 3600.0)


def stored(db: Path) -> dict[str, Any]:
    """What another connection reads from the cache's database."""
    with closing(sqlite3.connect(db)) as con:
        return {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM results")}


def result(n: int) -> ToolResult:
    return ToolResult.success(str(n), value=[n, {"n": n}])


def keys(cache: executor.ResultCache, n: int) -> list[str]:
    return [cache.key("symbolic_math", "factor", {"n": i}) for i in range(n)]


def test_key_is_the_same_content_hash_as_before() -> None:
    cache = executor.ResultCache()
    args = {"b": [1, {"z": 1, "a": 2.5}], "a": "π", "c": None}
    blob = json.dumps([cache.version, "tool", "op", args], sort_keys=True, default=str, ensure_ascii=False)
    assert cache.key("tool", "op", args) == hashlib.sha256(blob.encode()).hexdigest()
    assert cache.key("tool", "op", dict(reversed(args.items()))) == cache.key("tool", "op", args)
    assert cache.key("tool", "other", args) != cache.key("tool", "op", args)


def test_puts_are_written_per_batch_and_on_close(tmp_path: Path) -> None:
    db = tmp_path / "tools.sqlite"
    cache = executor.ResultCache(str(db), batch=3)
    k = keys(cache, 4)
    cache.put(k[0], result(0))
    cache.put(k[1], result(1))
    assert stored(db) == {}
    assert cache.get(k[1]) == result(1)  # this process sees a queued result at once
    cache.put(k[2], result(2))  # fills the batch
    assert set(stored(db)) == set(k[:3])
    cache.put(k[3], result(3))
    cache.close()
    assert stored(db) == {key: result(n).model_dump() for n, key in enumerate(k)}


def test_flush_makes_results_visible_to_another_connection(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "OTHERS_CHECK_S", 0.0)
    db = tmp_path / "tools.sqlite"
    writer, reader = executor.ResultCache(str(db)), executor.ResultCache(str(db))
    k = keys(writer, 2)
    writer.put(k[0], result(0))
    assert reader.get(k[0]) is None and reader.misses == 1
    writer.flush()
    assert reader.get(k[0]) == result(0) and reader.hits == 1
    writer.put(k[1], result(1))
    writer.close()
    assert executor.ResultCache(str(db)).get(k[1]) == result(1)


def test_a_cold_database_is_not_queried_per_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only this cache has written results of its version: a key missing from memory is not in SQLite."""
    monkeypatch.setattr(executor, "OTHERS_CHECK_S", 0.0)  # ask about other writers on every miss
    db = tmp_path / "tools.sqlite"
    cache = executor.ResultCache(str(db), batch=1)
    k = keys(cache, 3)
    cache.put(k[0], result(0))  # written: the database now holds this cache's rows only
    statements: list[str] = []
    cache._connection().set_trace_callback(statements.append)
    assert cache.get(k[1]) is None and cache.get(k[2]) is None
    assert not [s for s in statements if "FROM results" in s]
    other = executor.ResultCache(str(db))
    other.put(k[2], result(2))
    other.close()
    assert cache.get(k[2]) == result(2)  # another writer exists now: misses are looked up
    assert [s for s in statements if "FROM results" in s]


def test_hits_are_fresh_models(tmp_path: Path) -> None:
    cache = executor.ResultCache(str(tmp_path / "tools.sqlite"))
    [k] = keys(cache, 1)
    original = result(7)
    cache.put(k, original)
    original.value.append("changed after the put")
    first = cache.get(k)
    first.value[1]["n"] = -1
    first.output = "changed"
    assert cache.get(k) == result(7)


def test_a_result_json_cannot_hold_is_returned_but_not_cached(tmp_path: Path) -> None:
    cache = executor.ResultCache(str(tmp_path / "tools.sqlite"))
    [k] = keys(cache, 1)
    cache.put(k, ToolResult(ok=True, output="\ud800"))
    cache.close()
    assert cache.get(k) is None and stored(tmp_path / "tools.sqlite") == {}


def test_a_failed_write_stays_queued(tmp_path: Path) -> None:
    db = tmp_path / "tools.sqlite"
    cache = executor.ResultCache(str(db))
    k = keys(cache, 2)
    cache.put(k[0], result(0))
    cache._connection().execute("PRAGMA busy_timeout = 10")
    with closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process is writing
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            cache.flush()
        other.execute("ROLLBACK")
    cache.put(k[1], result(1))
    cache.flush()
    assert set(stored(db)) == set(k)


def test_threads_share_one_cache(tmp_path: Path) -> None:
    """Eight threads get and put overlapping keys while small batches are written under them."""
    db = tmp_path / "tools.sqlite"
    cache = executor.ResultCache(str(db), batch=7)
    k = keys(cache, 60)

    def work(t: int) -> None:
        for i in range(300):
            n = (i * 7 + t) % len(k)
            got = cache.get(k[n])
            if got is None:
                cache.put(k[n], result(n))
            else:
                assert got == result(n)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert cache.hits + cache.misses == 8 * 300
    cache.close()
    assert stored(db) == {key: result(n).model_dump() for n, key in enumerate(k)}


@pytest.mark.parametrize("ending", ["pass", "sys.exit(3)", "raise RuntimeError('stage failed')"])
def test_queued_results_are_written_when_the_process_ends(tmp_path: Path, ending: str) -> None:
    db = tmp_path / "tools.sqlite"
    code = textwrap.dedent(f"""
        import sys
        from tools import executor
        from tools.registry import ToolResult
        cache = executor.cache()
        for n in range(10):
            cache.put(cache.key("symbolic_math", "factor", {{"n": n}}), ToolResult.success(str(n)))
        {ending}
        """)
    env = dict(os.environ, PYTHONPATH=str(REPO), TOOLTRACE_TOOL_CACHE=str(db))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == {"pass": 0, "sys.exit(3)": 3}.get(ending, 1), proc.stderr
    assert sorted(v["output"] for v in stored(db).values()) == [str(n) for n in range(10)]


def _put_in_pool_worker(db: str, n: int) -> int:
    cache = executor.ResultCache(db)  # the worker's own cache, dropped with its results still queued
    cache.put(cache.key("symbolic_math", "factor", {"n": n}), result(n))
    return os.getpid()


@pytest.mark.skipif(not FORK, reason="needs fork")
def test_forked_pool_workers_write_their_results_when_they_exit(tmp_path: Path) -> None:
    """As in the execute stage: multiprocessing's workers leave by os._exit, without atexit."""
    db = tmp_path / "tools.sqlite"
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        pids = set(pool.map(_put_in_pool_worker, [str(db)] * 6, range(6)))
    assert pids and os.getpid() not in pids
    assert sorted(v["output"] for v in stored(db).values()) == [str(n) for n in range(6)]


_inherited: list[executor.ResultCache] = []


def _use_inherited_cache(parent_key: str, child_key: str) -> None:
    cache = _inherited[0]
    assert cache.get(parent_key) == result(1)  # the parent's results stay in the child's memory
    cache.put(child_key, result(2))


@pytest.mark.skipif(not FORK, reason="needs fork")
def test_a_forked_child_neither_shares_the_connection_nor_writes_the_parents_queue(tmp_path: Path) -> None:
    db = tmp_path / "tools.sqlite"
    cache = executor.ResultCache(str(db))
    parent_key, child_key = keys(cache, 2)
    cache.put(parent_key, result(1))  # queued in the parent when it forks
    _inherited[:] = [cache]
    child = multiprocessing.get_context("fork").Process(target=_use_inherited_cache,
                                                        args=(parent_key, child_key))
    try:
        with cache._db_lock:  # a parent thread is mid-write: the child must not wait for this lock
            child.start()
            child.join(timeout=60)
        assert child.exitcode == 0
    finally:
        _inherited.clear()
        if child.is_alive():
            child.kill()
    assert set(stored(db)) == {child_key}  # the child wrote its own result, not the parent's queue
    cache.close()
    assert stored(db) == {parent_key: result(1).model_dump(), child_key: result(2).model_dump()}
    with closing(sqlite3.connect(db)) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
