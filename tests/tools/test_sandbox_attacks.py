"""Hostile code against the execute_python sandbox: every attack must fail, and the sandbox must
keep working afterwards (each test ends with a normal call).

Runs against the default mode (bwrap when usable; with numpy/SymPy preloaded, and the light
standard-library-only zygotes that code importing nothing else runs in) and against the no-bwrap fallback; attacks the
fallback cannot stop by design (reading world-readable files) are checked only under bwrap.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from tools import sandbox

# All tasks run as uid 65534, whose process limit a fork bomb exhausts machine-wide: under pytest-xdist
# the tests that fork inside the sandbox must not overlap, so this module runs on one worker.
pytestmark = pytest.mark.xdist_group("sandbox-uid")

SECRET = "sk-ant-test-SECRET-4f2a9c"
REPO = sandbox.REPO_ROOT
IS_ROOT = os.geteuid() == 0
T = 2.0  # per-attack timeout


@pytest.fixture(scope="module", params=["default", "light", "fallback"])
def sb(request):
    """A sandbox pool started while an API key is in the parent's environment."""
    old = os.environ.get("ANTHROPIC_API_KEY")
    os.environ["ANTHROPIC_API_KEY"] = SECRET
    if request.param == "fallback":  # same isolation; skip the slow numpy/sympy preload
        pool = sandbox.Sandbox(max_workers=1, use_bwrap=False, preload=sandbox.STDLIB_PRELOAD, warmup="")
    elif request.param == "light":  # what code importing only the standard library runs in
        pool = sandbox.Sandbox(max_workers=1, preload=sandbox.STDLIB_PRELOAD, warmup="")
    else:  # the real configuration for code that imports numpy/sympy
        pool = sandbox.Sandbox(max_workers=1)
    pool.warm()
    yield pool
    pool.shutdown()
    if old is None:
        os.environ.pop("ANTHROPIC_API_KEY", None)
    else:
        os.environ["ANTHROPIC_API_KEY"] = old


@pytest.fixture
def bwrap_only(sb):
    if not sb.mode.startswith("bwrap"):
        pytest.skip("only bwrap gives the sandbox its own /proc")


@pytest.fixture
def hides_files(sb):
    if not (sb.mode.startswith("bwrap") or "landlock" in sb.mode):
        pytest.skip("without bwrap or Landlock world-readable files stay readable")


def still_usable(sb: sandbox.Sandbox) -> None:
    res = sb.run("import math\nprint(math.factorial(5))", timeout=T)
    assert res.ok and res.stdout == "120\n", res


def test_environment_has_no_api_key(sb):
    res = sb.run("import os\nprint(dict(os.environ))\nprint(os.environ.get('ANTHROPIC_API_KEY'))", timeout=T)
    assert res.ok
    assert SECRET not in res.stdout and "ANTHROPIC" not in res.stdout
    assert res.stdout.splitlines()[-1] == "None"
    still_usable(sb)


def test_proc_environ_of_init_parent_and_everyone(sb):
    code = f"""
import os
leaks = []
for pid in ['1', str(os.getppid()), '{os.getpid()}'] + [p for p in os.listdir('/proc') if p.isdigit()]:
    try:
        with open(f'/proc/{{pid}}/environ', 'rb') as fh:
            leaks.append(fh.read().decode(errors='replace'))
    except OSError as exc:
        leaks.append(type(exc).__name__)
print(leaks)
"""
    res = sb.run(code, timeout=T)
    assert res.ok, res
    assert SECRET not in res.stdout
    still_usable(sb)


def test_cannot_see_test_process_in_proc(sb, bwrap_only):
    res = sb.run(f"import os\nprint(os.path.exists('/proc/{os.getpid()}/cmdline') and "
                 f"'pytest' in open('/proc/{os.getpid()}/cmdline').read())", timeout=T)
    assert res.stdout.strip() in ("False",) or res.error
    still_usable(sb)


def test_cannot_read_repository(sb, hides_files):
    res = sb.run(f"print(open({str(REPO / 'pyproject.toml')!r}).read())", timeout=T)
    assert not res.ok and "tooltrace" not in res.stdout
    assert res.error.startswith(("FileNotFoundError", "PermissionError"))
    res = sb.run(f"import os\nprint(os.listdir({str(REPO)!r}))", timeout=T)
    assert res.stdout in ("", "[]\n") and "pyproject" not in res.stdout
    still_usable(sb)


def test_cannot_read_a_test_repo(sb, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "secret.txt").write_text(SECRET)
    res = sb.run(f"print(open({str(repo / 'secret.txt')!r}).read())", timeout=T)
    assert not res.ok and SECRET not in res.stdout
    still_usable(sb)


def test_cannot_write_outside_its_directory(sb, tmp_path):
    targets = [tmp_path / "pwned.txt", REPO / "pwned-by-sandbox.txt"]
    code = "\n".join(f"try:\n    open({str(t)!r}, 'w').write('x')\n    print('WROTE')\nexcept OSError as e:\n"
                     f"    print(type(e).__name__)" for t in targets)
    res = sb.run(code, timeout=T)
    assert "WROTE" not in res.stdout
    for t in targets:
        assert not t.exists()
    still_usable(sb)


def test_no_network(sb):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        srv.setblocking(False)
        port = srv.getsockname()[1]
        code = (f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
                "s.sendall(b'hello')\nprint('CONNECTED')")
        res = sb.run(code, timeout=T)
        assert not res.ok and "CONNECTED" not in res.stdout
        with pytest.raises(BlockingIOError):
            srv.accept()
    still_usable(sb)


