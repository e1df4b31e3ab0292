"""Optional semantic judge for the filter stage (off by default: `filter.judge.name: null`).

The three verification layers catch wrong syntax, wrong tool results and wrong answers, but not a
trace whose *reasoning* is muddled (steps that contradict the tool output, a tool called for a trivial
sum). A judge is a function `Trace -> str | None` (a rejection reason, or None to keep) registered here
under a name; the filter calls it only for traces that passed every other check, so a paid LLM judge
sees as few traces as possible.

Judges: `length_ratio` (offline sanity check) and `anthropic` (an LLM reads the trace against a short
rubric and answers keep/reject as JSON). The LLM judge reads its key from the environment only
(`api_key_env`), and caches every verdict in SQLite keyed by model + rubric + trace content, so a rerun
(`dvc repro` after an unrelated change) pays nothing and gives the same answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stages.schema import Trace

Judge = Callable[[Trace], "str | None"]
JUDGE_FACTORIES: dict[str, Callable[[dict[str, Any]], Judge]] = {}


def register(name: str) -> Callable[[Callable[[dict[str, Any]], Judge]], Callable[[dict[str, Any]], Judge]]:
    def deco(factory: Callable[[dict[str, Any]], Judge]) -> Callable[[dict[str, Any]], Judge]:
        JUDGE_FACTORIES[name] = factory
        return factory

    return deco


@register("length_ratio")
def _length_ratio(params: dict[str, Any]) -> Judge:
    """Reject traces whose reasoning is mostly pasted tool output (text words < `min_ratio` × result words)."""
    min_ratio = float(params.get("min_ratio", 0.5))

    def judge(trace: Trace) -> str | None:
        text = sum(len(s.content.split()) for s in trace.reasoning)
        results = sum(len((s.tool_result or "").split()) for s in trace.reasoning)
        if results and text < min_ratio * results:
            return f"judge: reasoning text ({text} words) is mostly tool output ({results} words)"
        return None

    return judge


RUBRIC = """You review training data for a model that learns to call tools while reasoning.
You get one trace: a question, numbered reasoning steps (some call a tool and some report its result),
and a final answer. Tool results and the final answer have already been checked by re-running the tools.
Judge only the reasoning: reject when steps contradict the tool results, when the reasoning skips from
the results to the answer without explanation, when a step is incoherent, or when a tool is called for
something trivial while a hard step is done by hand. Otherwise keep.
Reply with JSON only: {"verdict": "keep" | "reject", "reason": "<one short sentence>"}"""


class _VerdictCache:
    """SQLite cache of judge verdicts (thread-safe; one file shared by reruns)."""

    def __init__(self, path: str):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, reply TEXT)")
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT reply FROM verdicts WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, reply: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?)", (key, reply))
            self._db.commit()


def trace_text(trace: Trace) -> str:
    """What the judge reads: the seed record, nothing the pipeline added."""
    return json.dumps(trace.seed_record(), ensure_ascii=False, indent=1)


def parse_reply(text: str) -> str | None:
    """A rejection reason from the judge's JSON reply, or None to keep. Unreadable replies keep the trace
    (the judge is an extra filter; its failure must not silently empty the dataset)."""
    start, end = text.find("{"), text.rfind("}")
    try:
        data = json.loads(text[start:end + 1]) if 0 <= start < end else {}
    except json.JSONDecodeError:
        return None
    if str(data.get("verdict", "")).strip().lower() == "reject":
        return f"judge: {str(data.get('reason', 'rejected'))[:200]}"
    return None


@register("anthropic")
def _anthropic(params: dict[str, Any]) -> Judge:
    """An Anthropic model as judge. params: model, api_key_env, base_url, max_tokens, cache_path."""
    import anthropic

    env = str(params.get("api_key_env", "ANTHROPIC_API_KEY"))
    key = os.environ.get(env, "").strip()
    if not key:
        raise ValueError(f"filter.judge: {env} is not set (the anthropic judge reads its key from the environment)")
    model = str(params.get("model", "claude-3-5-haiku-latest"))
    client = anthropic.Anthropic(api_key=key, base_url=params.get("base_url") or None,
                                 max_retries=int(params.get("max_retries", 4)))
    cache = _VerdictCache(str(params.get("cache_path", ".cache/tooltrace/judge.sqlite")))
    max_tokens = int(params.get("max_tokens", 200))

    def judge(trace: Trace) -> str | None:
        text = trace_text(trace)
        ckey = hashlib.sha256(f"{model}\n{RUBRIC}\n{text}".encode()).hexdigest()
        reply = cache.get(ckey)
        if reply is None:
            resp = client.messages.create(model=model, max_tokens=max_tokens, system=RUBRIC,
                                          messages=[{"role": "user", "content": text}])
            reply = "".join(getattr(b, "text", "") for b in resp.content)
            cache.put(ckey, reply)
        return parse_reply(reply)

    return judge


def make_judge(cfg: Any) -> Judge | None:
    """The configured judge, or None when `filter.judge.name` is null/empty."""
    if cfg is None:
        return None
    name = cfg.get("name") if hasattr(cfg, "get") else None
    if not name:
        return None
    if name not in JUDGE_FACTORIES:
        raise ValueError(f"filter.judge.name: unknown judge {name!r} (known: {', '.join(sorted(JUDGE_FACTORIES))})")
    params = dict(cfg.get("params") or {})
    return JUDGE_FACTORIES[name](params)
