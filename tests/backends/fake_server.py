"""A local stand-in for the Anthropic and OpenAI HTTP APIs, for tests and the throughput benchmark.

It speaks the wire protocol the official SDKs use — `POST /v1/messages`, the Message Batches endpoints
(`POST /v1/messages/batches`, `GET /v1/messages/batches/{id}`, `GET .../{id}/results` as JSONL) and
`POST /v1/chat/completions` — on 127.0.0.1 with an ephemeral port, so the real SDKs run unmodified
against it (`base_url=server.url`). No network is touched.

The "model" is scripted (`Brain`): for a question "What is the molar mass of X?" it calls the chemistry
tool's `molecular_weight` with formula X, then answers with the tool result it was sent, so a trace
built by the backend is provably made of real tool results. In single-shot requests it writes the whole
trace as JSON inside a code fence with prose around it. Markers in a question script failures:
`MALFORMED` (unparsable single-shot output), `LOOP` (never stops calling tools), `BATCH_ERROR` (errored
batch result).

Fault injection: `server.faults` is a queue applied to the next model requests: `(429, {"retry-after":
"0.3"})`, `(500, {})`, `(529, {})`, `("timeout", seconds)`, `("malformed", None)` (200 with a broken body), `("ok", None)` (no fault).
Every request is logged with a hash of its body; `answered` lists the hashes whose response was sent.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY_HEADERS = ("x-api-key", "authorization")


def body_hash(body: bytes) -> str:
    try:
        canon = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canon = body
    return hashlib.sha256(canon).hexdigest()[:16]


def _question(text: str) -> str:
    m = re.search(r"Problem:\s*(.+)", text)
    return m.group(1).strip() if m else text


def _formula(question: str) -> str:
    m = re.search(r"molar mass of ([A-Za-z0-9()]+)", question)
    return m.group(1) if m else "H2O"


class Brain:
    """Scripted model behaviour, dialect-free: returns ("text", str) / ("tool", name, args) lists."""

    def turn(self, question: str, tool_results: list[str], tools_offered: bool) -> tuple[list[tuple], str]:
        formula = _formula(question)
        if not tools_offered:  # single shot: the whole trace as JSON, fenced, with prose around it
            if "MALFORMED" in question:
                return [("text", "Sure! Here is the trace: {reasoning: [oops")], "end"
            trace = {
                "question": question, "domain": "chemistry",
                "reasoning": [
                    {"step": 1, "content": f"I need the molar mass of {formula}."},
                    {"step": 2, "content": "Use the chemistry tool.",
                     "tool_call": {"name": "chemistry",
                                   "args": {"operation": "molecular_weight", "formula": formula}}},
                    {"step": 3, "content": "The tool gives the molar mass.", "tool_result": "18.015 g/mol"},
                ],
                "answer": 18.015, "tools_used": ["chemistry"]}
            text = "Here is the example:\n```json\n" + json.dumps(trace, indent=1) + "\n```\nHope this helps."
            return [("text", text)], "end"
        if "LOOP" in question or not tool_results:
            return [("text", f"I need the molar mass of {formula}.\n\nLet me compute it with the chemistry tool."),
                    ("tool", "chemistry", {"operation": "molecular_weight", "formula": formula})], "tool_use"
        last = tool_results[-1]
        return [("text", f"The tool returned {last}.\n\nFinal answer: {last}")], "end"


class FakeLLM:
    def __init__(self, latency: float = 0.0, batch_polls: int = 1):
        self.latency = latency
        self.batch_polls = batch_polls  # polls before a batch ends
        self.hold_batches = False  # True: batches stay in_progress until released
        self.brain = Brain()
        self.faults: deque[tuple[Any, Any]] = deque()
        self.log: list[dict[str, Any]] = []
        self.answered: list[str] = []
        self.bodies: list[bytes] = []  # raw bodies of model requests, in arrival order
        self.keys_seen: set[str] = set()
        self.batches: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._prefixes: set[str] = set()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- helpers for tests ----------------------------------------------------------------------
    def requests(self, path: str, method: str = "POST") -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.log if e["path"] == path and e["method"] == method]

    def next_fault(self) -> tuple[Any, Any] | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def _usage(self, system_text: str, cached_prefix: bool, body: bytes, out_text: str) -> dict[str, int]:
        prefix_tokens = len(system_text) // 4
        first = False
        if cached_prefix:
            with self._lock:
                first = system_text not in self._prefixes
                self._prefixes.add(system_text)
        return {"input_tokens": max(1, len(body) // 4 - (prefix_tokens if cached_prefix else 0)),
                "output_tokens": max(1, len(out_text) // 4),
                "cache_creation_input_tokens": prefix_tokens if cached_prefix and first else 0,
                "cache_read_input_tokens": prefix_tokens if cached_prefix and not first else 0}

    # -- Anthropic ------------------------------------------------------------------------------
    def anthropic_message(self, req: dict[str, Any], body: bytes) -> dict[str, Any]:
        msgs = req.get("messages", [])
        first_user = msgs[0]["content"] if msgs else ""
        if isinstance(first_user, list):
            first_user = " ".join(b.get("text", "") for b in first_user if b.get("type") == "text")
        results = [self._block_text(b) for m in msgs if m["role"] == "user" and isinstance(m["content"], list)
                   for b in m["content"] if b.get("type") == "tool_result"]
        segs, stop = self.brain.turn(_question(first_user), results, bool(req.get("tools")))
        content, n = [], len(msgs)
        for seg in segs:
            if seg[0] == "text":
                content.append({"type": "text", "text": seg[1]})
            else:
                content.append({"type": "tool_use", "id": f"toolu_{n:02d}_{len(content)}", "name": seg[1],
                                "input": seg[2]})
        system = req.get("system", "")
        system_text = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system)
        cached = not isinstance(system, str) and any("cache_control" in b for b in system)
        out_text = json.dumps(content)
        return {"id": f"msg_{body_hash(body)}", "type": "message", "role": "assistant", "model": req.get("model"),
                "content": content, "stop_reason": {"end": "end_turn"}.get(stop, stop), "stop_sequence": None,
                "usage": self._usage(system_text, cached, body, out_text)}

    @staticmethod
    def _block_text(block: dict[str, Any]) -> str:
        c = block.get("content")
        if isinstance(c, list):
            return " ".join(x.get("text", "") for x in c)
        return str(c)

    # -- OpenAI ---------------------------------------------------------------------------------
    def openai_completion(self, req: dict[str, Any], body: bytes) -> dict[str, Any]:
        msgs = req.get("messages", [])
        user = next((m["content"] for m in msgs if m["role"] == "user"), "")
        results = [m["content"] for m in msgs if m["role"] == "tool"]
        segs, stop = self.brain.turn(_question(user), results, bool(req.get("tools")))
        text = "\n\n".join(s[1] for s in segs if s[0] == "text") or None
        calls = [{"id": f"call_{len(msgs)}_{i}", "type": "function",
                  "function": {"name": s[1], "arguments": json.dumps(s[2])}}
                 for i, s in enumerate(x for x in segs if x[0] == "tool")]
        msg: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            msg["tool_calls"] = calls
        u = self._usage("", False, body, json.dumps(msg))
        return {"id": f"chatcmpl-{body_hash(body)}", "object": "chat.completion", "created": int(time.time()),
                "model": req.get("model"), "choices": [{"index": 0, "message": msg,
                                                         "finish_reason": "tool_calls" if calls else "stop"}],
                "usage": {"prompt_tokens": u["input_tokens"], "completion_tokens": u["output_tokens"],
                          "total_tokens": u["input_tokens"] + u["output_tokens"],
                          "prompt_tokens_details": {"cached_tokens": 0}}}

    # -- batches --------------------------------------------------------------------------------
    def batch_object(self, bid: str) -> dict[str, Any]:
        b = self.batches[bid]
        ended = (not self.hold_batches) and b["polls"] >= self.batch_polls
        n = len(b["requests"])
        errored = sum(1 for r in b["requests"] if "BATCH_ERROR" in json.dumps(r["params"]))
        now = "2026-01-01T00:00:00Z"
        return {"id": bid, "type": "message_batch", "processing_status": "ended" if ended else "in_progress",
                "request_counts": {"processing": 0 if ended else n, "succeeded": n - errored if ended else 0,
                                   "errored": errored if ended else 0, "canceled": 0, "expired": 0},
                "created_at": now, "expires_at": "2026-01-02T00:00:00Z", "ended_at": now if ended else None,
                "archived_at": None, "cancel_initiated_at": None,
                "results_url": f"{self.url}/v1/messages/batches/{bid}/results" if ended else None}

    def batch_results(self, bid: str) -> bytes:
        lines = []
        for r in self.batches[bid]["requests"]:
            params = r["params"]
            if "BATCH_ERROR" in json.dumps(params):
                result = {"type": "errored", "error": {"type": "error", "error": {
                    "type": "invalid_request_error", "message": "scripted batch error"}}}
            else:
                body = json.dumps(params).encode()
                result = {"type": "succeeded", "message": self.anthropic_message(params, body)}
            lines.append(json.dumps({"custom_id": r["custom_id"], "result": result}))
        return ("\n".join(lines) + "\n").encode()


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 drops connections when many clients open at once


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
    fake: FakeLLM

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, payload: bytes, ctype: str = "application/json",
              headers: dict[str, str] | None = None) -> bool:
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _json(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> bool:
        return self._send(code, json.dumps(obj).encode(), headers=headers)

    def _error(self, code: int, headers: dict[str, str] | None = None) -> None:
        kind = {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error"}.get(code, "api_error")
        self._json(code, {"type": "error", "error": {"type": kind, "message": f"scripted {code}"}}, headers)

    def _record(self, body: bytes) -> dict[str, Any]:
        key = next((self.headers.get(h) for h in KEY_HEADERS if self.headers.get(h)), "")
        entry = {"method": self.command, "path": self.path.split("?")[0], "hash": body_hash(body) if body else "",
                 "time": time.monotonic()}
        with self.fake._lock:
            self.fake.log.append(entry)
            if key:
                self.fake.keys_seen.add(key.removeprefix("Bearer "))
        return entry

    def do_GET(self) -> None:
        entry = self._record(b"")
        m = re.fullmatch(r"/v1/messages/batches/([\w-]+)(/results)?", entry["path"])
        if not m or m.group(1) not in self.fake.batches:
            self._error(404)
            return
        bid = m.group(1)
        if m.group(2):
            self._send(200, self.fake.batch_results(bid), "application/binary")
            return
        with self.fake._lock:
            self.fake.batches[bid]["polls"] += 1
        self._json(200, self.fake.batch_object(bid))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        entry = self._record(body)
        path = entry["path"]
        if not any(self.headers.get(h) for h in KEY_HEADERS):
            self._error(401)
            return
        if path == "/v1/messages/batches":
            req = json.loads(body)
            with self.fake._lock:
                bid = f"msgbatch_{len(self.fake.batches) + 1:04d}"
                self.fake.batches[bid] = {"requests": req["requests"], "polls": 0}
            self._json(200, self.fake.batch_object(bid))
            return
        if path not in ("/v1/messages", "/v1/chat/completions"):
            self._error(404)
            return
        with self.fake._lock:
            self.fake.bodies.append(body)
        fault = self.fake.next_fault()
        if self.fake.latency:
            time.sleep(self.fake.latency)
        if fault is not None and fault[0] != "ok":
            kind, arg = fault
            if kind == "timeout":  # hold the request past the client's timeout, then hang up
                time.sleep(arg)
                self.close_connection = True
                return
            if kind == "malformed":
                self._send(200, b'{"id": "msg_x", "type": "mess')
                return
            else:
                self._error(int(kind), arg or {})
                return
        req = json.loads(body)
        resp = (self.fake.anthropic_message(req, body) if path == "/v1/messages"
                else self.fake.openai_completion(req, body))
        if self._json(200, resp):
            with self.fake._lock:
                self.fake.answered.append(entry["hash"])


def main() -> None:
    """`python -m tests.backends.fake_server [latency_s]`: serve until killed; print the URL first
    (the throughput benchmark runs it in its own process so it does not share the client's GIL)."""
    import sys

    with FakeLLM(latency=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0) as server:
        print(server.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
