"""Runs a normalised tool call: cache lookup, then the op in a time- and memory-limited worker.

Why workers: tool arguments come from an LLM, and even a safely *parsed* expression can be expensive
(`expand((x+1)**100000)`, a hard Z3 problem). Each call runs in a persistent worker process with an
address-space cap; the caller waits at most `timeout` seconds, then kills the worker (and starts a fresh
one), so the calling process always keeps working. Workers are persistent `python -m tools.worker`
processes that import SymPy/Z3 once (≈1 s), so a call costs an IPC round trip, not an interpreter start.

Why a cache: many problems share tool calls, and the execute stage re-runs every call a trace claims. The
key is a content hash of the tools' source code + tool + op + canonical arguments, so a code change
invalidates it. Results of time-outs and crashed workers are never cached (they depend on load). Results
reach SQLite in batches, at the latest when the process ends (see `ResultCache`).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import queue
import secrets
import select
import sqlite3
import subprocess
import sys
import threading
import time
import weakref
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


WRITE_BATCH = 256  # results per transaction: ~8 µs per row to write, ~65 µs per row autocommitted
WRITE_INTERVAL_S = 10.0  # a queued result waits at most this long for a later put to write it
OTHERS_CHECK_S = 1.0  # how often a cache asks whether another writer has stored results of its version
_KEY_ENCODER = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)
_live_caches: weakref.WeakSet[ResultCache] = weakref.WeakSet()  # SQLite-backed: reset in a forked child
_dirty: set[ResultCache] = set()  # with queued results: kept alive until written, even if dropped
_inherited_connections: list[sqlite3.Connection] = []
_exit_hooked = False


class ResultCache:
    """In-memory cache, optionally backed by SQLite (`TOOLTRACE_TOOL_CACHE=path`) across processes.

    Why write-behind: an autocommitted INSERT per result cost ~65 µs of the caller's CPU (plus a GIL
    hand-off behind the other builder threads), the bulk of the cache's cost in the generate stage.
    `put` only queues a result; `flush` writes the queue in one transaction, every `batch` puts or
    `WRITE_INTERVAL_S` seconds, on `close`, and when the process exits (see `_hook_exit`). Another
    process therefore sees a result once its batch is written; the one that computed it sees it at once.
    A killed process (SIGKILL) loses at most its last unwritten batch: cheap to recompute.

    Why `writers`: on a cold database (the generate stage after any change to the tools) nearly every
    call misses, and a SELECT per miss cost ~5 µs plus a GIL hand-off. Every cache instance records itself
    as a writer of its version with its first batch; as long as no *other* writer of this version exists,
    a key missing from memory cannot be in SQLite (our own results are all in memory), so no SELECT. The
    question is asked again at most every `OTHERS_CHECK_S`: a concurrent writer's results are found that
    much later, while without it another process would find them once their batch is written anyway.
    """

    def __init__(self, path: str | None = None, batch: int = WRITE_BATCH):
        self.version = _tools_version()
        self.path = path
        self.batch = max(1, batch)
        # Results are kept as their JSON text, the form SQLite stores: a put serialises once, a hit
        # parses once (a fresh model per hit, as callers may modify what they get).
        self._mem: dict[str, str] = {}
        self._pending: list[tuple[str, str]] = []
        self._last_write = time.monotonic()
        self._lock = threading.Lock()  # _mem, _pending, the counters
        self._db_lock = threading.Lock()  # the connection; taken before _lock, never while holding it
        self._db: sqlite3.Connection | None = None
        self._writer = secrets.token_hex(8)
        self._others_seen = False  # has another writer stored results of this version?
        self._next_check = 0.0
        self.hits = self.misses = 0
        if path:
            self._db = _connect(path)
            _live_caches.add(self)

    def key(self, tool: str, op: str, args: dict[str, Any]) -> str:
        # One shared encoder: json.dumps builds a new one per call when given options (~2 µs of ~7).
        blob = _KEY_ENCODER.encode([self.version, tool, op, args])
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> ToolResult | None:
        """The cached result, or None."""
        with self._lock:
            text = self._mem.get(key)
            if text is not None:
                self.hits += 1
        if text is None:
            text = self._select(key) if self.path and self._may_be_stored() else None
            with self._lock:
                if text is None:
                    self.misses += 1
                    return None
                text = self._mem.setdefault(key, text)
                self.hits += 1
        return ToolResult.model_validate_json(text)

    def put(self, key: str, result: ToolResult) -> None:
        """Remember `result`; it reaches SQLite with the next batch. A result JSON cannot hold (a lone
        surrogate, an object of no JSON type) is not cached."""
        try:
            text = result.model_dump_json()
        except ValueError:  # pydantic's serialisation errors are ValueErrors
            return
        with self._lock:
            self._mem[key] = text
            if not self.path:
                return
            self._pending.append((key, text))
            if len(self._pending) == 1:
                _dirty.add(self)
            due = (len(self._pending) >= self.batch
                   or time.monotonic() - self._last_write >= WRITE_INTERVAL_S)
        if not _exit_hooked:
            _hook_exit()
        if due:
            self.flush()

    def flush(self) -> None:
        """Write every pending result in one transaction; on return, other processes can read them."""
        with self._db_lock:
            with self._lock:
                rows, self._pending = self._pending, []
                self._last_write = time.monotonic()
                _dirty.discard(self)
            if not rows:
                return
            try:
                self._write(rows)
            except BaseException:
                with self._lock:  # keep them for the next flush (e.g. after "database is locked")
                    self._pending[:0] = rows
                    _dirty.add(self)
                raise

    def close(self) -> None:
        """Flush and close the connection (a later use reopens it)."""
        self.flush()
        with self._db_lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _connection(self) -> sqlite3.Connection:
        """The open connection (call with _db_lock held)."""
        if self._db is None:
            assert self.path, "a memory-only cache has no connection"
            self._db = _connect(self.path)
        return self._db

    def _may_be_stored(self) -> bool:
        """Can a key missing from memory be in SQLite? (see the class docstring)"""
        if self._others_seen:
            return True
        now = time.monotonic()
        if now < self._next_check:
            return False
        with self._db_lock:
            self._next_check = now + OTHERS_CHECK_S
            row = self._connection().execute("SELECT 1 FROM writers WHERE version = ? AND writer != ? LIMIT 1",
                                             (self.version, self._writer)).fetchone()
            self._others_seen = row is not None
        return self._others_seen

    def _select(self, key: str) -> str | None:
        with self._db_lock:
            row = self._connection().execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _write(self, rows: list[tuple[str, str]]) -> None:
        """INSERT `rows` in one transaction (call with _db_lock held)."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?)", rows)
            db.execute("INSERT OR IGNORE INTO writers VALUES (?, ?)", (self.version, self._writer))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _forget_parent_state(self) -> None:
        """In a forked child: SQLite connections must not cross a fork, a lock may have been held by a
        parent thread that does not exist here, and the pending results are the parent's to write. The
        child keeps the results in memory and opens its own connection on first use."""
        self._lock = threading.Lock()
        self._db_lock = threading.Lock()
        self._pending = []
        self._last_write = time.monotonic()
        self._writer = secrets.token_hex(8)  # the parent's rows are another writer's: look them up
        self._others_seen = False
        self._next_check = 0.0
        if self._db is not None:
            _inherited_connections.append(self._db)  # never used here; kept so nothing closes it early
            self._db = None


