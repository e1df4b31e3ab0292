"""Runs a normalised tool call: cache lookup, then the op in a time- and memory-limited worker.

Why workers: tool arguments come from an LLM, and even a safely *parsed* expression can be expensive
(`expand((x+1)**100000)`, a hard Z3 problem). Each call runs in a persistent worker process with an
address-space cap; the caller waits at most `timeout` seconds, then kills the worker (and starts a fresh
one), so the calling process always keeps working. Workers are persistent `python -m tools.worker`
processes that import SymPy/Z3 once (≈1 s), so a call costs an IPC round trip, not an interpreter start.

Why a cache: many problems share tool calls, and the execute stage re-runs every call a trace claims. The
key is a content hash of the tools' source code + tool + op + canonical arguments, so a code change
invalidates it. Results of time-outs and crashed workers are never cached (they depend on load).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import queue
import select
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tools.registry import ToolResult

DEFAULT_TIMEOUT_S = float(os.environ.get("TOOLTRACE_TOOL_TIMEOUT", "20"))
MEMORY_LIMIT_MB = int(os.environ.get("TOOLTRACE_TOOL_MEMORY_MB", "2048"))
POOL_SIZE = int(os.environ.get("TOOLTRACE_TOOL_WORKERS", str(os.cpu_count() or 2)))
SYMPY_CACHE_SIZE = "200000"


# -- workers -------------------------------------------------------------------------------------
_PKG_ROOT = str(Path(__file__).resolve().parent.parent)


class _Worker:
    """One `python -m tools.worker` child speaking JSON lines over its stdin/stdout."""

    def __init__(self, memory_mb: int):
        env = dict(os.environ)
        # One BLAS thread: the address-space cap is per process and BLAS thread arenas are large.
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        # SymPy memoises sub-results (assumption queries, flattening, ...) in an LRU of 1,000 entries by
        # default; a worker serving thousands of related calls reuses far more than that. 200,000 entries
        # cut the symbolic ops' CPU by ~25 % at ~250 MB peak RSS (well inside the address-space cap).
        env.setdefault("SYMPY_CACHE_SIZE", SYMPY_CACHE_SIZE)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PKG_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen([sys.executable, "-m", "tools.worker", str(memory_mb)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=_PKG_ROOT)
        self._buf = b""
        self.ready = False

    def _readline(self, deadline: float | None) -> bytes | None:
        """A line from the worker, or None at the deadline; raises EOFError if the worker died."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError("worker exited")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def request(self, payload: str, timeout: float) -> bytes | None:
        if not self.ready:  # first use: wait for the imports to finish (not counted in the call's limit)
            if self._readline(time.monotonic() + 120) is None:
                raise EOFError("worker did not start")
            self.ready = True
        self.proc.stdin.write(payload.encode() + b"\n")
        self.proc.stdin.flush()
        return self._readline(time.monotonic() + timeout)

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except Exception:
            pass


class WorkerPool:
    """A fixed number of workers shared by all threads; a stuck or dead worker is replaced."""

    def __init__(self, size: int = POOL_SIZE, memory_mb: int = MEMORY_LIMIT_MB):
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._created = 0
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []

    def _spawn(self) -> _Worker:
        """A new worker counted against the pool's size (call with the lock held)."""
        self._created += 1
        worker = _Worker(self.memory_mb)
        self._workers.append(worker)
        return worker

    def _acquire(self) -> _Worker:
        while True:
            with self._lock:
                if self._idle.empty() and self._created < self.size:
                    return self._spawn()
            try:  # poll, so a slot freed by a killed worker is noticed
                return self._idle.get(timeout=0.05)
            except queue.Empty:
                continue

    def start(self) -> None:
        """Start every worker now (they import SymPy/Z3 in parallel with whatever the caller does next),
        rather than one by one on first use."""
        with self._lock:
            while self._created < self.size:
                self._idle.put(self._spawn())

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
            self._created -= 1  # a fresh worker is started lazily by the next caller

    def run(self, tool: str, op: str, args: dict[str, Any], timeout: float) -> tuple[ToolResult, bool]:
        """Return (result, cacheable)."""
        worker = self._acquire()
        try:
            line = worker.request(json.dumps([tool, op, args], default=str), timeout)
        except (EOFError, OSError, BrokenPipeError, ValueError):
            self._replace(worker)
            return ToolResult.failure("the computation exceeded the memory or resource limit"), False
        if line is None:
            self._replace(worker)
            return ToolResult.failure(f"timed out after {timeout:g} s (the computation is too large)"), False
        self._idle.put(worker)
        return ToolResult.model_validate_json(line), True

    def close(self) -> None:
        with self._lock:
            for w in self._workers:
                w.kill()
            self._workers.clear()
            self._created = 0
            self._idle = queue.Queue()


# -- cache ---------------------------------------------------------------------------------------
def _tools_version() -> str:
    """Hash of the tools package source: a code change invalidates cached results."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


class ResultCache:
    """In-memory cache, optionally backed by SQLite (`TOOLTRACE_TOOL_CACHE=path`) across processes."""

    def __init__(self, path: str | None = None):
        self.version = _tools_version()
        self._mem: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.hits = self.misses = 0
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # A cache may lose its last writes on power loss (never corrupt in WAL mode): no fsync per insert.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def key(self, tool: str, op: str, args: dict[str, Any]) -> str:
        blob = json.dumps([self.version, tool, op, args], sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> ToolResult | None:
        with self._lock:
            hit = self._mem.get(key)
            if hit is None and self._db is not None:
                row = self._db.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
                if row:
                    hit = json.loads(row[0])
                    self._mem[key] = hit
            if hit is None:
                self.misses += 1
                return None
            self.hits += 1
            return ToolResult.model_validate(hit)

    def put(self, key: str, result: ToolResult) -> None:
        data = result.model_dump()
        with self._lock:
            self._mem[key] = data
            if self._db is not None:
                self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?)", (key, json.dumps(data)))


_pool: WorkerPool | None = None
_cache: ResultCache | None = None
_init_lock = threading.Lock()


def pool() -> WorkerPool:
    global _pool
    with _init_lock:
        if _pool is None:
            _pool = WorkerPool()
            atexit.register(_pool.close)
        return _pool


def cache() -> ResultCache:
    global _cache
    with _init_lock:
        if _cache is None:
            _cache = ResultCache(os.environ.get("TOOLTRACE_TOOL_CACHE") or None)
        return _cache


def execute(norm: Any, *, timeout: float | None = None, use_cache: bool = True) -> ToolResult:
    """Run `norm` (a tools.runtime.Normalised) with caching and limits."""
    timeout = DEFAULT_TIMEOUT_S if timeout is None else timeout
    store = cache() if use_cache else None
    key = store.key(norm.tool, norm.op.name, norm.args) if store else ""
    if store is not None:
        hit = store.get(key)
        if hit is not None:
            return hit
    if norm.op.isolated:
        result, cacheable = pool().run(norm.tool, norm.op.name, norm.args, timeout)
    else:  # the op isolates itself (execute_python's sandbox); its time-outs depend on load, not input
        result = norm.op.run(norm.args)
        cacheable = not (isinstance(result.value, dict) and result.value.get("timed_out"))
    if store is not None and cacheable:
        store.put(key, result)
    return result
