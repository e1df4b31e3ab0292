"""The API backends against a local fake of the Anthropic/OpenAI HTTP APIs, through the real SDKs."""

from __future__ import annotations

import json

import pytest

import tools
from stages.app import ConfigError
from stages.generate import run
from tests.backends.conftest import (
    SECRET,
    anthropic_cfg,
    make_problems,
    openai_cfg,
    read_metrics,
    read_traces,
    write_problems,
)

pytestmark = pytest.mark.skipif("chemistry" not in tools.TOOLS, reason="needs the chemistry tool")

MSG = "/v1/messages"


def test_interleaved_traces_are_built_from_real_tool_results(workdir, fake):
    write_problems(workdir, make_problems(3))
    run(anthropic_cfg(fake))
    traces = read_traces(workdir)
    assert [t["id"] for t in traces] == ["p000", "p001", "p002"]
    for t in traces:
        assert "generation_error" not in t, t
        call = next(s for s in t["reasoning"] if "tool_call" in s)
        real = tools.call(call["tool_call"]["name"], call["tool_call"]["args"]).output
        assert any(s.get("tool_result") == real for s in t["reasoning"])
        assert t["answer"] == real  # the scripted model answers with the result it was sent
        assert t["generator"] == {"backend": "anthropic", "model": "claude-haiku-4-5", "prompt_version": "v1",
                                  "mode": "interleaved"}
        assert t["usage"]["input_tokens"] > 0 and t["usage"]["cost_usd"] > 0
    m = read_metrics(workdir)
    assert m["generated"] == 3 and m["requests"] == 6 and m["cache_hit_rate"] == 0.0
    assert m["cost_usd"] == pytest.approx(sum(t["usage"]["cost_usd"] for t in traces), rel=1e-4)
    assert m["cost_per_trace_usd"] == pytest.approx(m["cost_usd_total"] / 3, rel=1e-3)
    # Requests carry the native tool (only the one the category needs) and prompt-cache markers.
    first = json.loads(fake.bodies[0])
    assert [t["name"] for t in first["tools"]] == ["chemistry"]
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "temperature" not in first


def test_single_shot_parses_and_records_malformed_output(workdir, fake):
    write_problems(workdir, make_problems(3, {1: "MALFORMED"}))
    run(anthropic_cfg(fake, mode="single_shot"))
    ok, bad, ok2 = read_traces(workdir)
    assert ok["answer"] == "18.015" and ok["reasoning"][1]["tool_call"]["name"] == "chemistry"
    assert ok["generator"]["mode"] == "single_shot"
    assert bad["generation_error"].startswith("single_shot: malformed output")
    assert "oops" in bad["raw_output"]
    assert "generation_error" not in ok2
    m = read_metrics(workdir)
    assert m["failed_generations"] == 1 and m["failed_per_category"] == {"chemistry_fundamentals": 1}
    assert "tools" not in json.loads(fake.bodies[0])


def test_rerun_and_scale_up_pay_only_for_new_problems(workdir, fake):
    write_problems(workdir, make_problems(2))
    run(anthropic_cfg(fake))
    n_first = len(fake.requests(MSG))
    run(anthropic_cfg(fake))  # everything cached
    assert len(fake.requests(MSG)) == n_first
    m = read_metrics(workdir)
    assert m["cache_hit_rate"] == 1.0 and m["cost_usd"] == 0 and m["cost_usd_total"] > 0
    assert all(t["usage"]["cached"] for t in read_traces(workdir))
    write_problems(workdir, make_problems(5))  # the pilot grows
    run(anthropic_cfg(fake))
    assert len(fake.requests(MSG)) == n_first + 3 * 2
    hashes = [e["hash"] for e in fake.requests(MSG)]
    assert len(hashes) == len(set(hashes))  # no request was ever paid twice


def test_prompt_v2_is_a_different_request_and_is_recorded(workdir, fake):
    write_problems(workdir, make_problems(1))
    run(anthropic_cfg(fake))
    run(anthropic_cfg(fake, "generate/prompt=v2"))
    assert len(fake.requests(MSG)) == 4
    (t,) = read_traces(workdir)
    assert t["generator"]["prompt_version"] == "v2"
    system = json.loads(fake.bodies[-1])["system"][0]["text"]
    assert "Final answer:" in system and "molecular_weight(formula)" in system  # detailed tool list


