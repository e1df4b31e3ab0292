"""Stage 3 — execute: re-run every tool call and give each trace a `Verdict` (three layers).

Reads `data/generate/traces.jsonl` leniently (a malformed line becomes a record with a format-layer
reason, never a crash), runs format + execution layers in a thread pool (tool calls wait on the
runtime's worker processes, so threads overlap them), and the answer layer in the main thread (so
LaTeX answers may use math-verify, whose timeout needs `signal.alarm`). Output order = input order.

The verification is CPU-bound Python (pydantic, text comparison, SymPy), so `main` splits the input
into chunks verified by `processes` forked worker processes (default: one per CPU), each running the
same thread pool + main-thread answer layer on its chunk; chunks come back in input order, already
serialised, with their tallies. Every record's verdict depends on that record alone, so the output is
byte-identical whatever the number of processes. The processes share the tool runtime's worker count
between them, and each uses at most as many threads as it has tool workers (`workers` caps it).

Writes `data/execute/traces.jsonl` (every record, with `verdict`) and `metrics/execute.json` with the
seed plan's quality metrics: valid JSON rate, tool call syntax correctness, tool result match rate,
answer accuracy, and counts.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

from omegaconf import DictConfig

from stages.app import ConfigError, stage_main, usable_cpus
from stages.jsonl import DataError, atomic_open, to_json_line, write_json, write_jsonl
from stages.schema import Trace
from stages.verify.layers import Options, parse_record, verify_answer, verify_structure

log = logging.getLogger("execute")

IN = "data/generate/traces.jsonl"
OUT = "data/execute/traces.jsonl"
METRICS = "metrics/execute.json"

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(pool: Executor, func: Callable[[T], R], items: Iterable[T], window: int) -> Iterator[R]:
    """Like `pool.map` but consumes `items` lazily, keeping at most `window` tasks in flight."""
    inflight: deque[Future[R]] = deque()
    for item in items:
        inflight.append(pool.submit(func, item))
        if len(inflight) >= window:
            yield inflight.popleft().result()
    while inflight:
        yield inflight.popleft().result()


def read_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found (run the previous stage first: `dvc repro`)")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                yield lineno, line


def options_from(ecfg: DictConfig | dict[str, Any]) -> Options:
    try:
        return Options(rel_tol=float(ecfg.get("rel_tol", 1e-6)), abs_tol=float(ecfg.get("abs_tol", 1e-9)),
                       on_mismatch=str(ecfg.get("on_mismatch", "drop")),
                       answer_support=str(ecfg.get("answer_support", "require")),
                       canonical_calls=bool(ecfg.get("canonical_calls", True)))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


class Tally:
    """Counts for metrics/execute.json, updated one verified trace at a time."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.per_category: dict[str, Counter[str]] = {}

    def add(self, t: Trace) -> None:
        v = t.verdict
        assert v is not None
        c = self.c
        c["records"] += 1
        invalid = any(r.startswith(("invalid JSON", "record is not", "schema:")) for r in v.format.reasons)
        c["valid_json"] += not invalid and not t.generation_error
        c["generation_errors"] += bool(t.generation_error)
        c["tool_calls"] += v.tool_calls
        c["tool_calls_valid"] += v.tool_calls_valid
        c["tool_results_matched"] += v.tool_results_matched
        c["format_ok"] += v.format.ok
        c["execution_ok"] += v.execution.ok
        c["answer_ok"] += v.answer.ok
        c["passed"] += v.ok
        c["fixed"] += v.fixed
        answered = bool(t.answer.strip()) and not t.generation_error
        has_ref = answered and bool((t.reference_answer or "").strip())
        c["answers_checked"] += has_ref
        c["answers_correct"] += has_ref and not any(r.startswith("wrong answer") for r in v.answer.reasons)
        c["answer_warnings"] += sum(r.startswith("warning:") for r in v.answer.reasons)
        for layer in ("format", "execution", "answer"):
            for r in getattr(v, layer).reasons:
                if not r.startswith("warning:"):
                    self.reasons[f"{layer}: {_reason_kind(r)}"] += 1
        cat = self.per_category.setdefault(t.category, Counter())
        cat["records"] += 1
        cat["passed"] += v.ok

    def merge(self, other: Tally) -> None:
        """Add a later chunk's counts (as if its traces had been `add`ed here, in order).

        Counters keep first-insertion order, which `failure_reasons` uses to order ties, so chunks must
        be merged in input order.
        """
        self.c.update(other.c)
        self.reasons.update(other.reasons)
        for cat, counts in other.per_category.items():
            self.per_category.setdefault(cat, Counter()).update(counts)

    def metrics(self) -> dict[str, Any]:
        c = self.c

        def rate(num: str, den: str) -> float | None:
            return round(c[num] / c[den], 4) if c[den] else None

        compared = c["tool_calls_valid"]
        return {
            "records": c["records"],
            "passed": c["passed"],
            "pass_rate": rate("passed", "records"),
            "valid_json_rate": rate("valid_json", "records"),
            "tool_call_syntax_correctness": rate("tool_calls_valid", "tool_calls"),
            "tool_result_match_rate": round(c["tool_results_matched"] / compared, 4) if compared else None,
            "answer_accuracy": rate("answers_correct", "answers_checked"),
            "counts": {k: c[k] for k in ("generation_errors", "tool_calls", "tool_calls_valid",
                                         "tool_results_matched", "format_ok", "execution_ok", "answer_ok",
                                         "fixed", "answers_checked", "answers_correct", "answer_warnings")},
            "failure_reasons": dict(self.reasons.most_common()),
            "per_category": {k: dict(v) for k, v in sorted(self.per_category.items())},
        }


