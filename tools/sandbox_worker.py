"""The sandbox "zygote": a warm interpreter that forks one locked-down child per piece of code.

This file is *not* imported by the pipeline. `tools/sandbox.py` reads its source and starts it as
`python -I -c <source> <config-json>` inside bubblewrap (or, without bwrap, as a plain child with a
scrubbed environment). Why a zygote: importing numpy + sympy costs ~370 ms, forking a process that
already has them costs ~2 ms, so every task gets a fresh process without paying for the imports.

Protocol with the parent (over the zygote's stdin/stdout, which are moved away from fds 0/1 so that
nothing else can write into them): each message is a 4-byte big-endian length and a payload.
  zygote -> parent, once:   JSON {"ready": true, "pid": ..., "uid_drop": bool, "vm_kb": int}
  parent -> zygote:         struct `cfg["request_format"]` (timeout, memory_mb, max_output, ...), then
                            the code as UTF-8; forwarded as is to the child
  zygote -> parent:         JSON {"stdout": str, "error": str|null, "timed_out": bool, "truncated": bool, ...}

The child (one per task): new session, stdin from /dev/null, stdout+stderr into a pipe the zygote
reads, every other descriptor closed (so user code cannot reach the protocol pipe), its own temp dir
as cwd, rlimits (address space, CPU, processes, file size, open files, no core dumps), then drops to
an unprivileged uid (RLIMIT_NPROC is ignored for root, so without this a fork bomb is unstoppable).
After the task the zygote kills everything the task left behind and deletes its directory.
"""

from __future__ import annotations

import _signal
import ast
import builtins
import ctypes
import fcntl
import gc
import io
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable

# Plain ints for `_signal.signal` in the child: the `signal` module's wrappers convert to and from
# enums, Python code whose every object touched costs the child a copy-on-write page fault.
SIGINT, SIGTERM, SIGALRM, SIGXCPU = (int(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM,
                                                      signal.SIGXCPU))
SIG_DFL = int(signal.SIG_DFL)
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000
MADV_COLLAPSE = 25
GRACE = 0.5  # seconds between the child's own soft timeout and the hard kill
QUIET_WAIT = 0.1  # the longest the zygote waits out a task before collecting its output as it comes
PIPE_BYTES = 1 << 20  # output pipe capacity (Linux's default maximum for unprivileged processes)


def _read_exact(fd: int, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_frame(fd: int) -> bytes:
    """One message as framed on the wire: 4-byte big-endian length, then that many bytes."""
    head = _read_exact(fd, 4)
    return head + _read_exact(fd, struct.unpack(">I", head)[0])


def decode_request(frame: bytes, cfg: dict, with_code: bool = True) -> dict:
    """A request framed by the parent: `cfg["request_format"]` numbers, then the code as UTF-8."""
    header = cfg["request_header"]
    req = dict(zip(cfg["request_fields"], header.unpack_from(frame, 4), strict=True))
    if with_code:
        req["code"] = frame[4 + header.size:].decode("utf-8", "surrogatepass")
    return req


def write_msg(fd: int, obj: dict) -> None:
    data = json.dumps(obj).encode()
    data = struct.pack(">I", len(data)) + data
    while data:
        data = data[os.write(fd, data):]


_LIBC: list[ctypes.CDLL | None] = []


def _libc() -> ctypes.CDLL | None:
    """libc, loaded once in the zygote: a forked child then calls it without re-resolving anything
    (every object a child touches costs it a copy-on-write page fault)."""
    if not _LIBC:
        try:
            libc: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            libc.prctl  # noqa: B018 - resolved now, not in each child
        except (OSError, AttributeError):
            libc = None
        _LIBC.append(libc)
    return _LIBC[0]


# Landlock (kernel >= 5.13): an unprivileged allow-list of what the task may touch. Syscall numbers
# are the same on every architecture.
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_TRUNCATE, LL_IOCTL_DEV = 1 << 14, 1 << 15
PR_SET_NO_NEW_PRIVS = 38


_ABI: list[int] = []


def landlock_abi() -> int:
    if not _ABI:
        libc = _libc()
        abi = 0 if libc is None else libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                                                  ctypes.c_uint32(1))
        _ABI.append(max(int(abi), 0))
    return _ABI[0]