def test_retry_after_is_honoured(workdir, fake):
    write_problems(workdir, make_problems(1))
    fake.faults.append((429, {"retry-after": "0.4"}))
    run(anthropic_cfg(fake, mode="single_shot"))
    (t,) = read_traces(workdir)
    assert "generation_error" not in t
    first, second = fake.requests(MSG)
    assert first["hash"] == second["hash"] and second["time"] - first["time"] >= 0.39


def test_5xx_529_and_timeouts_are_retried(workdir, fake):
    write_problems(workdir, make_problems(3))
    fake.faults.extend([(500, {}), (529, {}), ("timeout", 0.8)])  # one for each concurrent first request
    run(anthropic_cfg(fake, mode="single_shot", backend__timeout_s=0.5, backend__concurrency=3))
    assert all("generation_error" not in t for t in read_traces(workdir))
    assert len(fake.requests(MSG)) == 6 and len(fake.answered) == 3


def test_persistent_errors_and_malformed_bodies_fail_the_trace_not_the_run(workdir, fake):
    write_problems(workdir, make_problems(3))
    fake.faults.extend([("malformed", None), ("ok", None)] + [(500, {})] * 3 + [("malformed", None)] * 2)
    run(anthropic_cfg(fake, mode="single_shot", backend__max_retries=2, backend__concurrency=1))
    a, b, c = read_traces(workdir)
    assert "generation_error" not in a  # one malformed body: retried once
    assert b["generation_error"].startswith("API request failed: InternalServerError (HTTP 500)")
    assert c["generation_error"].startswith("API request failed: malformed response")
    m = read_metrics(workdir)
    assert m["failed_generations"] == 2 and m["api_errors"] >= 3


def test_interleaved_gives_up_after_max_turns(workdir, fake):
    write_problems(workdir, make_problems(1, {0: "LOOP"}))
    run(anthropic_cfg(fake, max_turns=3))
    (t,) = read_traces(workdir)
    assert "after 3 turns" in t["generation_error"] and len(fake.requests(MSG)) == 3


def test_budget_stops_cleanly_and_keeps_what_it_has(workdir, fake):
    write_problems(workdir, make_problems(6))
    # max_tokens bounds the worst case; each single-shot request reserves ~ $0.0015 at Haiku prices.
    run(anthropic_cfg(fake, mode="single_shot", max_tokens=200, budget_usd=0.006, backend__concurrency=1))
    traces = read_traces(workdir)
    m = read_metrics(workdir)
    done = [t for t in traces if "generation_error" not in t]
    skipped = [t for t in traces if t.get("generation_error", "").startswith("not generated: budget_usd")]
    assert len(traces) == 6 and done and skipped and len(done) + len(skipped) == 6
    assert m["budget_stopped"] is True and m["cost_usd"] <= 0.006
    assert m["not_generated"] == len(skipped) and m["failed_generations"] == 0
    assert len(fake.requests(MSG)) == len(done)
    run(anthropic_cfg(fake, mode="single_shot", max_tokens=200))  # no budget: the rest, nothing twice
    assert len(fake.requests(MSG)) == 6
    assert all("generation_error" not in t for t in read_traces(workdir))


def test_dry_run_estimates_without_calling_the_api_or_needing_a_key(workdir, fake, monkeypatch, capsys):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    write_problems(workdir, make_problems(4))
    run(anthropic_cfg(fake, dry_run=True))
    assert fake.log == [] and not (workdir / "data/generate/traces.jsonl").exists()
    est = read_metrics(workdir)["estimate"]
    assert est["to_generate"] == 4 and est["requests"] == 16 and est["cost_usd"] > 0
    assert est["tokens"]["cache_write"] > 0 and est["tokens"]["cache_read"] > 0
    assert json.loads(capsys.readouterr().out)["dry_run_estimate"] == est


