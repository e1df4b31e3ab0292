"""The two wire dialects — Anthropic Messages and OpenAI Chat Completions — behind one small interface.

A provider builds plain-JSON requests (so they can be hashed for the response cache and sent either
synchronously or inside a Message Batch), sends them with the official SDK, and reads responses back as
plain dicts into a dialect-free `Reply`. Everything above this module (conversations, transports) never
sees a dialect.

Retries on 408/409/429/5xx/529 and timeouts are the SDKs' own (`max_retries`), which honour
`retry-after` / `retry-after-ms`. The SDKs are imported lazily: importing `anthropic` costs ~1 s.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from stages.backends.pricing import Tokens


class FatalAPIError(Exception):
    """The run cannot go on (bad key, no permission, unknown model): stop instead of failing every trace."""


class RequestFailed(Exception):
    """One request failed after the SDK's retries (or its response was unreadable)."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable  # a malformed body: the SDK does not retry it, we do once


@dataclass
class ToolUse:
    id: str
    name: str
    args: dict[str, Any]
    args_error: str | None = None  # arguments were not a JSON object (OpenAI sends them as text)


@dataclass
class Reply:
    """One model turn: text and tool calls in order, why it stopped, and what it cost in tokens."""

    segments: list[str | ToolUse] = field(default_factory=list)
    stop: str = "end"  # end | tool_use | max_tokens | other:<reason>
    tokens: Tokens = field(default_factory=Tokens)

    @property
    def text(self) -> str:
        return "\n\n".join(s for s in self.segments if isinstance(s, str) and s.strip())

    @property
    def tool_uses(self) -> list[ToolUse]:
        return [s for s in self.segments if isinstance(s, ToolUse)]


@dataclass
class GenParams:
    model: str
    max_tokens: int
    temperature: float | None
    prompt_caching: bool = True
    cache_conversation: bool = True
    parallel_tool_calls: bool | None = False
    max_tokens_field: str = "max_tokens"  # OpenAI's newer models want "max_completion_tokens"


def _sdk_error_message(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}{f' (HTTP {status})' if status else ''}: {text[:300]}"


def _json_body(raw: Any) -> dict[str, Any]:
    """The JSON object of a raw SDK response; ValueError if it is not one."""
    body = json.loads(raw.http_response.content)
    if not isinstance(body, dict):
        raise ValueError("response body is not a JSON object")
    return body