def _landlock_access(abi: int) -> tuple[int, bytes, int]:
    """(every filesystem right this ABI knows, the ruleset attribute, its size)."""
    fs_all = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        fs_all |= 1 << 13  # REFER
    if abi >= 3:
        fs_all |= LL_TRUNCATE
    if abi >= 5:
        fs_all |= LL_IOCTL_DEV
    net_all = 0b11 if abi >= 4 else 0  # BIND_TCP | CONNECT_TCP, with no rule allowing either
    scoped = 0b11 if abi >= 6 else 0  # abstract unix sockets | signals
    return fs_all, struct.pack("<QQQ", fs_all, net_all, scoped), 24 if abi >= 6 else 16 if abi >= 4 else 8


def _add_rule(ruleset: int, path: str, access: int) -> int | None:
    """Allow `access` beneath `path`; returns the O_PATH fd the rule was made from (None if `path`
    does not exist on this system)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return None
    rule = ctypes.create_string_buffer(struct.pack("<Qi", access, fd), 12)
    libc = _libc()
    assert libc is not None
    if libc.syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), rule, ctypes.c_uint32(0)) != 0:
        err = ctypes.get_errno()
        os.close(fd)
        raise OSError(err, f"landlock_add_rule({path}) failed")
    return fd


# The rules that are the same for every task, kept as rule buffers whose directory fds stay open:
# built once per zygote, then added to each task's ruleset with one system call apiece.
_STATIC_RULES: dict[tuple, list] = {}


def _static_rules(ruleset: int, read_dirs: list[str], dev_dirs: list[str], fs_all: int) -> list:
    """Add the read and device rules to `ruleset`, returning them as (path, rule buffer) pairs for
    reuse; their O_PATH fds stay open for the zygote's lifetime (children close them at start)."""
    read = LL_EXECUTE | LL_READ_FILE | LL_READ_DIR
    dev = read | LL_WRITE_FILE | (fs_all & (LL_TRUNCATE | LL_IOCTL_DEV))
    rules: list = []
    fds: list[int] = []
    try:
        for dirs, access in ((read_dirs, read), (dev_dirs, dev)):
            for path in dirs:
                fd = _add_rule(ruleset, path, access & fs_all)
                if fd is not None:
                    fds.append(fd)
                    rules.append((path, ctypes.create_string_buffer(struct.pack("<Qi", access & fs_all, fd), 12)))
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return rules


def landlock_ruleset(read_dirs: list[str], write_dirs: list[str], dev_dirs: list[str]) -> int | None:
    """A Landlock ruleset fd allowing reads of `read_dirs`, everything in `write_dirs`, device use
    under `dev_dirs`, no TCP bind/connect, and (ABI >= 6) no signals to processes outside the
    sandbox; None when Landlock is unavailable. Built by the zygote before it forks the task's
    child, so the child only has to call `landlock_restrict(fd)`: the same ruleset as building it in
    the child, without the child paying for it in copy-on-write page faults. A fresh ruleset per
    task (rules cannot be removed from one); only the task's own directory differs."""
    abi = landlock_abi()
    if abi < 1:
        return None
    libc = _libc()
    assert libc is not None
    fs_all, attr, size = _landlock_access(abi)
    buf = ctypes.create_string_buffer(attr, 24)
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, buf, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    key = (tuple(read_dirs), tuple(dev_dirs))
    try:
        static = _STATIC_RULES.get(key)
        if static is None:
            _STATIC_RULES[key] = _static_rules(ruleset, read_dirs, dev_dirs, fs_all)  # added here too
        else:
            for path, rule in static:
                if libc.syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), rule,
                                ctypes.c_uint32(0)) != 0:
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule({path}) failed")
        for path in write_dirs:
            fd = _add_rule(ruleset, path, fs_all)
            if fd is not None:
                os.close(fd)
    except BaseException:
        os.close(ruleset)
        raise
    return ruleset


def landlock_restrict(ruleset: int) -> None:
    """Apply a ruleset from `landlock_ruleset` to this process and its future descendants."""
    libc = _libc()
    assert libc is not None
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")


class _Timeout(BaseException):
    """Raised in the child by its own timer; a BaseException so `except Exception` in user code
    does not swallow it (if user code swallows it anyway, the zygote's hard kill follows)."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise _Timeout


# ---------------------------------------------------------------------------------------------
# The child: runs the user's code and nothing else.
# ---------------------------------------------------------------------------------------------

def _scrub_env(cfg: dict) -> None:
    """Leave exactly the sandbox's environment (done once, in the zygote: every child inherits it)."""
    for key in list(os.environ):
        if key not in cfg["env"]:
            del os.environ[key]
    os.environ.update(cfg["env"])


