"""The API backends (`generate/backend=anthropic|openai`): problems → traces with a real model.

    LLMBackend(cfg.generate).generate(problems)  -> Iterator[Trace]   (one per problem, input order)
    LLMBackend(cfg.generate).estimate(problems)  -> dict               (dry run: no API call, no key)
    LLMBackend(cfg.generate).summary()           -> dict               (for metrics/generate.json)

Pieces: `providers` (the two wire dialects over the official SDKs), `conversation` (one problem's
exchange: single_shot or interleaved), `transports` (sync with bounded concurrency, or Message
Batches), `llm_cache` (SQLite response cache and batch ids), `pricing` (price table and budget),
`prompting` (versioned prompts from conf/generate/prompt).

Keys come only from the environment variable named by `generate.backend.api_key_env` (a local
OpenAI-compatible server may use `generate.backend.dummy_api_key` instead). The key is never put in
config, cache, traces, metrics or messages: anything that might echo it (SDK error text, model output)
passes through `redact` first.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from stages.app import ConfigError
from stages.backends.conversation import Context, Conversation
from stages.backends.llm_cache import ResponseCache, request_key
from stages.backends.pricing import Ledger, Price, PriceTable, Tokens
from stages.backends.prompting import Prompt
from stages.backends.providers import AnthropicProvider, FatalAPIError, GenParams, OpenAIProvider, Provider
from stages.backends.transports import Runner, count_outcomes, estimate_tokens, run_batches, run_sync
from stages.schema import DOMAINS, Generator, Problem, Trace

log = logging.getLogger("generate")

MODES = ("interleaved", "single_shot")
TRANSPORTS = ("sync", "batch")
CACHE_ENV = "TOOLTRACE_LLM_CACHE"  # overrides generate.cache_path (e.g. for `dvc exp run --temp`)


def _opt(cfg: Any, key: str, default: Any = None) -> Any:
    val = cfg.get(key, default) if cfg is not None else default
    return default if val is None else val


class LLMBackend:
    def __init__(self, cfg: DictConfig):
        b = cfg.backend
        self.name = str(b.name)
        if any(k in b for k in ("api_key", "key", "token")):
            raise ConfigError("generate.backend.api_key: keys are read from the environment only "
                              f"(set {_opt(b, 'api_key_env', 'the key variable')}); remove it from the config")
        self.mode = str(_opt(cfg, "mode", "interleaved"))
        if self.mode not in MODES:
            raise ConfigError(f"generate.mode: '{self.mode}' (interleaved | single_shot)")
        self.transport = str(_opt(b, "transport", "sync"))
        if self.transport not in TRANSPORTS:
            raise ConfigError(f"generate.backend.transport: '{self.transport}' (sync | batch)")
        if self.transport == "batch" and self.name != "anthropic":
            raise ConfigError("generate.backend.transport: 'batch' is implemented for anthropic only; use sync")
        self.model = str(_opt(b, "model", ""))
        if not self.model:
            raise ConfigError("generate.backend.model: not set")
        self.prompt = Prompt.from_config(cfg.get("prompt"), self.mode)
        self.dry_run = bool(_opt(cfg, "dry_run", False))
        self.concurrency = int(_opt(b, "concurrency", 4))
        self.max_turns = int(_opt(cfg, "max_turns", 12))
        budget = cfg.get("budget_usd")
        self.budget = float(budget) if budget is not None else None
        batch = b.get("batch") or {}
        self.batch_discount = float(_opt(batch, "discount", 0.5))
        self.batch_max = int(_opt(batch, "max_requests", 10000))
        self.poll_interval = float(_opt(batch, "poll_interval_s", 30))
        self.estimate_cfg = cfg.get("estimate") or {}
        self.progress_on = bool(_opt(cfg, "progress", True))

        price = PriceTable(OmegaConf.to_container(b.prices) if b.get("prices") else None).lookup(self.model)
        if price is None:
            if self.budget is not None:
                raise ConfigError(f"generate.backend.prices: no price for model '{self.model}', so "
                                  "generate.budget_usd cannot be enforced; add a row or unset the budget")
            log.warning("no price for model '%s' in generate.backend.prices: costs reported as 0", self.model)
            price = Price()
        self.price = price

        if self.name == "anthropic" and cfg.get("temperature") is not None:
            log.warning("generate.temperature is ignored for anthropic: the Messages API (2026-10-21) rejects "
                        "sampling parameters")
        self.api_key = None if self.dry_run else self._api_key(b)
        params = GenParams(model=self.model, max_tokens=int(_opt(cfg, "max_tokens", 4096)),
                           temperature=cfg.get("temperature"),
                           prompt_caching=bool(_opt(b, "prompt_caching", True)),
                           cache_conversation=bool(_opt(b, "cache_conversation", True)),
                           parallel_tool_calls=b.get("parallel_tool_calls", False),
                           max_tokens_field=str(_opt(b, "max_tokens_field", "max_tokens")))
        conn = dict(api_key=self.api_key, base_url=b.get("base_url"), max_retries=int(_opt(b, "max_retries", 8)),
                    timeout=float(_opt(b, "timeout_s", 120)))
        self.provider: Provider = (AnthropicProvider if self.name == "anthropic" else OpenAIProvider)(params, **conn)
        self.generator = Generator(backend=self.name, model=self.model, prompt_version=self.prompt.version,
                                   mode=self.mode)
        self.cache_path = Path(os.environ.get(CACHE_ENV) or str(_opt(cfg, "cache_path", ".cache/tooltrace/llm.sqlite")))
        self.runner: Runner | None = None
        self.outcomes: dict[str, int] = {}
        self.estimated: dict[str, Any] | None = None
        for noisy in ("anthropic", "openai", "httpx", "httpx2", "httpcore", "httpcore2"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

    # -- key handling ----------------------------------------------------------------------------
    def _api_key(self, b: Any) -> str:
        env = str(_opt(b, "api_key_env", "ANTHROPIC_API_KEY" if self.name == "anthropic" else "OPENAI_API_KEY"))
        key = os.environ.get(env, "").strip()
        if key:
            return key
        dummy = b.get("dummy_api_key")
        if dummy:
            return str(dummy)
        hint = " (or set generate.backend.dummy_api_key for a local server)" if self.name == "openai" else ""
        raise ConfigError(f"generate.backend: {env} is not set; export it{hint}, or use generate/backend=offline")

    def redact(self, text: str) -> str:
        if self.api_key and len(self.api_key) >= 6:
            return text.replace(self.api_key, "[redacted]")
        return text

    # -- generation ------------------------------------------------------------------------------
    def _order(self, problems: list[Problem]) -> list[int]:
        """Problems batched by domain (then category): requests sharing a system prompt and tool set go
        out together, so the prompt cache stays warm."""
        rank = {d: i for i, d in enumerate(DOMAINS)}
        return sorted(range(len(problems)), key=lambda i: (rank.get(problems[i].domain, 99),
                                                           problems[i].category, i))

    def _context(self) -> Context:
        return Context(provider=self.provider, prompt=self.prompt, mode=self.mode, max_turns=self.max_turns,
                       generator=self.generator, redact=self.redact, tool_names=_tool_names)

    def generate(self, problems: list[Problem]) -> Iterator[Trace]:
        from tqdm import tqdm

        ctx = self._context()
        cache = ResponseCache(self.cache_path)
        bar = tqdm(total=len(problems), desc=f"generate {self.model}", unit="trace", file=sys.stderr,
                   disable=not self.progress_on, dynamic_ncols=True, mininterval=0.5)
        self.runner = runner = Runner(self.provider, cache, self.price, Ledger(self.budget),
                                      prompt_version=self.prompt.version, batch_discount=self.batch_discount,
                                      progress=bar)
        order = self._order(problems)
        counts: dict[str, int] = {"generated": 0, "failed": 0, "not_generated": 0}
        try:
            if self.transport == "batch":
                it = run_batches(problems, order, lambda p: Conversation(p, ctx), runner,
                                 max_requests=self.batch_max, poll_interval=self.poll_interval,
                                 log=lambda s: log.info("%s", self.redact(s)))
            else:
                it = run_sync(problems, order, lambda p: Conversation(p, ctx), runner, self.concurrency)
            for trace in it:
                for k, v in count_outcomes([trace]).items():
                    counts[k] += v
                yield trace
        except FatalAPIError as exc:
            raise ConfigError(f"generate.backend: {self.name} API refused the run: {self.redact(str(exc))}") from None
        finally:
            bar.close()
            cache.close()
            self.outcomes = counts
        if runner.ledger.stopped:
            log.warning("budget_usd %.4f reached: %d problem(s) not generated (rerun with a higher budget "
                        "to continue; answered requests are cached)", self.budget or 0, counts["not_generated"])

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"backend": self.name, "model": self.model, "mode": self.mode,
                               "transport": self.transport, "prompt_version": self.prompt.version,
                               "budget_usd": self.budget}
        if self.estimated is not None:
            out["dry_run"] = True
            out["estimate"] = self.estimated
        if self.runner is None:
            return out
        s, ledger = self.runner.stats, self.runner.ledger
        generated = self.outcomes.get("generated", 0)
        out.update({
            "generated": generated, "not_generated": self.outcomes.get("not_generated", 0),
            "budget_stopped": ledger.stopped,
            "requests": s.requests, "api_calls": s.api_calls, "api_errors": s.api_errors,
            "cache_hits": s.cache_hits, "cache_hit_rate": round(s.cache_hits / s.requests, 4) if s.requests else 0.0,
            "tokens": s.tokens.as_dict(),
            "prompt_cache_read_rate": _prompt_cache_rate(s.tokens),
            "cost_usd": round(ledger.spent, 6),  # paid by this run
            "cost_usd_total": round(s.cost_total, 6),  # what the traces cost, cached answers included
            "cost_per_trace_usd": round(s.cost_total / generated, 6) if generated else None,
            "batches": list(s.batches),
        })
        return out

    # -- dry run ---------------------------------------------------------------------------------
    def estimate(self, problems: list[Problem]) -> dict[str, Any]:
        """Tokens and cost the run would take, from the prompts it would send (no API call, no key).

        Input is measured from the real first request of every problem (~3.5 characters a token); later
        turns and output use `generate.estimate.*`. A problem whose first request is already cached counts
        as free. With prompt caching on, the system prompt and tools are counted as cache reads after
        their first use."""
        ctx = self._context()
        turns = 1 if self.mode == "single_shot" else int(_opt(self.estimate_cfg, "turns", 4))
        out_per_turn = int(_opt(self.estimate_cfg, "output_tokens_single_shot", 1000) if self.mode == "single_shot"
                           else _opt(self.estimate_cfg, "output_tokens_per_turn", 250))
        result_tokens = int(_opt(self.estimate_cfg, "tool_result_tokens", 40))
        caching = self.provider.params.prompt_caching and self.name == "anthropic"
        discount = self.batch_discount if self.transport == "batch" else 1.0
        cache = ResponseCache(self.cache_path) if self.cache_path.exists() else None
        seen_prefix: set[str] = set()
        total = Tokens()
        cached = 0
        for p in problems:
            conv = Conversation(p, ctx)
            req = conv.start()
            if req is None:
                continue
            if cache is not None and cache.has(request_key(self.name, self.prompt.version, req)):
                cached += 1
                continue
            prefix = estimate_tokens([req.get("system"), req.get("tools")])
            body = estimate_tokens(req["messages"])
            pkey = str(hash((str(req.get("system")), str(req.get("tools")))))
            for t in range(turns):
                convo = body + t * (out_per_turn + result_tokens)
                if caching:
                    first = pkey not in seen_prefix
                    seen_prefix.add(pkey)
                    total += Tokens(input=convo, output=out_per_turn, cache_read=0 if first else prefix,
                                    cache_write=prefix if first else 0)
                else:
                    total += Tokens(input=convo + prefix, output=out_per_turn)
        if cache is not None:
            cache.close()
        cost = self.price.cost(total, discount)
        todo = len(problems) - cached
        self.estimated = {"problems": len(problems), "to_generate": todo, "already_cached": cached,
                          "requests": todo * turns, "tokens": total.as_dict(), "cost_usd": round(cost, 4),
                          "cost_per_trace_usd": round(cost / todo, 6) if todo else 0.0,
                          "assumptions": {"turns": turns, "output_tokens_per_turn": out_per_turn,
                                          "chars_per_token": 3.5, "batch_discount": discount}}
        return self.estimated


def _tool_names(problem: Problem) -> list[str]:
    """The tools a problem's category needs (all tools when the problem names none)."""
    from tools import TOOLS

    names = [n for n in problem.required_tools if n in TOOLS]
    return names or list(TOOLS)


def _prompt_cache_rate(t: Tokens) -> float:
    total = t.input + t.cache_read + t.cache_write
    return round(t.cache_read / total, 4) if total else 0.0
