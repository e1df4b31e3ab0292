"""execute_python through the real runtime and the real sandbox (bwrap when present)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from tools import runtime, sandbox
from tools.catalog import TOOL_ALIASES, TOOLS
from tools.execute_python import MAX_OUTPUT_CHARS, strip_fences

SEED = {"code": "import math\nresult = sum(1/math.factorial(n) for n in range(10))\nprint(f'e ≈ {result}')"}


def light(**kw) -> sandbox.Sandbox:
    """A pool without the numpy/sympy preload: starts in milliseconds, same isolation."""
    return sandbox.Sandbox(max_workers=1, preload=sandbox.STDLIB_PRELOAD, warmup="", **kw)


def call(args, **kw):
    return runtime.call("execute_python", args, use_cache=False, **kw)


def test_seed_example_verbatim():
    res = call(SEED)
    assert res.ok, res
    assert res.output == "e ≈ 2.7182815255731922"
    assert res.value["stdout"] == "e ≈ 2.7182815255731922\n"
    assert res.value["error"] is None and res.value["timed_out"] is False and res.value["truncated"] is False
    assert res.value["sandbox"] == sandbox.isolation_mode()


def test_seed_example_as_json_text_and_alias():
    res = runtime.call("python", json.dumps(SEED), use_cache=False)
    assert res.ok and res.output == "e ≈ 2.7182815255731922"
    assert TOOL_ALIASES["python"] == "execute_python"


def test_error_line_not_traceback_and_partial_output_kept():
    res = call({"code": "print('before')\nx = 1/0\nprint('after')"})
    assert not res.ok
    assert res.error == "ZeroDivisionError: division by zero"
    assert res.output == "before\nZeroDivisionError: division by zero"
    assert "Traceback" not in res.output and "sandbox" not in res.output


def test_syntax_error_names_the_line():
    res = call({"code": "x = 1\ndef f(:\n    pass"})
    assert not res.ok
    assert res.error.startswith("SyntaxError:") and "(line 2)" in res.error


def test_uncaught_custom_exception_and_sys_exit():
    assert call({"code": "raise ValueError('bad value')"}).error == "ValueError: bad value"
    assert call({"code": "import sys\nprint('hi')\nsys.exit(0)"}).ok
    assert call({"code": "import sys\nsys.exit(2)"}).error == "SystemExit: 2"


def test_final_expression_is_echoed_like_a_notebook():
    res = call({"code": "from fractions import Fraction\nFraction(1, 3) + Fraction(1, 6)"})
    assert res.ok and res.output == "Fraction(1, 2)"
    assert call({"code": "x = 5\nNone"}).output == "(no output)"


def test_math_stack_is_preloaded():
    code = ("import numpy as np, sympy as sp, statistics, itertools, decimal\n"
            "x = sp.symbols('x')\n"
            "print(sp.factor(x**2 - 1), int(np.arange(5).sum()), statistics.median([3, 1, 2]),\n"
            "      len(list(itertools.permutations(range(4)))), decimal.Decimal('0.1') + decimal.Decimal('0.2'))")
    res = call({"code": code})
    assert res.ok, res
    assert res.output == "(x - 1)*(x + 1) 10 2 24 0.3"


def test_markdown_fence_is_stripped():
    assert strip_fences("```python\nprint(1)\n```") == "print(1)"
    assert strip_fences("print(1)") == "print(1)"
    assert call({"code": "```py\nprint(3 * 4)\n```"}).output == "12"


def test_long_output_is_truncated_with_marker():
    res = call({"code": "print('a' * 50000)"})
    assert res.ok and res.value["truncated"] is True
    assert len(res.output) < MAX_OUTPUT_CHARS + 200
    assert res.output.endswith("[output truncated: 50001 bytes in total]")


def test_timeout_argument():
    t0 = time.monotonic()
    res = call({"code": "import time\nprint('start', flush=True)\ntime.sleep(30)", "timeout": 0.5})
    assert time.monotonic() - t0 < 5
    assert not res.ok and res.value["timed_out"] is True
    assert res.error.startswith("TimeoutError") and res.output.startswith("start")


def test_argument_errors_are_clear():
    res = call({"code": "print(1)", "verbose": True})
    assert not res.ok and "unexpected argument 'verbose'" in res.error
    assert not call({}).ok
    assert "no code" in call({"code": "   "}).error


def test_stdin_is_empty_and_unicode_round_trips():
    res = call({"code": "import sys\nprint(repr(sys.stdin.read()), 'π ≈ 3.14159', '∑')"})
    assert res.ok and res.output == "'' π ≈ 3.14159 ∑"


def test_schema_is_single_op():
    schema = runtime.schemas("anthropic", ["execute_python"])[0]
    assert schema["name"] == "execute_python"
    assert set(schema["input_schema"]["properties"]) == {"code", "timeout"}
    assert schema["input_schema"]["required"] == ["code"]
    op = next(iter(TOOLS["execute_python"].ops.values()))
    assert op.isolated is False  # the sandbox is its isolation


def test_each_run_gets_a_fresh_process_and_directory():
    code = "import os\nprint(os.getpid(), os.getcwd())\nopen('f.txt', 'w').write('x')\nprint(os.listdir('.'))"
    first, second = call({"code": code}), call({"code": code})
    assert first.ok and second.ok
    assert first.output.splitlines()[1] == "['f.txt']" and second.output.splitlines()[1] == "['f.txt']"
    assert first.output.splitlines()[0] != second.output.splitlines()[0]
    assert call({"code": "print(globals().get('result'))"}).output == "None"


def test_concurrent_threads():
    results: dict[int, str] = {}

    def worker(i: int) -> None:
        results[i] = call({"code": f"import math\nprint(math.factorial({i}))"}).output

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    import math

    assert results == {i: str(math.factorial(i)) for i in range(8)}


def test_dead_zygote_is_respawned():
    sb = light()
    try:
        assert sb.run("print(1)").stdout == "1\n"
        (z,) = sb._idle
        os.killpg(z.proc.pid, signal.SIGKILL)  # the bwrap/zygote process group we started
        z.proc.wait(5)
        res = sb.run("print(2)")
        assert res.ok and res.stdout == "2\n"
    finally:
        sb.shutdown()


def test_shutdown_closes_the_pool():
    sb = light()
    assert sb.run("print('a')").stdout == "a\n"
    (z,) = sb._idle
    sb.shutdown()
    assert z.proc.poll() is not None
    with pytest.raises(sandbox.SandboxUnavailable):
        sb.run("print('b')")


def test_isolation_mode_names_the_mechanisms():
    mode = sandbox.isolation_mode()
    assert "rlimits" in mode
    if os.path.exists("/usr/bin/bwrap"):
        assert mode.startswith("bwrap")
    if os.geteuid() == 0:
        assert "+uid" in mode


def test_fallback_without_bwrap_runs_code():
    sb = light(use_bwrap=False)
    try:
        assert "no bwrap" in sb.mode
        res = sb.run(SEED["code"])
        assert res.ok and res.stdout == "e ≈ 2.7182815255731922\n"
        assert sb.run("1/0").error == "ZeroDivisionError: division by zero"
    finally:
        sb.shutdown()


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="bwrap not installed")
def test_required_bwrap_is_used():
    sb = light(use_bwrap=True)
    try:
        assert sb.mode.startswith("bwrap")
        res = sb.run(f"import os\nprint(os.path.exists({str(sandbox.REPO_ROOT / 'pyproject.toml')!r}))")
        assert res.stdout == "False\n"
    finally:
        sb.shutdown()


def test_zygote_killed_mid_task_reports_and_does_not_rerun(tmp_path):
    sb = light()
    try:
        sb.warm()
        (z,) = sb._idle
        out: dict[str, sandbox.RunResult] = {}
        t = threading.Thread(target=lambda: out.setdefault("r", sb.run("import time\ntime.sleep(30)", timeout=20)))
        t0 = time.monotonic()
        t.start()
        time.sleep(0.5)
        os.killpg(z.proc.pid, signal.SIGKILL)  # the zygote we started
        t.join(20)
        assert time.monotonic() - t0 < 10  # noticed at once, not retried with the same code
        assert out["r"].error == "sandbox worker died while running the code"
        assert sb.run("print('fine')").stdout == "fine\n"
    finally:
        sb.shutdown()


def test_task_environment_gc_surrogates_and_output_beyond_the_pipe():
    """What the zygote now prepares or collects differently still looks the same to a task: HOME,
    TMPDIR and tempfile point at a fresh directory; the task's own garbage cycles are collected
    (the zygote freezes its preloaded objects for the collector); code with a lone surrogate fails
    as Python would; output larger than the output pipe is collected whole."""
    env = ("import os, tempfile\n"
           "print(os.environ['HOME'] == os.environ['TMPDIR'] == os.getcwd() == tempfile.gettempdir())\n"
           "print(os.getcwd())")
    cycle = ("import gc, weakref\nclass A:\n    pass\na = A()\na.me = a\nr = weakref.ref(a)\ndel a\n"
             "gc.collect()\nprint(r() is None)")
    big = "import sys\nfor i in range(3000):\n    sys.stdout.write('x' * 999 + '\\n')\nprint('end')"
    sb = light()
    try:
        first, second = sb.run(env), sb.run(env)
        assert first.stdout.splitlines()[0] == "True" and second.stdout.splitlines()[0] == "True"
        assert first.stdout.splitlines()[1] != second.stdout.splitlines()[1]
        assert sb.run(cycle).stdout == "True\n"
        res = sb.run('s = "\ud800"\nprint(len(s))')
        assert res.error.startswith("UnicodeEncodeError") and "surrogates not allowed" in res.error
        res = sb.run(big, max_output=4_000_000)
        assert res.ok and not res.truncated, res.error
        assert res.output_bytes == 3000 * 1000 + 4 and res.stdout.endswith("x\nend\n")
    finally:
        sb.shutdown()


@pytest.mark.parametrize("code, light_pool", [
    ("print(1)", True),
    ("import math, random\nfrom statistics import mean\nprint(mean([1, 2]))", True),
    ("import os.path\nprint(os.path.sep)", False),  # os is not preloaded
    ("import numpy as np\nprint(np.arange(3).sum())", False),
    ("from sympy import symbols", False),
    ("from . import sibling", False),
    ("m = __import__('numpy')", False),
    ("import importlib\nimportlib.import_module('numpy')", False),
    ("exec('import numpy')", False),
    ("def f(:\n", True),  # a syntax error reads the same from any zygote
])
def test_code_importing_only_the_standard_library_runs_in_the_light_pool(code, light_pool):
    assert sandbox.stdlib_only(code) is light_pool


def test_light_and_numpy_pools_give_the_same_results():
    """The pool is a cost choice only: what code prints, raises or hits is the same in both."""
    programs = ["import math\nprint(math.factorial(20))", "x = [1, 2]\nx[5]", "print('a' * 30)",
                "import random\nrandom.seed(3)\nprint(random.random())", "1 / 0", "def f(:\n"]
    full = sandbox.default_sandbox()
    for code in programs:
        a, b = sandbox.run(code, timeout=5), full.run(code, timeout=5)
        assert (a.stdout, a.error, a.timed_out) == (b.stdout, b.error, b.timed_out), code
    res = call({"code": "import numpy as np\nprint(int(np.arange(5).sum()))"})
    assert res.ok and res.output == "10"
