"""How conversations' requests reach the API: synchronously with bounded concurrency, or as Message
Batches (half price, results within 24 h). Both answer from the response cache first and pay only for
what it does not hold.

Sync: a thread pool of `concurrency` workers, one conversation each; a request is a blocking SDK call.
Throughput is `concurrency / latency` requests per second (benchmarks/bench_llm_throughput.py).

Batches: rounds. Each round collects every unfinished conversation's next uncached request, submits
them (one batch per domain, at most `batch.max_requests` each), polls until the batches end, stores the
results in the cache, and lets the conversations move on. Interleaved conversations therefore take one
round per tool turn. Batch ids are stored with their request keys before polling starts, so a run killed
while a batch is processing resumes polling that batch instead of paying for a new one.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from stages.backends.conversation import NOT_GENERATED, Answer, Conversation
from stages.backends.llm_cache import ResponseCache, request_key
from stages.backends.pricing import Ledger, Price, Tokens
from stages.backends.providers import FatalAPIError, Provider, RequestFailed
from stages.schema import Problem, Trace

CHARS_PER_TOKEN = 3.5  # rough, for estimates and budget reservations only


def estimate_tokens(obj: Any) -> int:
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
    return int(len(text) / CHARS_PER_TOKEN) + 1


class BudgetStop(Exception):
    pass


@dataclass
class Stats:
    requests: int = 0
    cache_hits: int = 0
    api_calls: int = 0
    api_errors: int = 0
    tokens: Tokens = field(default_factory=Tokens)
    cost_total: float = 0.0  # every answer, cached or not: what the dataset cost
    batches: list[str] = field(default_factory=list)


class Runner:
    """Answers requests (cache → budget → API → cache) and keeps the run's accounting. Thread-safe."""

    def __init__(self, provider: Provider, cache: ResponseCache, price: Price, ledger: Ledger, *,
                 prompt_version: str, batch_discount: float = 0.5, progress: Any = None):
        self.provider = provider
        self.cache = cache
        self.price = price
        self.ledger = ledger
        self.prompt_version = prompt_version
        self.batch_discount = batch_discount
        self.progress = progress
        self.stats = Stats()
        self.aborted: str | None = None
        self.malformed_retries = 1
        self._lock = threading.Lock()

    def key(self, request: dict[str, Any]) -> str:
        return request_key(self.provider.name, self.prompt_version, request)

    def worst_case(self, request: dict[str, Any], discount: float = 1.0) -> float:
        """Upper bound of a request's cost: every input token at full price, `max_tokens` of output."""
        out = request.get("max_tokens", request.get("max_completion_tokens", 0))
        return self.price.cost(Tokens(input=estimate_tokens(request), output=int(out)), discount)

    def _count(self, tokens: Tokens, cost: float, hit: bool) -> None:
        with self._lock:
            s = self.stats
            s.requests += 1
            s.cache_hits += int(hit)
            s.api_calls += int(not hit)
            s.tokens = s.tokens + tokens
            s.cost_total += cost
        self._postfix()

    def _postfix(self) -> None:
        if self.progress is not None:
            self.progress.set_postfix_str(f"spent ${self.ledger.spent:.4f}, cached {self.stats.cache_hits}/"
                                          f"{self.stats.requests}", refresh=False)

    def cached_answer(self, key: str, fresh: bool = False) -> Answer | None:
        hit = self.cache.get(key)
        if hit is None:
            return None
        response, transport = hit
        tokens = self.provider.parse(response).tokens
        cost = self.price.cost(tokens, self.batch_discount if transport == "batch" else 1.0)
        self._count(tokens, cost, hit=not fresh)
        return Answer(response, cost, cached=not fresh)

    def answer(self, request: dict[str, Any]) -> Answer:
        """Cache hit, or a synchronous API call within the budget (raises BudgetStop / RequestFailed)."""
        if self.aborted:
            raise BudgetStop(self.aborted)
        key = self.key(request)
        got = self.cached_answer(key)
        if got is not None:
            return got
        worst = self.worst_case(request)
        if not self.ledger.reserve(worst):
            raise BudgetStop("budget_usd reached")
        try:
            response = self._send(request)
        except BaseException:
            self.ledger.settle(worst, 0.0)
            with self._lock:
                self.stats.api_errors += 1
            raise
        tokens = self.provider.parse(response).tokens
        cost = self.price.cost(tokens)
        self.cache.put(key, self.provider.name, request.get("model"), "sync", response)
        self.ledger.settle(worst, cost)
        self._count(tokens, cost, hit=False)
        return Answer(response, cost, cached=False)


    def _send(self, request: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self.malformed_retries + 1):
            try:
                return self.provider.send(request)
            except RequestFailed as exc:
                if not exc.retryable or attempt == self.malformed_retries:
                    raise
                with self._lock:
                    self.stats.api_errors += 1
        raise AssertionError("unreachable")


def _drive_one(conv: Conversation, runner: Runner) -> Trace:
    request = conv.start()
    while request is not None:
        try:
            answer = runner.answer(request)
        except BudgetStop as exc:
            conv.fail(f"{NOT_GENERATED}{exc}")
            break
        except RequestFailed as exc:
            conv.fail(f"API request failed: {exc}")
            break
        request = conv.step(answer)
    return conv.trace()


