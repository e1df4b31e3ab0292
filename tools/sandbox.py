"""Run LLM-written Python in an isolated, resource-limited child process.

Why this exists: `execute_python` runs code a model wrote. That code must not see API keys, read or
write the repository, reach the network, signal or inspect the pipeline, or take the machine down
(fork/memory bombs, endless output, huge files). The options were measured on the team's machines
(shared notes, `sandbox.md`): exec()-in-a-worker designs are not sandboxes; bwrap + a forking warm
worker is both isolated and ~50x cheaper than a fresh interpreter that imports the math stack.

How:
- **Isolation** (when `bwrap` works): bubblewrap with every namespace unshared (no network: only
  `lo`; own pid namespace; own /proc), a read-only view of `/`, a fresh size-capped tmpfs on /tmp,
  and empty tmpfs over the repository, /root, /home, /work and other places that may hold secrets;
  the interpreter's own directories are bound back read-only. The environment is empty except for
  a few locale/thread settings.
- **Per task** (in both modes): a forked child with its own temp dir as cwd, rlimits (address
  space, CPU, process count, file size, open files), stdin from /dev/null, every other descriptor
  closed, and — when we are root — a drop to uid 65534 (RLIMIT_NPROC does not apply to root, so
  this is what stops a fork bomb; it also makes the parent unsignalable). The whole task (including
  processes that escaped its session) is SIGKILLed at the limit.
- **Speed**: a warm "zygote" (`tools/sandbox_worker.py`) has numpy/sympy/... imported already and
  forks one child per task, ~50x cheaper than a fresh interpreter importing the math stack. A small
  pool of zygotes serves concurrent threads; a dead zygote is replaced on the next call; all are
  closed at interpreter exit. Code that imports only preloaded standard-library modules runs in a
  second, light pool (no numpy/SymPy: about half the CPU per task, same isolation; `stdlib_only`).
- **Landlock** (kernel >= 5.13, both modes): the task may read only system and interpreter dirs,
  write only its own dir, make no TCP connections, and (ABI >= 6) signal nothing outside itself.
- **Pre-forking**: the zygote forks and locks down the next child while it waits for a request, and
  replies before cleaning up, so a call's latency excludes the fork when calls are not back-to-back.
- **Per-call cost** (measured on the team's 2-core VM, see `benchmarks/bench_sandbox.py`): what a
  task costs is mostly the kernel copying the zygote's page tables at fork and the child's
  copy-on-write page faults, so the zygote keeps its heap in huge pages and its garbage collector
  off the preloaded objects, sleeps while a child runs (the output waits in an enlarged pipe),
  builds the child's Landlock ruleset itself (the fixed rules once), and hands the child a request
  it can decode with next to no Python (a struct header and the code as UTF-8, not JSON).
- **Fallback** (no usable bwrap): the same zygote as a plain child with a scrubbed environment,
  rlimits, uid drop, Landlock and (when permitted) its own network namespace. Without Landlock it
  cannot hide world-readable files; after the uid drop it may be unable to import modules the zygote
  did not preload if the interpreter lives in a private home dir. `isolation_mode()` names the mode.

Public interface: `run(code, timeout=...) -> RunResult`, `isolation_mode()`, `warm()`, `shutdown()`,
`stdlib_only(code)`, and `Sandbox` for a pool with its own settings. Environment knobs: TOOLTRACE_SANDBOX_NO_BWRAP,
TOOLTRACE_SANDBOX_NO_LANDLOCK, TOOLTRACE_SANDBOX_WORKERS (pool size, default 2),
TOOLTRACE_SANDBOX_HIDE (extra paths to hide, os.pathsep-separated), TOOLTRACE_SANDBOX_DEBUG (zygote
stderr shown).
"""

from __future__ import annotations

import ast
import atexit
import ctypes
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKER_SOURCE = Path(__file__).with_name("sandbox_worker.py")