def _connect(path: str) -> sqlite3.Connection:
    """A connection shared by the process's threads (our locks serialise its use), in autocommit mode:
    `_write` opens its own transactions."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    # A cache may lose its last writes on power loss (never corrupt in WAL mode): no fsync per commit.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE IF NOT EXISTS writers (version TEXT NOT NULL, writer TEXT NOT NULL,"
               " PRIMARY KEY (version, writer)) WITHOUT ROWID")
    return db


def flush_all() -> None:
    """Write the pending results of every cache of this process."""
    for store in list(_dirty):
        store.flush()


def _hook_exit() -> None:
    """Arrange for `flush_all` when this process ends (once per process, on its first queued result).

    atexit covers a normal exit, sys.exit and an uncaught exception; multiprocessing's workers leave by
    os._exit, skipping atexit, but run the finalizers registered in them (hence registered lazily: a
    forked worker clears the ones it inherited)."""
    global _exit_hooked
    _exit_hooked = True
    atexit.register(flush_all)
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        mp_util.Finalize(None, flush_all, exitpriority=0)


def _after_fork_in_child() -> None:
    global _exit_hooked
    _exit_hooked = False
    _dirty.clear()
    for store in list(_live_caches):
        store._forget_parent_state()


os.register_at_fork(after_in_child=_after_fork_in_child)


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