def _lock_down(cfg: dict, task_dir: str, ruleset: int | str | None) -> None:
    """The isolation that does not depend on the request, applied while the child waits for it;
    raises if it cannot be applied. `ruleset` is the Landlock ruleset fd the zygote built for this
    task (or why it could not; None when Landlock is off)."""
    os.chdir(task_dir)  # HOME, TMPDIR and tempfile.tempdir point here already: see _prefork

    resource.setrlimit(resource.RLIMIT_NOFILE, (cfg["nofile"], cfg["nofile"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if cfg.get("unshare_net"):
        # Fallback mode (no bwrap): still take the network away when we are allowed to.
        libc = _libc()
        if libc is None or libc.unshare(CLONE_NEWNET) != 0:
            raise OSError("cannot unshare the network namespace")
    if cfg.get("landlock"):
        if not isinstance(ruleset, int):
            raise OSError(ruleset or "no Landlock ruleset")
        landlock_restrict(ruleset)
        os.close(ruleset)
    if cfg["uid"] is not None:
        uid = int(cfg["uid"])
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise OSError("uid drop failed")
    _die_with_parent()  # after the uid change, which clears it


def _die_with_parent() -> None:
    """SIGKILL when our parent dies (bwrap's pid namespace does this too; the fallback needs it)."""
    libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _apply_limits(req: dict, cfg: dict) -> None:
    """The request's limits; only ever lowered, so no privilege is needed any more."""
    timeout = float(req["timeout"])
    mem = int(req["memory_mb"]) * 1024 * 1024
    mem = max(mem, cfg["vm_bytes"] + 64 * 1024 * 1024)  # never below what the zygote already maps
    cpu = int(timeout) + 2
    limits = [
        (resource.RLIMIT_AS, mem),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, int(req["fsize_mb"]) * 1024 * 1024),
    ]
    if cfg["uid"] is not None or os.getuid() != 0:
        limits.append((resource.RLIMIT_NPROC, int(req["nproc"]) + cfg.get("nproc_base", 0)))
    for which, value in limits:
        hard = value + 1 if which == resource.RLIMIT_CPU else value  # SIGXCPU first, SIGKILL a second later
        resource.setrlimit(which, (value, hard))


def _run_child(cfg: dict, task_dir: str, req_r: int, out_w: int, res_w: int, ruleset: int | str | None) -> None:
    """In the forked child: lock down, wait for the request, run it. Never returns."""
    result: dict = {"error": None, "timed_out": False}
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        os.dup2(res_w, 3)
        os.dup2(req_r, 4)
        if isinstance(ruleset, int):
            os.dup2(ruleset, 5)  # closed as soon as it is applied
            ruleset = 5
        os.closerange(6 if ruleset == 5 else 5, 65536)
        _signal.signal(SIGTERM, SIG_DFL)
        _signal.signal(SIGINT, SIG_DFL)
        _lock_down(cfg, task_dir, ruleset)
    except BaseException as exc:  # noqa: BLE001 - isolation failed: refuse to run the code
        try:
            os.write(3, json.dumps({"pid": os.getpid(), "error": f"sandbox setup failed: {exc}",
                                    "setup_failed": True}).encode() + b"\n")
        finally:
            os._exit(70)
    try:
        req = decode_request(read_frame(4), cfg)
    except BaseException:  # noqa: BLE001 - no request coming (the zygote is shutting down)
        os._exit(0)
    os.close(4)
    try:
        _apply_limits(req, cfg)
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(3, json.dumps({"pid": os.getpid(), "error": f"sandbox setup failed: {exc}",
                                    "setup_failed": True}).encode() + b"\n")
        finally:
            os._exit(70)

    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.argv = ["<sandbox>"]
    sys.path = [p for p in sys.path if p]  # no cwd-relative imports

    _signal.signal(SIGALRM, _on_alarm)
    _signal.signal(SIGXCPU, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(req["timeout"]))
    try:
        _exec_user_code(req["code"], builtins)
    except _Timeout:
        result["timed_out"] = True
        result["error"] = f"TimeoutError: execution exceeded the {req['timeout']:g} s time limit"
    except SystemExit as exc:
        if exc.code not in (None, 0):
            result["error"] = f"SystemExit: {exc.code}"
    except BaseException as exc:  # noqa: BLE001 - report the exception line, as Python would
        result["error"] = _error_line(exc)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        # Tagged with our pid: processes the code forked share this pipe and may write here too.
        # The same JSON as json.dumps(result), written out by hand: json.dumps runs enough Python
        # to cost the child dozens of copy-on-write faults.
        error = result["error"]
        line = (f'{{"error": {"null" if error is None else _json_string(error)}, '
                f'"timed_out": {"true" if result["timed_out"] else "false"}, "pid": {os.getpid()}}}')
        os.write(3, b"\n" + line.encode()[:60000] + b"\n")
        for fd in (1, 2, 3):  # EOF for the zygote now, not after the kernel tears this process down
            os.close(fd)
    finally:
        os._exit(0)


_json_string = json.encoder.encode_basestring_ascii  # a str as a JSON string literal, quotes included


def _error_line(exc: BaseException) -> str:
    """`ZeroDivisionError: division by zero` — the last line of a traceback, plus the line number
    for a syntax error (the code a model wrote has no file to point at)."""
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"{type(exc).__name__}: {exc.msg}{where}"
    lines = traceback.format_exception_only(type(exc), exc)
    text = lines[-1].strip() if lines else type(exc).__name__
    return text[:1000]


def _exec_user_code(code: str, builtins_mod) -> None:
    """Run `code` as a script; a final bare expression is echoed like in a notebook
    (models often end with `result` instead of `print(result)`)."""
    tree = ast.parse(code, filename="<string>", mode="exec")
    namespace = {"__name__": "__main__", "__builtins__": builtins_mod}
    body, last = tree.body, None
    if body and isinstance(body[-1], ast.Expr):
        body, last = body[:-1], body[-1]
    exec(compile(ast.Module(body=body, type_ignores=[]), "<string>", "exec"), namespace)  # noqa: S102
    if last is not None:
        exec(compile(ast.Interactive(body=[last]), "<string>", "single"), namespace)  # noqa: S102


# ---------------------------------------------------------------------------------------------
# The zygote: forks children, collects their output, cleans up after them.
# ---------------------------------------------------------------------------------------------

def _children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (orphans of a task are re-parented to us: subreaper)."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(name))
    return found


def _kill_everything(child: int, cfg: dict, status: int | None) -> int:
    """Kill the task and anything it spawned, however it tried to escape (setsid, double fork);
    return the task's wait status (`status` when it was already reaped)."""
    if cfg.get("own_pid_ns"):
        # Alone in our pid namespace with bwrap's init: kill(-1) reaches exactly the task's processes.
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(child, signal.SIGKILL)
    except OSError:
        pass
    if status is None:
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:
            pass
        _, status = os.waitpid(child, 0)
    me = os.getpid()
    for _ in range(20):
        if not _has_children():
            break  # the usual case: nothing left, no need to read all of /proc
        kids = _children_of(me)
        if not kids:
            break
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap_all(block_for=0.05)
    return status


def _has_children() -> bool:
    """Whether any process is still our child (reaping one that already exited). Every survivor of
    a task is our child or descends from one: orphans are re-parented to us (subreaper)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


def _remove_dir(path: str) -> None:
    try:
        os.rmdir(path)  # most tasks leave their directory empty
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


def _reap_all(block_for: float = 0.0) -> None:
    end = time.monotonic() + block_for
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= end:
                return
            time.sleep(0.002)


def _prefork(cfg: dict) -> dict:
    """Fork and lock down the next task's child ahead of its request: the fork of a process with
    numpy+sympy loaded is most of a task's cost, and this takes it off the request's path."""
    task_dir = tempfile.mkdtemp(prefix="task-", dir=cfg["tmp_root"])
    if cfg["uid"] is not None:
        os.chown(task_dir, cfg["uid"], cfg["uid"])
    os.chmod(task_dir, 0o700)
    # Set here rather than in the child, which would pay for it in copy-on-write faults. The zygote
    # itself never uses them (its own temp dirs name `tmp_root` explicitly).
    os.environ["HOME"] = os.environ["TMPDIR"] = task_dir
    tempfile.tempdir = task_dir
    ruleset: int | str | None = None
    if cfg.get("landlock"):
        try:
            ruleset = landlock_ruleset(cfg["read_dirs"], [task_dir], ["/dev"])
        except OSError as exc:
            ruleset = str(exc)  # the child reports it and refuses to run the code
    req_r, req_w = os.pipe()
    out_r, out_w = os.pipe()
    res_r, res_w = os.pipe()
    try:
        fcntl.fcntl(out_w, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # room for a task's output while we wait
    except (OSError, AttributeError):
        pass
    pid = os.fork()
    if pid == 0:
        try:
            for fd in (req_w, out_r, res_r):
                os.close(fd)
            _run_child(cfg, task_dir, req_r, out_w, res_w, ruleset)
        finally:
            os._exit(71)
    for fd in (req_r, out_w, res_w):
        os.close(fd)
    if isinstance(ruleset, int):
        os.close(ruleset)
    return {"pid": pid, "task_dir": task_dir, "req_w": req_w, "out_r": out_r, "res_r": res_r}


def _await_result(pid: int, res_r: int, until: float) -> None:
    """Block in the kernel until the child has written its result (its last act before exiting),
    has exited, or `until`. Why: each page the zygote writes while a child lives is copied, and a
    write into a huge page splits it for good, making every later fork dearer; so the zygote does
    not wake for the task's output (it waits in the enlarged pipe), only to collect it at the end."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return  # old kernel: collect as the task runs
    try:
        select.select([fd, res_r], [], [], max(0.0, until - time.monotonic()))
    finally:
        os.close(fd)


def _discard(pending: dict, cfg: dict) -> None:
    os.close(pending["req_w"])  # the child sees EOF and exits
    _kill_everything(pending["pid"], cfg, None)
    for fd in (pending["out_r"], pending["res_r"]):
        os.close(fd)
    _remove_dir(pending["task_dir"])


def _run_task(message: bytes, cfg: dict, pending: dict) -> tuple[dict, Callable[[], None]]:
    """Pass the request (`message`, as framed by the parent) to the pre-forked child and collect
    its output and result. Returns the reply and the clean-up to do after sending it (killing
    leftovers, deleting the task dir). The message is forwarded as is and decoded only once the
    child is done or QUIET_WAIT has passed (less than any task's deadline): see `_await_result`."""
    started = time.monotonic()
    pid, task_dir, out_r, res_r = pending["pid"], pending["task_dir"], pending["out_r"], pending["res_r"]
    try:
        left = memoryview(message)
        while left:
            left = left[os.write(pending["req_w"], left):]
    except OSError:
        pass  # the child died in its set-up: its result pipe says why
    finally:
        os.close(pending["req_w"])
    _await_result(pid, res_r, started + QUIET_WAIT)
    req = decode_request(message, cfg, with_code=False)
    deadline = started + float(req["timeout"]) + GRACE

    max_output = int(req["max_output"])
    hard_cap = max(int(req["hard_output_cap"]), max_output)
    kept = bytearray()
    total = 0
    res = bytearray()
    open_fds = {out_r, res_r}
    hard_killed = None
    status = None
    while open_fds:
        now = time.monotonic()
        if status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                # The script is over; whatever it left running (holding our pipes) gets 0.2 s more.
                status, deadline = st, min(deadline, now + 0.2)
        if now >= deadline:
            hard_killed = "timeout" if status is None else "leftovers"
            break
        ready, _, _ = select.select(list(open_fds), [], [], min(deadline - now, 0.05))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            if fd == out_r:
                total += len(chunk)
                if len(kept) <= max_output:
                    kept += chunk[: max_output + 1 - len(kept)]
                if total > hard_cap:
                    hard_killed = "output"
            elif len(res) < 65536:
                res += chunk
        if hard_killed:
            break
    info: dict = {}
    for line in bytes(res).splitlines():
        if not line.strip():
            continue  # the child frames its line with newlines; no need to raise on the empty ones
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and item.get("pid") == pid:
            info = item

    def cleanup() -> int:
        st = _kill_everything(pid, cfg, status)
        _reap_all()
        os.close(out_r)
        os.close(res_r)
        _remove_dir(task_dir)
        return st

    if info and not hard_killed:
        later: Callable[[], None] = cleanup  # the result is in: reply first
    else:
        status = cleanup()  # the exit status explains what happened

        def later() -> None:
            return None
    truncated = total > max_output
    text = bytes(kept[:max_output]).decode("utf-8", errors="ignore" if truncated else "replace")
    error = info.get("error") if isinstance(info.get("error"), str) else None
    timed_out = bool(info.get("timed_out")) or hard_killed == "timeout"
    if hard_killed == "timeout":
        error = f"TimeoutError: execution exceeded the {req['timeout']:g} s time limit"
    elif hard_killed == "output":
        error = f"OutputLimitExceeded: more than {hard_cap} bytes of output; process killed"
    elif not info and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        why = {"SIGXCPU": "CPU time limit", "SIGXFSZ": "file size limit",
               "SIGKILL": "killed (memory, CPU or process limit)"}.get(name, "")
        error = f"Killed by {name}" + (f": {why}" if why and name != "SIGKILL" else f" ({why})" if why else "")
    elif not info and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        error = None  # the code closed or clobbered its result pipe, then ended normally
    elif not info:
        error = f"process exited with status {os.waitstatus_to_exitcode(status)} before reporting a result"
    return {
        "stdout": text,
        "error": error,
        "timed_out": timed_out,
        "truncated": truncated,
        "output_bytes": total,
        "setup_failed": bool(info.get("setup_failed")),
        "ms": round((time.monotonic() - started) * 1000, 2),
    }, later


def _compact_memory() -> None:
    """Make the per-task fork cheap. Forking copies the page table of everything the zygote has
    written (~70 MB with numpy+sympy: ~18,000 entries, most of a task's cost) and the child's exit
    tears it down again; memory backed by 2 MiB pages needs one entry per 2 MiB instead of 512.
    So: collapse the heap into huge pages (MADV_COLLAPSE, Linux >= 6.1; best effort) and freeze
    the garbage collector's view of the preloaded objects, so that a collection in a child does
    not write to (and so copy) every page holding them."""
    gc.collect()
    gc.freeze()
    libc = _libc()
    if libc is None:
        return
    try:
        libc.malloc_trim(0)
        with open("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") as fh:
            huge = int(fh.read())
        with open("/proc/self/maps") as fh:
            maps = fh.read().splitlines()
    except (OSError, AttributeError, ValueError):
        return
    madvise = libc.madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    for line in maps:
        fields = line.split()
        # private writable anonymous memory: the heap and mmap()ed arenas
        if len(fields) < 5 or fields[1][:2] != "rw" or fields[1][3:4] != "p":
            continue
        if len(fields) > 5 and fields[5] != "[heap]":
            continue
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        start, end = -(-lo // huge) * huge, hi // huge * huge
        if end > start:
            madvise(start, end - start, MADV_COLLAPSE)  # fails harmlessly where not possible


def main() -> None:
    cfg = json.loads(sys.argv[1])
    cfg["request_header"] = struct.Struct(cfg["request_format"])
    for key, val in cfg["env"].items():
        os.environ[key] = val  # e.g. OPENBLAS_NUM_THREADS=1 before numpy loads its BLAS
    # Move the protocol pipe off fds 0/1 so stray prints from imports cannot corrupt it.
    proto_in, proto_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.set_inheritable(proto_in, False)
    os.set_inheritable(proto_out, False)

    import importlib
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mod in cfg["preload"]:
            try:
                importlib.import_module(mod)
            except Exception:  # noqa: BLE001 - a missing optional module just is not preloaded
                pass
        try:
            # Our own fixed warm-up code (never user input): SymPy imports much of itself lazily on
            # first use, and a forked child would redo those imports on every task.
            exec(cfg.get("warmup", ""), {})  # noqa: S102
        except Exception:  # noqa: BLE001
            pass

    _scrub_env(cfg)
    landlock_abi()
    # Our own fixed snippet through the path user code takes: the first parse and compile in a
    # process set things up that every child would otherwise set up (and copy) again.
    _exec_user_code("import math\nx = [math.sqrt(i) for i in range(3)]\nNone\n", builtins)
    _compact_memory()
    libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with open("/proc/self/status") as fh:
        vm_kb = next((int(line.split()[1]) for line in fh if line.startswith("VmSize:")), 0)
    cfg["vm_bytes"] = vm_kb * 1024
    write_msg(proto_out, {"ready": True, "pid": os.getpid(), "uid_drop": cfg["uid"] is not None,
                          "vm_kb": vm_kb})
    while True:
        pending = _prefork(cfg)
        try:
            message = read_frame(proto_in)
        except (EOFError, OSError, ValueError):
            _discard(pending, cfg)
            return
        later = None
        try:
            reply, later = _run_task(message, cfg, pending)
        except Exception as exc:  # noqa: BLE001 - a zygote bug must not look like user code's error
            reply = {"stdout": "", "error": f"sandbox failure: {type(exc).__name__}: {exc}",
                     "timed_out": False, "truncated": False, "setup_failed": True}
        write_msg(proto_out, reply)
        if later is not None:
            later()


if __name__ == "__main__":
    main()
