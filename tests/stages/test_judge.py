"""The optional filter judges: the offline one, and the Anthropic one against a local HTTP server
(the real `anthropic` SDK, no network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from stage_traces import projectile_trace

from stages.filter import Rules, apply
from stages.schema import Trace, Verdict
from stages.verify.judge import make_judge, parse_reply


class _Messages(BaseHTTPRequestHandler):
    calls: list[dict] = []
    reply = '{"verdict": "reject", "reason": "step 3 ignores the tool result"}'

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append(body)
        out = json.dumps({"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
                          "content": [{"type": "text", "text": type(self).reply}], "stop_reason": "end_turn",
                          "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 5}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    srv = HTTPServer(("127.0.0.1", 0), _Messages)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    _Messages.calls = []
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def verified_trace(**over: object) -> Trace:
    t = Trace.model_validate(projectile_trace(**over))
    t.verdict = Verdict()
    return t


def test_parse_reply() -> None:
    assert parse_reply('{"verdict": "keep", "reason": "fine"}') is None
    assert parse_reply('Sure: {"verdict": "reject", "reason": "muddled"}') == "judge: muddled"
    assert parse_reply("no json at all") is None


def test_anthropic_judge_rejects_and_caches(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOOLTRACE_TEST_JUDGE_KEY", "test-key-not-secret")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    cfg = {"name": "anthropic", "params": {"base_url": server, "api_key_env": "TOOLTRACE_TEST_JUDGE_KEY",
                                           "cache_path": str(tmp_path / "judge.sqlite"), "model": "judge-model"}}
    rules = Rules(judge=make_judge(cfg))
    out = list(apply([verified_trace(), verified_trace(id="again")], rules, workers=1))
    assert [k for _, k in out] == [False, False]
    assert out[0][0].rejection_reasons == ["judge"]
    assert out[0][0].judge_reason == "judge: step 3 ignores the tool result"
    # the second trace has the same content: answered from the cache, one request in all
    assert len(_Messages.calls) == 1
    sent = _Messages.calls[0]
    assert sent["model"] == "judge-model" and "projectile" not in sent["system"]
    assert "How far does it travel" in sent["messages"][0]["content"]
    # a fresh judge over the same cache file pays nothing either
    list(apply([verified_trace()], Rules(judge=make_judge(cfg))))
    assert len(_Messages.calls) == 1


def test_anthropic_judge_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOOLTRACE_TEST_JUDGE_KEY", raising=False)
    with pytest.raises(ValueError, match="TOOLTRACE_TEST_JUDGE_KEY is not set"):
        make_judge({"name": "anthropic", "params": {"api_key_env": "TOOLTRACE_TEST_JUDGE_KEY"}})


def test_unknown_judge() -> None:
    with pytest.raises(ValueError, match="unknown judge"):
        make_judge({"name": "oracle"})
