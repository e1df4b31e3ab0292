"""Throughput of the synchronous API transport against a local server with a fixed per-request latency.

    python benchmarks/bench_llm_throughput.py [--requests 320] [--latency 0.5] [--concurrency 16]

With `concurrency` requests in flight and `latency` seconds each, the ideal rate is
`concurrency / latency` requests per second. The benchmark runs the real anthropic backend (SDK, response
cache with a commit per row, budget ledger, progress accounting, single-shot parsing) against
tests/backends/fake_server.py (in its own process) and prints the achieved rate as a fraction of the ideal (target >= 0.95).
The baseline measured in the same run is the bare SDK (`client.messages.create` from a thread pool of the
same size, nothing else), so the backend's own overhead shows as the ratio between the two.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 0.95


def bare_sdk(url: str, n: int, concurrency: int) -> float:
    import anthropic

    client = anthropic.Anthropic(api_key="bench-key", base_url=url, max_retries=0)

    def one(i: int) -> None:
        client.messages.create(model="claude-haiku-4-5", max_tokens=512, messages=[
            {"role": "user", "content": f"Problem: What is the molar mass of H2O? (bare #{i})"}])

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(min(concurrency, n))))  # warm the connection pool
        start = time.perf_counter()
        list(pool.map(one, range(concurrency, concurrency + n)))
    return time.perf_counter() - start


def backend(url: str, n: int, concurrency: int, cache: Path) -> float:
    import yaml
    from omegaconf import OmegaConf

    from stages.backends.llm import LLMBackend
    from stages.params import compose
    from tests.backends.conftest import make_problems

    cfg = OmegaConf.create(yaml.safe_load(compose(["generate/backend=anthropic"])))
    for key, val in {"mode": "single_shot", "progress": False, "cache_path": str(cache), "max_tokens": 512,
                     "backend.base_url": url, "backend.concurrency": concurrency, "backend.max_retries": 0}.items():
        OmegaConf.update(cfg, f"generate.{key}", val)
    problems = make_problems(n + concurrency)
    be = LLMBackend(cfg.generate)
    list(be.generate(problems[:concurrency]))  # warm-up: imports, tool list, connections
    start = time.perf_counter()
    traces = list(be.generate(problems[concurrency:]))
    elapsed = time.perf_counter() - start
    bad = [t.generation_error for t in traces if t.generation_error]
    if bad:
        sys.exit(f"backend produced failed traces: {bad[:3]}")
    return elapsed


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    """The fake API in its own process, so its work does not compete for this process's GIL."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.backends.fake_server", str(latency)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        sys.exit("fake server did not start")
    return proc, url


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=320)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=16)
    ns = ap.parse_args()
    os.environ["ANTHROPIC_API_KEY"] = "bench-key"
    ideal = ns.requests * ns.latency / ns.concurrency
    server, url = start_server(ns.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t_sdk = bare_sdk(url, ns.requests, ns.concurrency)
            t_be = backend(url, ns.requests, ns.concurrency, Path(tmp) / "llm.sqlite")
    finally:
        server.kill()
        server.wait()
    frac_sdk, frac_be = ideal / t_sdk, ideal / t_be
    print(f"{ns.requests} requests, latency {ns.latency * 1000:.0f} ms, concurrency {ns.concurrency}: "
          f"ideal {ideal:.2f} s ({ns.concurrency / ns.latency:.1f} req/s)")
    print(f"  bare SDK (baseline): {t_sdk:.2f} s  {ns.requests / t_sdk:6.1f} req/s  {frac_sdk:.1%} of ideal")
    print(f"  anthropic backend:   {t_be:.2f} s  {ns.requests / t_be:6.1f} req/s  {frac_be:.1%} of ideal "
          f"({t_sdk / t_be:.1%} of the bare SDK)")
    print(f"  target >= {TARGET:.0%} of ideal: {'PASS' if frac_be >= TARGET else 'FAIL'}")


if __name__ == "__main__":
    main()