def test_dry_run_counts_already_cached_problems_as_free(workdir, fake):
    write_problems(workdir, make_problems(3))
    run(anthropic_cfg(fake, mode="single_shot", limit=2))
    run(anthropic_cfg(fake, mode="single_shot", dry_run=True))
    est = read_metrics(workdir)["estimate"]
    assert est["already_cached"] == 2 and est["to_generate"] == 1 and est["requests"] == 1


def test_missing_key_is_a_one_line_config_error_before_any_request(workdir, fake, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    write_problems(workdir, make_problems(1))
    with pytest.raises(ConfigError, match=r"^generate\.backend: ANTHROPIC_API_KEY is not set") as err:
        run(anthropic_cfg(fake))
    assert "\n" not in str(err.value) and fake.log == []


def test_auth_failure_stops_the_run_with_a_config_error(workdir, fake):
    write_problems(workdir, make_problems(2))
    fake.faults.append((401, {}))
    with pytest.raises(ConfigError, match="AuthenticationError") as err:
        run(anthropic_cfg(fake, backend__concurrency=1))
    assert SECRET not in str(err.value)


def test_key_in_config_is_refused(workdir, fake):
    write_problems(workdir, make_problems(1))
    with pytest.raises(ConfigError, match="environment only"):
        run(anthropic_cfg(fake, backend__api_key="sk-in-params"))


def test_openai_compatible_server_interleaved_and_single_shot(workdir, fake):
    write_problems(workdir, make_problems(2))
    run(openai_cfg(fake))
    traces = read_traces(workdir)
    assert all("generation_error" not in t for t in traces)
    assert traces[0]["answer"] == tools.call("chemistry", {"operation": "molecular_weight", "formula": "H2O"}).output
    assert traces[0]["generator"]["backend"] == "openai"
    body = json.loads(fake.bodies[0])
    assert body["tools"][0]["function"]["name"] == "chemistry" and body["parallel_tool_calls"] is False
    run(openai_cfg(fake, mode="single_shot", temperature=0.2))
    assert all(t["answer"] == "18.015" for t in read_traces(workdir))
    assert json.loads(fake.bodies[-1])["temperature"] == 0.2
    assert SECRET in fake.keys_seen


def test_openai_local_server_may_use_a_dummy_key(workdir, fake, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    write_problems(workdir, make_problems(1))
    run(openai_cfg(fake, backend__dummy_api_key="local", backend__model="qwen2.5-7b"))
    assert "generation_error" not in read_traces(workdir)[0]
    assert fake.keys_seen == {"local"}
    assert read_metrics(workdir)["cost_usd"] == 0  # unpriced local model


def test_message_batches_single_shot_and_interleaved_rounds(workdir, fake):
    write_problems(workdir, make_problems(3, {2: "BATCH_ERROR"}))
    run(anthropic_cfg(fake, mode="single_shot", backend__transport="batch"))
    traces = read_traces(workdir)
    assert [("generation_error" in t) for t in traces] == [False, False, True]
    assert "scripted batch error" in traces[2]["generation_error"]
    assert len(fake.requests("/v1/messages/batches")) == 1 and fake.requests(MSG) == []
    m = read_metrics(workdir)
    assert m["batches"] == ["msgbatch_0001"]
    sync_cost = m["cost_usd"]
    # Interleaved: one batch round per tool turn; the half price is applied.
    write_problems(workdir, make_problems(2))
    run(anthropic_cfg(fake, backend__transport="batch"))
    assert len(fake.requests("/v1/messages/batches")) == 3
    traces = read_traces(workdir)
    assert all("generation_error" not in t for t in traces)
    assert traces[1]["answer"] == tools.call("chemistry", {"operation": "molecular_weight", "formula": "CO2"}).output
    assert sync_cost > 0


def test_batch_and_sync_costs_differ_by_the_discount(workdir, fake):
    write_problems(workdir, make_problems(1))
    run(anthropic_cfg(fake, mode="single_shot", backend__transport="batch", backend__prompt_caching=False))
    batch = read_metrics(workdir)["cost_usd"]
    run(anthropic_cfg(fake, mode="single_shot", backend__prompt_caching=False, max_tokens=4000))
    sync = read_metrics(workdir)["cost_usd"]
    assert batch > 0 and sync == pytest.approx(2 * batch, rel=0.05)