def run_sync(problems: list[Problem], order: list[int], make: Callable[[Problem], Conversation],
             runner: Runner, concurrency: int) -> Iterator[Trace]:
    """Yield one trace per problem in input order; requests are issued in `order` (grouped by domain)."""

    def one(i: int) -> Trace:
        conv = make(problems[i])
        if runner.aborted:
            conv.fail(f"{NOT_GENERATED}run aborted: {runner.aborted}")
            return conv.trace()
        try:
            trace = _drive_one(conv, runner)
        except FatalAPIError as exc:
            runner.aborted = str(exc)
            raise
        if runner.progress is not None:
            runner.progress.update(1)
        return trace

    pool = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="llm")
    try:
        futures = {i: pool.submit(one, i) for i in order}
        for i in range(len(problems)):
            yield futures[i].result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_batches(problems: list[Problem], order: list[int], make: Callable[[Problem], Conversation],
                runner: Runner, *, max_requests: int, poll_interval: float,
                log: Callable[[str], None] = lambda s: None) -> Iterator[Trace]:
    """Drive every conversation through Message Batches rounds; yield traces in input order."""
    prov, cache = runner.provider, runner.cache
    convs = {i: make(problems[i]) for i in order}
    pending: dict[int, dict[str, Any]] = {}
    for i in order:
        req = convs[i].start()
        if req is not None:
            pending[i] = req
    fresh: set[str] = set()  # keys answered by a batch this run: paid now, not cache hits
    failed: dict[str, str] = {}
    done: set[int] = set()

    def finished(i: int) -> None:
        done.add(i)
        if runner.progress is not None:
            runner.progress.update(1)

    for i in order:
        if i not in pending:
            finished(i)
    round_no = 0
    while pending:
        need: dict[str, list[int]] = defaultdict(list)
        for i in list(pending):
            req: dict[str, Any] | None = pending[i]
            while req is not None:
                key = runner.key(req)
                if key in failed:
                    convs[i].fail(f"API request failed: {failed[key]}")
                    req = None
                    break
                got = runner.cached_answer(key, fresh=key in fresh)
                if got is None:
                    need[key].append(i)
                    break
                req = convs[i].step(got)
            if req is None:
                del pending[i]
                finished(i)
            else:
                pending[i] = req
        if not need:
            continue
        round_no += 1
        keys = list(need)
        reuse = cache.open_batches(keys)
        new_keys = [k for k in keys if k not in reuse]
        # Budget: reserve the worst case of each new request; what does not fit is not generated.
        reserved = 0.0
        submit: dict[str, list[str]] = defaultdict(list)  # domain -> keys
        for k in new_keys:
            i0 = need[k][0]
            worst = runner.worst_case(pending[i0], runner.batch_discount)
            if runner.ledger.reserve(worst):
                reserved += worst
                submit[problems[i0].domain].append(k)
            else:
                for i in need.pop(k):
                    convs[i].fail(f"{NOT_GENERATED}budget_usd reached")
                    del pending[i]
                    finished(i)
        batch_ids = sorted(set(reuse.values()), key=list(reuse.values()).index)
        if batch_ids:
            log(f"round {round_no}: resuming {len(batch_ids)} batch(es) from an earlier run: {', '.join(batch_ids)}")
        try:
            for domain, dkeys in submit.items():
                for s in range(0, len(dkeys), max_requests):
                    chunk = dkeys[s:s + max_requests]
                    bid = prov.submit_batch([(k, pending[need[k][0]]) for k in chunk])
                    cache.add_batch(bid, prov.name, chunk)
                    batch_ids.append(bid)
                    runner.stats.batches.append(bid)
                    log(f"round {round_no}: submitted batch {bid} ({domain}, {len(chunk)} requests)")
            for bid in batch_ids:
                _wait_for_batch(prov, bid, poll_interval)
                for custom_id, response, error in prov.batch_results(bid):
                    if response is not None:
                        cache.put(custom_id, prov.name, response.get("model"), "batch", response)
                        if custom_id in need:
                            fresh.add(custom_id)
                            cost = runner.price.cost(prov.parse(response).tokens, runner.batch_discount)
                            runner.ledger.add(cost)
                    elif custom_id in need and not cache.has(custom_id):
                        failed[custom_id] = error or "batch request failed"
                cache.set_batch_state(bid, "collected")
            runner.ledger.settle(reserved, 0.0)
        except RequestFailed as exc:
            runner.ledger.settle(reserved, 0.0)
            for k in need:
                if not cache.has(k):
                    failed[k] = str(exc)
        for k in need:  # a key the batch did not answer at all must not loop forever
            if not cache.has(k) and k not in failed:
                failed[k] = "missing from the batch results"
    for i in range(len(problems)):
        yield convs[i].trace()


def _wait_for_batch(prov: Provider, batch_id: str, poll_interval: float) -> None:
    while True:
        status = prov.batch_status(batch_id)
        if status == "ended":
            return
        time.sleep(poll_interval)


def count_outcomes(traces: list[Trace]) -> Counter[str]:
    c: Counter[str] = Counter()
    for t in traces:
        if t.generation_error is None:
            c["generated"] += 1
        elif t.generation_error.startswith(NOT_GENERATED):
            c["not_generated"] += 1
        else:
            c["failed"] += 1
    return c
