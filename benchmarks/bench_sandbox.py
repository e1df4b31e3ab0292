"""Sandboxed execute_python calls per second vs a fresh interpreter per call (measured in this run).

    python benchmarks/bench_sandbox.py [--calls 60] [--threads 2] [--overhead-calls 300]

Two snippets: plain `math` (the fresh interpreter's best case) and one using numpy + sympy (what
models actually write, and what the warm zygote has preloaded). The baseline is a fresh
`sys.executable -c <code>` per call with no isolation at all; the sandbox adds bwrap, Landlock, a uid
drop and rlimits and still wins because it forks a warm, preloaded process instead of starting one.
Target: >= 5x the baseline.

Also the per-call overhead of back-to-back calls of a trivial snippet through each shared pool (two
zygotes each: the light standard-library one that such code runs in, and the numpy+sympy one), as the
generate stage makes them: wall time per call, and CPU per call in this process and
in the zygotes with their task processes (read from /proc; a shared machine makes wall times noisy,
CPU less so).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import sandbox  # noqa: E402

SNIPPETS = {
    "math": "import math\nresult = sum(1/math.factorial(n) for n in range(10))\nprint(f'e ≈ {result}')",
    "numpy+sympy": ("import numpy as np, sympy as sp\nx = sp.symbols('x')\n"
                    "print(np.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]])), sp.integrate(x**2, (x, 0, 3)))"),
}


def fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def fresh_bare(code: str) -> str:
    """The cheapest possible interpreter start (no site, so no numpy): a lower bound for `math`."""
    return subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True,
                          check=True).stdout


def boxed(code: str) -> str:
    res = sandbox.run(code, timeout=10)
    assert res.ok, res
    return res.stdout


def rate(fn, code: str, calls: int, threads: int) -> tuple[float, float]:
    """(calls per second, median ms per call)."""
    times: list[float] = []

    def one(_: int) -> None:
        t0 = time.perf_counter()
        fn(code)
        times.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    if threads == 1:
        for i in range(calls):
            one(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(calls)))
    wall = time.perf_counter() - t0
    return calls / wall, statistics.median(times) * 1000


TRIVIAL = "total = 0\nfor i in range(100):\n    total += i * i\nprint(total)"


def _tree_cpu_seconds(pids: list[int]) -> float:
    """CPU used so far by these processes, their descendants alive now, and reaped descendants."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            children.setdefault(int(stat[stat.rfind(")") + 2:].split()[1]), []).append(int(name))
    total, todo = 0, list(pids)
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        total += sum(int(x) for x in stat[stat.rfind(")") + 2:].split()[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def overhead(pool: sandbox.Sandbox, calls: int, threads: int) -> str:
    """Back-to-back trivial calls in `pool`: wall ms per call; CPU ms per call here and in zygotes + tasks."""
    pool.warm(pool.max_workers)

    def run(code: str) -> None:
        assert pool.run(code, timeout=10).ok

    for _ in range(10):
        run(TRIVIAL)
    zygotes = [z.proc.pid for z in pool._idle]  # the bwrap (or zygote) processes this pool started
    zygote_cpu, own = _tree_cpu_seconds(zygotes), resource.getrusage(resource.RUSAGE_SELF)
    per_second, _ = rate(run, TRIVIAL, calls, threads)
    after = resource.getrusage(resource.RUSAGE_SELF)
    here = (after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime) / calls * 1000
    there = (_tree_cpu_seconds(zygotes) - zygote_cpu) / calls * 1000
    return (f"{1000 / per_second:6.2f} ms wall per call; CPU per call: {here:5.2f} ms here + "
            f"{there:5.2f} ms in zygotes and tasks")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=60)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--overhead-calls", type=int, default=300)
    args = ap.parse_args()

    print(f"isolation: {sandbox.isolation_mode()}  calls: {args.calls}  threads: {args.threads}")
    t0 = time.perf_counter()
    sandbox.warm(max(1, args.threads))
    print(f"zygote start-up (once, imports numpy+sympy): {(time.perf_counter() - t0) * 1000:.0f} ms")
    for name, code in SNIPPETS.items():
        assert fresh(code) == boxed(code), "sandbox and fresh interpreter disagree"
        base_rate, base_ms = rate(fresh, code, args.calls, args.threads)
        box_rate, box_ms = rate(boxed, code, args.calls, args.threads)
        print(f"[{name}] fresh subprocess: {base_rate:7.1f} calls/s ({base_ms:6.1f} ms median)   "
              f"sandbox: {box_rate:7.1f} calls/s ({box_ms:6.1f} ms median)   "
              f"ratio: {box_rate / base_rate:5.1f}x")
    bare_rate, bare_ms = rate(fresh_bare, SNIPPETS["math"], args.calls, args.threads)
    print(f"[math] bare `python -I -S` subprocess (no site-packages, no isolation): {bare_rate:7.1f} calls/s "
          f"({bare_ms:6.1f} ms median)")
    # Calls from a model arrive with pauses between them; the zygote forks the next child during the
    # pause, so a call's latency then excludes the fork. Back-to-back calls above cannot hide it.
    lat = []
    for _ in range(min(args.calls, 30)):
        time.sleep(0.02)
        t0 = time.perf_counter()
        boxed(SNIPPETS["math"])
        lat.append((time.perf_counter() - t0) * 1000)
    print(f"[math] sandbox latency with 20 ms pauses between calls: {statistics.median(lat):.1f} ms median "
          f"(fresh subprocess: {rate(fresh, SNIPPETS['math'], 5, 1)[1]:.1f} ms)")
    # Trivial code runs in the light pool (standard library only); code importing numpy/SymPy in the full one.
    for name, pool in (("light", sandbox.light_sandbox()), ("numpy+sympy", sandbox.default_sandbox())):
        for threads in (1, 6):
            print(f"[trivial] back-to-back in the {name} pool of {pool.max_workers}, {threads} thread(s): "
                  f"{overhead(pool, args.overhead_calls, threads)}")
    sandbox.shutdown()


if __name__ == "__main__":
    main()