class Provider:
    name = "base"
    supports_batches = False

    def __init__(self, params: GenParams):
        self.params = params

    # Implemented by subclasses -----------------------------------------------------------------
    def first_request(self, system: str, user: str, tools: list[dict[str, Any]] | None) -> dict[str, Any]:
        raise NotImplementedError

    def next_request(self, request: dict[str, Any], response: dict[str, Any],
                     results: list[tuple[str, str, bool]]) -> dict[str, Any]:
        """The request that continues `request` after `response` with tool `results` (id, text, is_error)."""
        raise NotImplementedError

    def parse(self, response: dict[str, Any]) -> Reply:
        raise NotImplementedError

    def send(self, request: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def tool_schemas(self, names: list[str]) -> list[dict[str, Any]]:
        import tools

        return tools.schemas(self.name, names)

    # Batches (Anthropic only) ------------------------------------------------------------------
    def submit_batch(self, items: list[tuple[str, dict[str, Any]]]) -> str:
        raise NotImplementedError

    def batch_status(self, batch_id: str) -> str:
        raise NotImplementedError

    def batch_results(self, batch_id: str) -> Iterator[tuple[str, dict[str, Any] | None, str | None]]:
        raise NotImplementedError


class AnthropicProvider(Provider):
    name = "anthropic"
    supports_batches = True

    def __init__(self, params: GenParams, api_key: str | None, base_url: str | None, max_retries: int,
                 timeout: float):
        super().__init__(params)
        if api_key is not None:  # None: dry run, requests are only built, never sent
            import anthropic

            self._sdk = anthropic
            self.client = anthropic.Anthropic(api_key=api_key, base_url=base_url or None,
                                              max_retries=max_retries, timeout=timeout)

    def first_request(self, system: str, user: str, tools: list[dict[str, Any]] | None) -> dict[str, Any]:
        p = self.params
        sys_block: dict[str, Any] = {"type": "text", "text": system}
        if p.prompt_caching:  # caches tools + system: the prefix shared by every problem of a category
            sys_block["cache_control"] = {"type": "ephemeral"}
        req: dict[str, Any] = {"model": p.model, "max_tokens": p.max_tokens, "system": [sys_block],
                               "messages": [{"role": "user", "content": [{"type": "text", "text": user}]}]}
        # No temperature: API version 2026-10-21 (the SDK 2.x default) rejects sampling parameters.
        if p.prompt_caching and p.cache_conversation and tools:
            # Automatic caching: the marker moves to the newest block each turn, so turn k reads
            # turns 1..k-1 from the prompt cache instead of paying for them again.
            req["cache_control"] = {"type": "ephemeral"}
        if tools:
            req["tools"] = tools
            choice: dict[str, Any] = {"type": "auto"}
            if p.parallel_tool_calls is False:  # one call per turn: each result is seen before the next call
                choice["disable_parallel_tool_use"] = True
            req["tool_choice"] = choice
        return req

    def next_request(self, request, response, results):
        blocks: list[dict[str, Any]] = []
        for b in response.get("content") or []:
            if b.get("type") == "text":
                blocks.append({"type": "text", "text": b.get("text", "")})
            elif b.get("type") == "tool_use":
                blocks.append({"type": "tool_use", "id": b["id"], "name": b["name"], "input": b.get("input") or {}})
        answers = [{"type": "tool_result", "tool_use_id": tid, "content": text, **({"is_error": True} if err else {})}
                   for tid, text, err in results]
        messages = [*request["messages"], {"role": "assistant", "content": blocks},
                    {"role": "user", "content": answers}]
        return {**request, "messages": messages}

    def parse(self, response):
        segs: list[str | ToolUse] = []
        for b in response.get("content") or []:
            if b.get("type") == "text":
                segs.append(b.get("text") or "")
            elif b.get("type") == "tool_use":
                args = b.get("input")
                segs.append(ToolUse(b.get("id", ""), b.get("name", ""), args if isinstance(args, dict) else {},
                                    None if isinstance(args, dict) else "arguments must be a JSON object"))
        reason = response.get("stop_reason")
        stop = {"end_turn": "end", "stop_sequence": "end", "tool_use": "tool_use",
                "max_tokens": "max_tokens"}.get(reason, f"other:{reason}")
        u = response.get("usage") or {}
        tokens = Tokens(int(u.get("input_tokens") or 0), int(u.get("output_tokens") or 0),
                        int(u.get("cache_read_input_tokens") or 0), int(u.get("cache_creation_input_tokens") or 0))
        return Reply(segs, stop, tokens)

    def _call(self, fn, *args, **kwargs):
        sdk = self._sdk
        try:
            return fn(*args, **kwargs)
        except (sdk.AuthenticationError, sdk.PermissionDeniedError, sdk.NotFoundError) as exc:
            raise FatalAPIError(_sdk_error_message(exc)) from None
        except sdk.APIError as exc:  # status errors after the SDK's retries, timeouts
            raise RequestFailed(_sdk_error_message(exc)) from None
        except ValueError as exc:  # a malformed response body
            raise RequestFailed(f"malformed response: {_sdk_error_message(exc)}", retryable=True) from None

    def send(self, request):
        # The raw response skips building SDK models we would only dump back to JSON (CPU per request
        # is what limits throughput at high concurrency); status errors and retries are unchanged.
        raw = self._call(self.client.messages.with_raw_response.create, **request)
        return self._call(_json_body, raw)

    def submit_batch(self, items):
        batch = self._call(self.client.messages.batches.create,
                           requests=[{"custom_id": cid, "params": req} for cid, req in items])
        return batch.id

    def batch_status(self, batch_id):
        return self._call(self.client.messages.batches.retrieve, batch_id).processing_status

    def batch_results(self, batch_id):
        for line in self._call(self.client.messages.batches.results, batch_id):
            res = line.result
            if res.type == "succeeded":
                yield line.custom_id, res.message.model_dump(mode="json", exclude_none=True), None
            elif res.type == "errored":
                err = getattr(res.error, "error", None)
                yield line.custom_id, None, f"batch request errored: {getattr(err, 'type', '?')}: " \
                                            f"{getattr(err, 'message', '')}"[:300]
            else:
                yield line.custom_id, None, f"batch request {res.type}"


class OpenAIProvider(Provider):
    name = "openai"

    def __init__(self, params: GenParams, api_key: str | None, base_url: str | None, max_retries: int,
                 timeout: float):
        super().__init__(params)
        if api_key is not None:
            import openai

            self._sdk = openai
            self.client = openai.OpenAI(api_key=api_key, base_url=base_url or None, max_retries=max_retries,
                                        timeout=timeout)

    def first_request(self, system, user, tools):
        p = self.params
        req: dict[str, Any] = {"model": p.model, p.max_tokens_field: p.max_tokens,
                               "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
        if p.temperature is not None:
            req["temperature"] = p.temperature
        if tools:
            req["tools"] = tools
            req["tool_choice"] = "auto"
            if p.parallel_tool_calls is not None:
                req["parallel_tool_calls"] = bool(p.parallel_tool_calls)
        return req

    def next_request(self, request, response, results):
        msg = ((response.get("choices") or [{}])[0]).get("message") or {}
        assistant: dict[str, Any] = {"role": "assistant", "content": msg.get("content")}
        if msg.get("tool_calls"):
            assistant["tool_calls"] = [{"id": c["id"], "type": "function",
                                        "function": {"name": c["function"]["name"],
                                                     "arguments": c["function"].get("arguments") or "{}"}}
                                       for c in msg["tool_calls"]]
        tool_msgs = [{"role": "tool", "tool_call_id": tid, "content": text} for tid, text, _err in results]
        return {**request, "messages": [*request["messages"], assistant, *tool_msgs]}

    def parse(self, response):
        from tools.normalise import CallError, parse_args

        choice = (response.get("choices") or [{}])[0]
        msg = choice.get("message") or {}
        segs: list[str | ToolUse] = []
        if msg.get("content"):
            segs.append(msg["content"])
        for c in msg.get("tool_calls") or []:
            fn = c.get("function") or {}
            try:
                args, err = parse_args(fn.get("arguments") or "{}"), None
            except CallError as exc:
                args, err = {}, str(exc)
            segs.append(ToolUse(c.get("id", ""), fn.get("name", ""), args, err))
        reason = choice.get("finish_reason")
        stop = {"stop": "end", "tool_calls": "tool_use", "function_call": "tool_use",
                "length": "max_tokens"}.get(reason, f"other:{reason}")
        if stop == "end" and any(isinstance(s, ToolUse) for s in segs):
            stop = "tool_use"  # some local servers report "stop" with tool calls
        u = response.get("usage") or {}
        cached = int(((u.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0)
        tokens = Tokens(max(0, int(u.get("prompt_tokens") or 0) - cached), int(u.get("completion_tokens") or 0),
                        cached, 0)
        return Reply(segs, stop, tokens)

    def send(self, request):
        sdk = self._sdk
        try:
            return _json_body(self.client.chat.completions.with_raw_response.create(**request))
        except (sdk.AuthenticationError, sdk.PermissionDeniedError, sdk.NotFoundError) as exc:
            raise FatalAPIError(_sdk_error_message(exc)) from None
        except sdk.APIError as exc:
            raise RequestFailed(_sdk_error_message(exc)) from None
        except ValueError as exc:
            raise RequestFailed(f"malformed response: {_sdk_error_message(exc)}", retryable=True) from None