NOBODY = 65534
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 512
DEFAULT_MAX_OUTPUT = 10_000  # bytes of output kept and shown
HARD_OUTPUT_CAP = 4 * 1024 * 1024  # past this much output the task is killed
DEFAULT_NPROC = 32
DEFAULT_FSIZE_MB = 16
MAX_CODE_CHARS = 200_000
TMPFS_MB = 64
STARTUP_TIMEOUT = 60.0  # importing sympy on a loaded 2-core machine can be slow
# Imported once in the zygote. Besides speed this matters for the fallback: after the uid drop the
# child may be unable to read an interpreter that lives under a private home directory.
STDLIB_PRELOAD = ("math", "cmath", "statistics", "itertools", "functools", "collections", "fractions",
                  "decimal", "random", "re", "json", "string", "heapq", "bisect", "operator", "datetime",
                  "time", "copy", "pprint", "textwrap", "typing", "dataclasses", "enum", "array", "struct",
                  "hashlib", "base64", "csv", "io", "subprocess", "socket", "ctypes", "traceback", "ast")
PRELOAD = (*STDLIB_PRELOAD, "numpy", "sympy")
# Run once in the zygote (trusted, fixed code): first use of these SymPy/numpy paths imports more modules.
WARMUP = """
import numpy as np, sympy as sp
x, y = sp.symbols('x y')
sp.integrate(x**2 * sp.sin(x), x); sp.integrate(x**2, (x, 0, 3)); sp.solve([x + y - 3, x - y - 1], [x, y])
sp.simplify(sp.sin(x)**2 + sp.cos(x)**2); sp.factor(x**2 - 1); sp.expand((x + 1)**3); sp.diff(sp.exp(x), x)
sp.limit(sp.sin(x) / x, x, 0); sp.series(sp.exp(x), x, 0, 4); sp.Matrix([[1, 2], [3, 4]]).det()
sp.nsimplify(0.5); sp.isprime(97); sp.factorint(360); sp.Rational(1, 3) + 1; sp.sqrt(8); sp.N(sp.pi, 20)
sp.sympify('x + 1'); sp.latex(x**2); str(x**2); sp.dsolve(sp.Derivative(sp.Function('f')(x), x) - 1)
np.linalg.solve(np.eye(2), np.ones(2)); np.linalg.det(np.eye(2)); np.polyfit([0, 1, 2], [1, 3, 5], 1)
np.random.default_rng(0).random(3); np.fft.fft(np.ones(4))
"""
# A request on the wire: these numbers, then the code as UTF-8. Not JSON: the zygote and the child
# unpack it with next to no work (in the child every object touched costs a copy-on-write fault).
REQUEST_HEADER = struct.Struct(">d5q")
REQUEST_FIELDS = ("timeout", "memory_mb", "max_output", "hard_output_cap", "nproc", "fsize_mb")
# Places that may hold secrets or the repository; hidden (empty tmpfs) inside bwrap.
SECRET_DIRS = ("/root", "/home", "/work", "/mnt", "/media", "/srv", "/opt", "/run", "/var/tmp",
               "/var/lib", "/var/log", "/var/mail", "/var/spool", "/var/cache", "/var/backups")
# Never hidden, whatever a caller asks: the sandbox needs them to run at all.
SYSTEM_DIRS = {"/", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc",
               "/dev", "/sys", "/var"}
# What sandboxed code may read under Landlock (plus the interpreter's directories).
READ_DIRS = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/sys"}
SANDBOX_ENV = {
    "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg",
}


@dataclass
class RunResult:
    """What one execution produced. `error` is the exception line (e.g. `ZeroDivisionError:
    division by zero`), never a traceback; `stdout` holds stdout and stderr interleaved."""

    stdout: str = ""
    error: str | None = None
    timed_out: bool = False
    truncated: bool = False
    output_bytes: int = 0
    ms: float = 0.0
    sandbox: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SandboxUnavailable(RuntimeError):
    """No worker could be started (the interpreter cannot even be launched)."""


# -------------------------------------------------------------------------------------------------
# Which isolation is available
# -------------------------------------------------------------------------------------------------