def test_fork_bomb(sb):
    t0 = time.monotonic()
    res = sb.run("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
                 timeout=0.5)
    assert time.monotonic() - t0 < 15
    assert not res.ok
    still_usable(sb)
    if not sb.mode.startswith("bwrap"):
        return  # without a pid namespace other sandboxes' idle children share the uid
    # nothing of it survives: the next task sees no leftover processes of its uid in its pid namespace
    res = sb.run("import os\nme = os.getuid()\nprint(sum(1 for p in os.listdir('/proc') if p.isdigit() and "
                 "os.stat('/proc/' + p).st_uid == me))", timeout=T)
    assert res.ok and int(res.stdout) <= 2, res  # itself (+ a racing /proc entry)


def test_memory_bomb(sb):
    res = sb.run("x = bytearray(10**10)\nprint('ALLOCATED')", timeout=T)
    assert not res.ok and "MemoryError" in res.error and "ALLOCATED" not in res.stdout
    res = sb.run("chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 2**20))", timeout=T)
    assert not res.ok and "MemoryError" in res.error
    still_usable(sb)


def test_infinite_loop_times_out(sb):
    t0 = time.monotonic()
    res = sb.run("while True:\n    pass", timeout=0.5)
    assert res.timed_out and res.error.startswith("TimeoutError")
    res = sb.run("while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass",
                 timeout=0.5)  # swallows the soft timeout: the hard kill follows
    assert res.timed_out
    assert time.monotonic() - t0 < 10
    still_usable(sb)


def test_huge_output_is_truncated(sb):
    t0 = time.monotonic()
    res = sb.run("while True:\n    print('y' * 1000)", timeout=T, max_output=5000)
    assert res.truncated and len(res.stdout) <= 5000
    assert time.monotonic() - t0 < 10
    still_usable(sb)


def test_subprocess_is_harmless(sb):
    code = ("import subprocess\n"
            "print(subprocess.run(['id'], capture_output=True, text=True).stdout)\n"
            "print(subprocess.run(['env'], capture_output=True, text=True).stdout)\n"
            "print(subprocess.run(['sh', '-c', 'cat /proc/1/environ; cat /proc/$PPID/environ'],"
            " capture_output=True, text=True))")
    res = sb.run(code, timeout=T)
    assert SECRET not in res.stdout
    if IS_ROOT:
        assert "uid=65534" in res.stdout
    still_usable(sb)


def test_ctypes(sb):
    res = sb.run("import ctypes\nctypes.string_at(0)", timeout=T)
    assert not res.ok and "SIGSEGV" in res.error
    res = sb.run("import ctypes, os\nlibc = ctypes.CDLL(None)\nprint(libc.setuid(0), os.getuid())", timeout=T)
    if IS_ROOT:
        assert res.stdout.split() == ["-1", "65534"]
    res = sb.run("print([l for l in open('/proc/self/status') if l.startswith('CapEff')])", timeout=T)
    assert "0000000000000000" in res.stdout
    still_usable(sb)


def test_kill_parent_and_everyone(sb):
    me = os.getpid()
    for code in ("import os\nos.kill(os.getppid(), 9)", "import os\nos.kill(-1, 9)",
                 f"import os\nos.kill({me}, 9)", "import os, signal\nos.killpg(os.getpgid(os.getppid()), 9)"):
        sb.run(code, timeout=T)
        assert os.getpid() == me  # still here
        still_usable(sb)


def test_huge_file(sb):
    res = sb.run("with open('big.bin', 'wb') as fh:\n    while True:\n        fh.write(b'x' * 2**20)", timeout=T)
    assert not res.ok and ("File too large" in res.error or "SIGXFSZ" in res.error)
    if sb.mode.startswith("bwrap"):  # many files: only bwrap's size-capped tmpfs bounds the total
        res = sb.run("for i in range(1000):\n    open(f'f{i}.bin', 'wb').write(b'x' * 15 * 2**20)", timeout=T)
        assert not res.ok and "No space left" in res.error
    still_usable(sb)


def test_protocol_pipe_is_unreachable(sb):
    code = ("import os\nhits = []\nfor fd in range(3, 256):\n    try:\n        os.write(fd, b'\\xff' * 64)\n"
            "        hits.append(fd)\n    except OSError:\n        pass\nprint(hits)")
    res = sb.run(code, timeout=T)
    assert res.ok, res
    assert res.stdout.strip() in ("[]", "[3]")  # fd 3 is the task's own result pipe
    still_usable(sb)


def test_detached_processes_are_killed(sb):
    res = sb.run("import subprocess\nsubprocess.Popen(['sleep', '300'], start_new_session=True)\nprint('ok')",
                 timeout=T)
    assert res.ok
    res = sb.run("import os\nme = os.getuid()\nprint([open(f'/proc/{p}/cmdline').read() for p in os.listdir('/proc')"
                 " if p.isdigit() and os.stat('/proc/' + p).st_uid == me])", timeout=T)
    assert "sleep" not in res.stdout
    still_usable(sb)


def test_sandbox_files_do_not_leak_between_runs(sb, hides_files):
    sb.run("open('/tmp/shared-note', 'w').write('x')\nopen('note', 'w').write('y')", timeout=T)
    res = sb.run("import os\nprint(os.listdir('.'), os.path.exists('/tmp/shared-note'))", timeout=T)
    assert res.stdout.startswith("[]")
    assert not Path("/tmp/shared-note").exists() or Path("/tmp/shared-note").stat().st_uid != 65534
