"""What a response cost, and the budget a run may spend.

Prices live in config (`generate.backend.prices`, USD per million tokens) because they change more
often than code. A model is priced by its exact name or, failing that, by the longest configured name
it starts with, so a dated snapshot (`claude-haiku-4-5-20251001`) finds its alias's row.

The budget is enforced *before* a request is sent: each request reserves its worst case (estimated
input plus `max_tokens` of output) and settles to its real cost when answered, so concurrent requests
can never together overshoot `budget_usd`. Once a request cannot be afforded the ledger stops for good:
a clean stop that keeps what was already generated.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tokens:
    """Token counts of one response (or a sum of them). `input` excludes cache reads and writes."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def __add__(self, other: Tokens) -> Tokens:
        return Tokens(self.input + other.input, self.output + other.output,
                      self.cache_read + other.cache_read, self.cache_write + other.cache_write)

    def as_dict(self) -> dict[str, int]:
        return {"input": self.input, "output": self.output, "cache_read": self.cache_read,
                "cache_write": self.cache_write}


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float = 0.0
    output: float = 0.0
    cache_write: float | None = None  # default 1.25 x input (Anthropic's 5-minute cache write)
    cache_read: float | None = None   # default 0.1 x input

    def cost(self, t: Tokens, discount: float = 1.0) -> float:
        cw = self.cache_write if self.cache_write is not None else 1.25 * self.input
        cr = self.cache_read if self.cache_read is not None else 0.1 * self.input
        return discount * (t.input * self.input + t.output * self.output + t.cache_write * cw
                           + t.cache_read * cr) / 1e6


class PriceTable:
    def __init__(self, table: Mapping[str, Mapping[str, Any]] | None):
        self.rows = {str(k): Price(**{f: (float(v) if v is not None else None) for f, v in dict(row).items()})
                     for k, row in (table or {}).items()}

    def lookup(self, model: str) -> Price | None:
        if model in self.rows:
            return self.rows[model]
        best = max((k for k in self.rows if model.startswith(k)), key=len, default=None)
        return self.rows[best] if best else None


class Ledger:
    """Thread-safe spend accounting against an optional budget (see the module docstring)."""

    def __init__(self, budget_usd: float | None):
        self.budget = budget_usd
        self.spent = 0.0
        self.reserved = 0.0
        self.stopped = False
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        """Reserve `amount` for a request about to be sent; False (and stop) if it does not fit."""
        with self._lock:
            if self.budget is None:
                self.reserved += amount
                return True
            if self.stopped or self.spent + self.reserved + amount > self.budget:
                self.stopped = True
                return False
            self.reserved += amount
            return True

    def settle(self, reserved: float, actual: float) -> None:
        """Replace a reservation by what the request really cost (0 if it failed)."""
        with self._lock:
            self.reserved = max(0.0, self.reserved - reserved)
            self.spent += actual

    def add(self, actual: float) -> None:
        with self._lock:
            self.spent += actual

    @property
    def remaining(self) -> float | None:
        with self._lock:
            return None if self.budget is None else self.budget - self.spent - self.reserved