def _is_root() -> bool:
    return os.geteuid() == 0


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _python_dirs() -> list[str]:
    """Directories the interpreter needs to run and import the math stack."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(key):
            dirs.add(paths[key])
    for entry in sys.path:
        if entry and os.path.isdir(entry) and ("site-packages" in entry or entry.endswith("lib-dynload")):
            dirs.add(entry)
    return sorted({os.path.realpath(d) for d in dirs if d and os.path.isdir(d)})


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(_under(path, k) for k in kept):
            kept.append(path)
    return kept


def _hidden_paths(extra: tuple[str, ...] = ()) -> list[str]:
    """Everything to cover with an empty tmpfs: secret dirs, the repo, our cwd and home, extras."""
    env_extra = tuple(p for p in os.environ.get("TOOLTRACE_SANDBOX_HIDE", "").split(os.pathsep) if p)
    candidates = [*SECRET_DIRS, str(REPO_ROOT), os.getcwd(), os.path.expanduser("~"), *extra, *env_extra]
    out: list[str] = []
    for cand in candidates:
        real = os.path.realpath(cand)
        if real in SYSTEM_DIRS or not os.path.exists(real) or _under(real, "/tmp"):
            continue
        out.append(real)
    return _outermost(out)  # a path inside a hidden dir is hidden already


def _bwrap_argv(hide: tuple[str, ...] = ()) -> list[str] | None:
    """The bubblewrap prefix, or None when bwrap is not installed (or disabled)."""
    if os.environ.get("TOOLTRACE_SANDBOX_NO_BWRAP"):
        return None
    bwrap = shutil.which("bwrap") or ("/usr/bin/bwrap" if os.path.exists("/usr/bin/bwrap") else None)
    if bwrap is None:
        return None
    # As root, `--unshare-all` would add a user namespace mapping only uid 0, and then the uid drop
    # (the only thing that makes RLIMIT_NPROC bite) is impossible: unshare everything else instead.
    unshare = (["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
               if _is_root() else ["--unshare-all"])
    argv = [bwrap, *unshare, "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
            "--size", str(TMPFS_MB * 1024 * 1024), "--tmpfs", "/tmp"]
    hidden = _hidden_paths(hide)
    for path in hidden:
        if os.path.isdir(path):
            argv += ["--tmpfs", path]
        else:
            argv += ["--ro-bind", "/dev/null", path]
    made: set[str] = set()
    for path in _outermost(_python_dirs()):
        top = next((h for h in [*hidden, "/tmp"] if _under(path, h)), None)
        if top is None:
            continue
        # bwrap would create the missing parents as 0700 root dirs, unreadable after the uid drop.
        parents = []
        parent = os.path.dirname(path)
        while _under(parent, top) and parent != top:
            parents.append(parent)
            parent = os.path.dirname(parent)
        for parent in reversed(parents):
            if parent not in made:
                made.add(parent)
                argv += ["--perms", "0755", "--dir", parent]
        argv += ["--ro-bind", path, path]
    if _is_root():
        # Without a user namespace bwrap keeps root's capabilities: keep only what the zygote needs
        # (switch uid, own the task dir, clean it up, kill the task) — all lost at the uid drop.
        argv += ["--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL"):
            argv += ["--cap-add", cap]
    for key, val in _sandbox_env().items():
        argv += ["--setenv", key, val]
    argv += ["--chdir", "/tmp", "--"]
    return argv


def _sandbox_env() -> dict[str, str]:
    env = dict(SANDBOX_ENV)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"])
    return env


_probe_lock = threading.Lock()
_probe_result: dict[tuple[str, ...], bool] = {}


def _bwrap_works(argv: list[str]) -> bool:
    """bwrap may be installed yet unusable (no namespaces in a container): try it once."""
    key = tuple(argv)
    with _probe_lock:
        if key not in _probe_result:
            try:
                proc = subprocess.run([*argv, sys.executable, "-I", "-S", "-c", "pass"], env=_launch_env(),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, timeout=20, cwd="/")
                _probe_result[key] = proc.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                _probe_result[key] = False
        return _probe_result[key]


def _launch_env() -> dict[str, str]:
    """What bwrap itself (or the fallback zygote) is started with: nothing from our environment,
    so not even /proc/<bwrap>/environ holds a key."""
    return _sandbox_env()


_landlock: int | None = None


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0 when unavailable or disabled)."""
    global _landlock
    if _landlock is None:
        _landlock = 0
        if not os.environ.get("TOOLTRACE_SANDBOX_NO_LANDLOCK"):
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                libc.syscall.restype = ctypes.c_long
                _landlock = max(int(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))), 0)
            except (OSError, AttributeError):
                _landlock = 0
    return _landlock