def _reason_kind(reason: str) -> str:
    """Collapse a reason sentence to its kind for counting (drop step numbers and values)."""
    text = reason.split(": ", 1)[1] if reason.startswith("step ") else reason
    for kind in ("invalid tool call", "no tool_result", "tool_result without", "the tool failed", "claimed",
                 "wrong answer", "not supported", "generation_error", "invalid JSON", "schema",
                 "steps not numbered", "empty answer", "no reasoning steps"):
        if kind in text:
            return kind
    return text[:40]


def tool_runner(timeout_s: float | None) -> Callable[[str, dict[str, Any]], Any]:
    """`tools.call` with the stage's time limit, retrying a timed-out call once.

    Why retry: a time-out depends on machine load, not on the trace; the generate stage already ran the
    same call within the limit (its result is normally in the shared cache, so this is rare).
    """
    import tools

    def call(tool: str, args: dict[str, Any]) -> Any:
        result = tools.call(tool, args, timeout=timeout_s)
        if not result.ok and _timed_out(result.error or ""):
            result = tools.call(tool, args, timeout=timeout_s)
        return result

    return call


def _timed_out(error: str) -> bool:
    e = error.lower()
    return "time limit" in e or "timed out" in e or "timeout" in e


def run(lines: Iterable[tuple[int, str]], opts: Options, workers: int = 4,
        runner: Callable[[str, dict[str, Any]], Any] | None = None,
        pool: ThreadPoolExecutor | None = None) -> Iterator[Trace]:
    """Verify each (lineno, line) in order; yields Traces carrying their Verdict.

    `pool`: the thread pool (of `workers` threads) to run the format and execution layers in; by
    default one for this call. Threads must outlive the tool processes they start (the Python
    sandbox's zygote is killed when the thread that started it exits), so repeated calls share one.
    """
    if runner is None:
        runner = tool_runner(None)
    if pool is None:
        with ThreadPoolExecutor(max(1, workers)) as own:
            yield from run(lines, opts, workers, runner, own)
        return

    def structure(item: tuple[int, str]) -> tuple[Trace, list[tuple[int, Any]]]:
        lineno, line = item
        trace, pre = parse_record(line, lineno)
        try:
            return verify_structure(trace, pre, opts, runner)
        except Exception as exc:  # a verifier bug must cost one record, not a 12k-trace run
            log.exception("line %d (%s): verification failed", lineno, trace.id)
            return _crashed(trace, exc), []

    for trace, real in ordered_map(pool, structure, lines, window=max(8, 4 * workers)):
        if trace.verdict is not None and any(r.startswith("verifier error") for r in
                                             trace.verdict.execution.reasons):
            yield trace
            continue
        try:
            yield verify_answer(trace, real, opts)
        except Exception as exc:
            log.exception("%s: answer check failed", trace.id)
            yield _crashed(trace, exc)


def _crashed(trace: Trace, exc: Exception) -> Trace:
    """Mark a trace whose verification raised: it fails the execution layer with the error named."""
    from stages.schema import Verdict

    v = trace.verdict or Verdict()
    v.execution.ok = False
    v.execution.reasons.append(f"verifier error: {type(exc).__name__}: {str(exc)[:200]}")
    trace.verdict = Verdict.model_validate(v.model_dump())
    return trace


# -- worker processes ------------------------------------------------------------------------------

CHUNK_LINES = 25   # lines per task sent to a worker process (small: a cold cache makes some chunks slow)

_job: tuple[Options, int, Callable[[str, dict[str, Any]], Any], ThreadPoolExecutor] | None = None


