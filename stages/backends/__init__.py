"""Generation backends. Each turns problems into traces:

    backend.generate(problems) -> Iterator[Trace]

yielding one trace per problem (a failed generation is a Trace with `generation_error` set, never an
exception), and `backend.summary()` -> dict for `metrics/generate.json`.

Backends are chosen by `generate.backend.name` (Hydra group `generate/backend`). The API backends import
their SDKs lazily (importing `anthropic` alone costs ~1 s), so the offline default stays fast.
"""

from __future__ import annotations

from typing import Any, Protocol

from omegaconf import DictConfig

from stages.app import ConfigError
from stages.schema import Problem, Trace


class Backend(Protocol):
    def generate(self, problems: list[Problem]) -> Any: ...

    def summary(self) -> dict[str, Any]: ...


def make_backend(cfg: DictConfig) -> Backend:
    """Build the backend named by `cfg.backend.name` from the whole `generate` section."""
    name = str(cfg.backend.name)
    if name == "offline":
        from stages.backends.offline import OfflineBackend

        return OfflineBackend(cfg)
    if name in ("anthropic", "openai"):
        try:
            from stages.backends.llm import LLMBackend
        except ModuleNotFoundError as exc:  # pragma: no cover - while the module is being written
            raise ConfigError(f"generate.backend.name: '{name}' backend is not available ({exc})") from None
        return LLMBackend(cfg)
    raise ConfigError(f"generate.backend.name: unknown backend '{name}' (offline | anthropic | openai)")


__all__ = ["Backend", "make_backend", "Trace"]