def _mode_name(bwrap: bool) -> str:
    parts = ["bwrap"] if bwrap else []
    if _is_root():
        parts.append("uid")
    parts.append("rlimits")
    if landlock_abi():
        parts.append("landlock")
    return "+".join(parts) + ("" if bwrap else " (no bwrap)")


def isolation_mode(hide: tuple[str, ...] = ()) -> str:
    """A short description of the isolation in force, e.g. `bwrap+uid+rlimits+landlock`."""
    argv = _bwrap_argv(hide)
    return _mode_name(argv is not None and _bwrap_works(argv))


# -------------------------------------------------------------------------------------------------
# One zygote
# -------------------------------------------------------------------------------------------------

def _read_into(buf: bytearray, fd: int, n: int, deadline: float) -> None:
    """Read from `fd` into `buf` until it holds at least `n` bytes (whatever else arrived too)."""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, max(n - len(buf), 65536))
        if not chunk:
            raise EOFError
        buf += chunk


class _Zygote:
    """One warm worker process and its pipes. Used by one thread at a time (the pool ensures it)."""

    def __init__(self, bwrap: list[str] | None, preload: tuple[str, ...], warmup: str):
        self.mode = "bwrap" if bwrap else "plain"
        cfg: dict[str, Any] = {
            "uid": NOBODY if _is_root() else None,
            "env": _sandbox_env(),
            "preload": list(preload),
            "warmup": warmup,
            "own_pid_ns": bwrap is not None,
            "unshare_net": bwrap is None and _is_root(),
            "nproc_base": 0 if _is_root() else _process_count(os.getuid()),
            # Landlock on top: reads only system and interpreter dirs, writes only the task dir,
            # no TCP, no signals out of the sandbox — the fallback's main protection without bwrap.
            "landlock": landlock_abi() > 0,
            "read_dirs": sorted(READ_DIRS) + _python_dirs(),
            "nofile": 256,
            "request_format": REQUEST_HEADER.format,
            "request_fields": list(REQUEST_FIELDS),
        }
        self.owner_pid = os.getpid()
        self._inbox = bytearray()  # bytes read from the zygote, not yet taken as a message
        if bwrap is not None:
            cfg["tmp_root"] = "/tmp"
            cwd = "/"
            self.tmp_root: str | None = None
        else:
            import tempfile

            self.tmp_root = tempfile.mkdtemp(prefix="tooltrace-sandbox-")
            os.chmod(self.tmp_root, 0o711)  # the dropped uid must reach its own task dir inside
            cfg["tmp_root"] = self.tmp_root
            cwd = self.tmp_root
        argv = [*(bwrap or []), sys.executable, "-I", "-c", WORKER_SOURCE.read_text(), json.dumps(cfg)]
        debug = bool(os.environ.get("TOOLTRACE_SANDBOX_DEBUG"))
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=None if debug else subprocess.DEVNULL, env=_launch_env(),
                                     cwd=cwd, start_new_session=True, close_fds=True, bufsize=0)
        try:
            ready = self._recv(time.monotonic() + STARTUP_TIMEOUT)
        except (EOFError, TimeoutError, ValueError) as exc:
            self.close()
            raise SandboxUnavailable(f"sandbox worker did not start ({type(exc).__name__})") from None
        if not ready.get("ready"):
            self.close()
            raise SandboxUnavailable("sandbox worker did not start")

    def alive(self) -> bool:
        return self.proc.poll() is None and self.owner_pid == os.getpid()

    def _send(self, request: dict[str, Any]) -> None:
        head = REQUEST_HEADER.pack(*(request[key] for key in REQUEST_FIELDS))
        code = request["code"].encode("utf-8", "surrogatepass")
        assert self.proc.stdin is not None
        self.proc.stdin.write(struct.pack(">I", len(head) + len(code)) + head + code)

    def _recv(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd, buf = self.proc.stdout.fileno(), self._inbox
        _read_into(buf, fd, 4, deadline)  # usually the whole message, in one read
        end = 4 + struct.unpack_from(">I", buf)[0]
        _read_into(buf, fd, end, deadline)
        message = bytes(buf[4:end])
        del buf[:end]
        return json.loads(message)

    def send(self, request: dict[str, Any]) -> None:
        """Hand over one task; raises OSError if the zygote is gone (it never saw the task)."""
        self._send(request)

    def result(self, request: dict[str, Any]) -> dict[str, Any]:
        """Wait for the task's result; raises EOFError/TimeoutError on a dead or hung zygote."""
        # The zygote kills the task at timeout + 0.5 s; allow it time to clean up before we give up.
        return self._recv(time.monotonic() + request["timeout"] + 10.0)

    def close(self) -> None:
        if self.owner_pid != os.getpid():
            return  # a forked copy: the process belongs to our parent
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.stdout:
            self.proc.stdout.close()
        if self.tmp_root:
            shutil.rmtree(self.tmp_root, ignore_errors=True)


def _process_count(uid: int) -> int:
    count = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


# -------------------------------------------------------------------------------------------------
# The pool
# -------------------------------------------------------------------------------------------------

class Sandbox:
    """A small pool of zygotes. Thread-safe: each call borrows one zygote for its duration."""

    def __init__(self, max_workers: int | None = None, *, hide: tuple[str, ...] = (),
                 use_bwrap: bool | None = None, preload: tuple[str, ...] = PRELOAD, warmup: str = WARMUP):
        self.max_workers = max_workers or int(os.environ.get("TOOLTRACE_SANDBOX_WORKERS", "0")) or 2
        self.hide = tuple(hide)
        self.preload = tuple(preload)
        self.warmup = warmup
        self._use_bwrap = use_bwrap
        self._bwrap: list[str] | None = None
        self._resolved = False
        self._mode: str | None = None
        self._idle: list[_Zygote] = []
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False

    # -- mode ---------------------------------------------------------------------------------
    def _resolve(self) -> None:
        if self._resolved:
            return
        argv = None if self._use_bwrap is False else _bwrap_argv(self.hide)
        if argv is not None and not _bwrap_works(argv):
            argv = None
        if argv is None and self._use_bwrap:
            raise SandboxUnavailable("bwrap was required but is not usable here")
        self._bwrap = argv
        self._resolved = True

    @property
    def mode(self) -> str:
        self._resolve()
        if self._mode is None:
            self._mode = _mode_name(self._bwrap is not None)
        return self._mode

    # -- borrowing ----------------------------------------------------------------------------
    def _acquire(self) -> _Zygote:
        with self._cond:
            if self._closed:
                raise SandboxUnavailable("sandbox is shut down")
            self._resolve()
            while True:
                while self._idle:
                    z = self._idle.pop(0)  # longest idle first: its next child is forked already
                    if z.alive():
                        return z
                    self._count -= 1
                    z.close()
                if self._count < self.max_workers:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            return _Zygote(self._bwrap, self.preload, self.warmup)
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, z: _Zygote, healthy: bool) -> None:
        with self._cond:
            if healthy and not self._closed and z.alive():
                self._idle.append(z)
            else:
                self._count -= 1
                z.close()
            self._cond.notify()

    def warm(self, n: int = 1) -> None:
        """Start up to `n` zygotes now, so the first calls do not pay the imports."""
        borrowed = [self._acquire() for _ in range(min(n, self.max_workers))]
        for z in borrowed:
            self._release(z, True)

    # -- running ------------------------------------------------------------------------------
    def run(self, code: str, timeout: float = DEFAULT_TIMEOUT, *, memory_mb: int = DEFAULT_MEMORY_MB,
            max_output: int = DEFAULT_MAX_OUTPUT, nproc: int = DEFAULT_NPROC,
            fsize_mb: int = DEFAULT_FSIZE_MB) -> RunResult:
        """Run `code` in a fresh sandboxed child. Never raises for anything the code does."""
        if len(code) > MAX_CODE_CHARS:
            return RunResult(error=f"code too long ({len(code)} characters; limit {MAX_CODE_CHARS})",
                             sandbox=self.mode)
        timeout = float(min(max(timeout, 0.05), MAX_TIMEOUT))
        request = {"code": code, "timeout": timeout, "memory_mb": int(memory_mb),
                   "max_output": int(max_output), "hard_output_cap": HARD_OUTPUT_CAP, "nproc": int(nproc),
                   "fsize_mb": int(fsize_mb)}
        for attempt in range(2):
            z = self._acquire()
            try:
                z.send(request)
            except OSError:
                # The zygote died while idle and never saw the task: one retry on a fresh one.
                self._release(z, False)
                if attempt == 0:
                    continue
                return RunResult(error="python sandbox could not be started", sandbox=self.mode)
            try:
                reply = z.result(request)
            except TimeoutError:
                self._release(z, False)
                return RunResult(error=f"TimeoutError: execution exceeded the {timeout:g} s time limit",
                                 timed_out=True, sandbox=self.mode)
            except (EOFError, OSError, ValueError):
                # Died with the task in hand: never run the code a second time.
                self._release(z, False)
                return RunResult(error="sandbox worker died while running the code", sandbox=self.mode)
            self._release(z, not reply.get("setup_failed"))
            fields = {k: reply[k] for k in ("stdout", "error", "timed_out", "truncated", "output_bytes", "ms")
                      if k in reply}
            return RunResult(**fields, sandbox=self.mode)
        raise AssertionError("unreachable")

    def shutdown(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for z in idle:
            z.close()


# The shared pools, started on first use: "full" preloads numpy/SymPy; "light" (see `light_sandbox`)
# only the standard-library modules.
_POOL_SETTINGS: dict[str, dict[str, Any]] = {"full": {}, "light": {"preload": STDLIB_PRELOAD, "warmup": ""}}
_pools: dict[str, Sandbox] = {}
_pools_lock = threading.Lock()
_STDLIB_PRELOAD = frozenset(STDLIB_PRELOAD)
_DYNAMIC_IMPORT = frozenset({"__import__", "importlib", "import_module", "exec", "eval", "compile"})


def _shared(kind: str) -> Sandbox:
    with _pools_lock:
        pool = _pools.get(kind)
        if pool is None or pool._closed:
            pool = _pools[kind] = Sandbox(**_POOL_SETTINGS[kind])
        return pool


def default_sandbox() -> Sandbox:
    return _shared("full")


def light_sandbox() -> Sandbox:
    """A pool whose zygotes preload only `STDLIB_PRELOAD`, for code that imports nothing else.

    Why: what a task costs is mostly forking the zygote (copying its page tables) and the child's
    copy-on-write faults, which grow with what the zygote has loaded; numpy + SymPy make that ~1.3 ms
    of CPU per call more. Code that does not import them gets the same isolation from a smaller
    zygote (and the numpy/SymPy zygotes are not started at all while no code needs them)."""
    return _shared("light")


def stdlib_only(code: str) -> bool:
    """True when `code` (parsed, never run) imports only `STDLIB_PRELOAD` modules and has no dynamic
    import; a syntax error is True too (any zygote reports it the same way)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name.partition(".")[0] not in _STDLIB_PRELOAD for alias in node.names):
                return False
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").partition(".")[0] not in _STDLIB_PRELOAD:
                return False
        elif isinstance(node, ast.Name) and node.id in _DYNAMIC_IMPORT:
            return False
        elif isinstance(node, ast.Attribute) and node.attr in _DYNAMIC_IMPORT:
            return False
    return True


def run(code: str, timeout: float = DEFAULT_TIMEOUT, **limits: Any) -> RunResult:
    """Run `code` in a shared sandbox pool (see `Sandbox.run`): the light one when `stdlib_only`."""
    pool = light_sandbox() if len(code) <= MAX_CODE_CHARS and stdlib_only(code) else default_sandbox()
    return pool.run(code, timeout, **limits)


def warm(n: int = 1) -> None:
    default_sandbox().warm(n)


def shutdown() -> None:
    """Close the shared pools' zygotes (also done automatically at interpreter exit)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown()


def _after_fork_in_child() -> None:
    # A forked process must not share the parent's zygotes (their pipes carry the parent's tasks).
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


atexit.register(shutdown)
os.register_at_fork(after_in_child=_after_fork_in_child)