def _init_process(opts: Options, threads: int, runner: Callable[[str, dict[str, Any]], Any],
                  tool_workers: int) -> None:
    global _job
    # inherited through fork, never pickled; one thread pool for every chunk (see `run`)
    _job = (opts, threads, runner, ThreadPoolExecutor(threads))
    os.environ["TOOLTRACE_TOOL_WORKERS"] = str(tool_workers)  # read when the child starts its tool runtime


def verify_chunk(chunk: list[tuple[int, str]]) -> tuple[list[str], Tally]:
    """In a worker process: verify `chunk` in order; its output lines and its tally."""
    assert _job is not None, "verify_chunk runs in a process started by verify_in_processes"
    opts, threads, runner, pool = _job
    tally = Tally()
    out: list[str] = []
    for t in run(chunk, opts, workers=threads, runner=runner, pool=pool):
        tally.add(t)
        out.append(to_json_line(t))
    return out, tally


def _chunks(lines: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    it = iter(lines)
    while chunk := list(islice(it, size)):
        yield chunk


def verify_in_processes(lines: Iterable[tuple[int, str]], opts: Options, processes: int, workers: int = 4,
                        runner: Callable[[str, dict[str, Any]], Any] | None = None,
                        chunk_lines: int = CHUNK_LINES) -> Iterator[tuple[list[str], Tally]]:
    """`run` in `processes` forked worker processes; yields (JSON lines, tally) per chunk, in input order.

    Why fork: the workers inherit the imported modules (SymPy, the tool catalog) instead of importing
    them again. Call it before this process has used the tool runtime (its worker pipes and cache
    connection must not be shared with children); each worker starts its own on first use. A worker's
    main thread runs the answer layer, as math-verify requires.
    """
    if runner is None:
        runner = tool_runner(None)
    import sympy  # noqa: F401 - imported once here rather than once per worker

    # Objects that exist now are shared with the children and live to the end: keep them out of the
    # children's garbage collections (a full collection would otherwise walk all of SymPy each time).
    gc.freeze()
    # Each process starts its own tool workers on a cache miss: they share the runtime's default number
    # (or TOOLTRACE_TOOL_WORKERS, per process when set), so a cold-cache run starts as many tool processes
    # as a single-process run would. More threads than tool workers would only queue for them, and with a
    # warm cache extra threads cost CPU (they contend for the GIL): `workers` is an upper bound here.
    tool_workers = _env_int("TOOLTRACE_TOOL_WORKERS") or max(1, (os.cpu_count() or 2) // processes)
    threads = max(1, min(workers, tool_workers))
    # Tasks name their function by module and name: use the importable module's functions, also when
    # this file runs as `__main__` (`python -m cProfile -m stages.execute` does not register it as such).
    import stages.execute as this

    pool = ProcessPoolExecutor(processes, mp_context=get_context("fork"), initializer=this._init_process,
                               initargs=(opts, threads, runner, tool_workers))
    try:
        yield from ordered_map(pool, this.verify_chunk, _chunks(lines, chunk_lines), window=4 * processes)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _tool_runtime_started() -> bool:
    """Has this process already started tool workers or opened the result cache? (then do not fork)"""
    executor = sys.modules.get("tools.executor")
    return executor is not None and (getattr(executor, "_pool", None) is not None
                                     or getattr(executor, "_cache", None) is not None)


@stage_main
def main(cfg: DictConfig) -> None:
    ecfg = cfg.execute
    opts = options_from(ecfg)
    tally = Tally()
    timeout = ecfg.get("timeout_s")
    runner = tool_runner(float(timeout) if timeout is not None else None)
    workers = int(ecfg.get("workers", 4))
    processes = ecfg.get("processes")
    try:
        processes = usable_cpus() if processes is None else int(processes)
    except ValueError:
        raise ConfigError(f"execute.processes must be an integer, not {processes!r}") from None
    if processes > 1 and _tool_runtime_started():
        processes = 1

    if processes > 1:
        n = 0
        with atomic_open(OUT) as fh:
            for lines, part in verify_in_processes(read_lines(IN), opts, processes, workers, runner):
                for line in lines:
                    fh.write(line)
                    fh.write("\n")
                n += len(lines)
                tally.merge(part)
    else:
        def verified() -> Iterator[Trace]:
            for t in run(read_lines(IN), opts, workers=workers, runner=runner):
                tally.add(t)
                yield t

        n = write_jsonl(OUT, verified())
    m = tally.metrics()
    write_json(METRICS, m)
    log.info("verified %d traces: %d passed, tool result match rate %s, answer accuracy %s",
             n, m["passed"], m["tool_result_match_rate"], m["answer_accuracy"])


if __name__ == "__main__":
    main()
