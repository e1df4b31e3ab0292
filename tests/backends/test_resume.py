"""Crash safety and secrecy: the stage runs in a subprocess, is killed with SIGKILL mid-run and rerun.

The fake server logs a hash of every request body and which ones it answered, so "nothing answered
was paid for twice" is checked on the wire, not inferred from the client's own bookkeeping.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

import tools
from stages.app import REPO_ROOT
from stages.generate import run
from tests.backends.conftest import SECRET, anthropic_cfg, make_problems, read_traces, write_problems
from tests.backends.fake_server import FakeLLM

pytestmark = pytest.mark.skipif("chemistry" not in tools.TOOLS, reason="needs the chemistry tool")

RUNNER = """\
import logging
import sys

import yaml
from omegaconf import OmegaConf

from stages.generate import run

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    run(OmegaConf.create(yaml.safe_load(open(sys.argv[1]))))
"""

def _start(workdir: Path, cfg, env_key: str | None = SECRET) -> subprocess.Popen:
    (workdir / "cfg.yaml").write_text(yaml.safe_dump(OmegaConf.to_container(cfg)))
    (workdir / "runner.py").write_text(RUNNER)
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "TOOLTRACE_LLM_CACHE")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    if env_key:
        env["ANTHROPIC_API_KEY"] = env_key
    return subprocess.Popen([sys.executable, "runner.py", "cfg.yaml"], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(cond, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("condition not reached")
        time.sleep(0.02)


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def _assert_no_secret(workdir: Path, *outputs: bytes) -> None:
    for path in workdir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"API key written to {path}"
    for out in outputs:
        assert SECRET.encode() not in out


def _rerun_in_process(workdir: Path, cfg, monkeypatch) -> None:
    """The rerun happens in this process (saves a second interpreter start and SDK import)."""
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.delenv("TOOLTRACE_LLM_CACHE", raising=False)
    run(cfg)


def test_kill_9_mid_run_then_rerun_pays_nothing_twice(tmp_path, monkeypatch, capfd):
    write_problems(tmp_path, make_problems(8))
    with FakeLLM(latency=0.05) as fake:
        cfg = anthropic_cfg(fake, backend__concurrency=1, cache_path=str(tmp_path / ".cache/llm.sqlite"))
        proc = _start(tmp_path, cfg)
        _wait_for(lambda: len(fake.answered) >= 7)
        _kill(proc)
        out, err = proc.communicate()
        answered_before = set(fake.answered)
        n_before = len(fake.log)
        assert not (tmp_path / "data/generate/traces.jsonl").exists()  # atomic output: nothing half-written

        _rerun_in_process(tmp_path, cfg, monkeypatch)
        second = [e["hash"] for e in fake.log[n_before:] if e["path"] == "/v1/messages"]
        repeated = answered_before & set(second)
        assert len(repeated) <= 1, repeated  # at most the response in flight at the kill
        traces = read_traces(tmp_path)
        assert len(traces) == 8 and all("generation_error" not in t for t in traces)
        assert len(second) <= 16 - len(answered_before) + 1
        assert SECRET in fake.keys_seen  # the key was used ...
        rerun_out, rerun_err = capfd.readouterr()
        _assert_no_secret(tmp_path, out, err, rerun_out.encode(), rerun_err.encode())  # ... never written


def test_killed_batch_run_resumes_the_same_batch(tmp_path, monkeypatch, caplog, capfd):
    write_problems(tmp_path, make_problems(4))
    with FakeLLM() as fake:
        fake.hold_batches = True
        cfg = anthropic_cfg(fake, mode="single_shot", backend__transport="batch", backend__batch__poll_interval_s=0.05,
                            cache_path=str(tmp_path / ".cache/llm.sqlite"))
        proc = _start(tmp_path, cfg)
        _wait_for(lambda: len(fake.requests("/v1/messages/batches/msgbatch_0001", "GET")) >= 2)
        _kill(proc)
        out, err = proc.communicate()
        assert b"submitted batch msgbatch_0001" in err
        fake.hold_batches = False
        with caplog.at_level(logging.INFO, logger="generate"):
            _rerun_in_process(tmp_path, cfg, monkeypatch)
        assert len(fake.requests("/v1/messages/batches")) == 1  # no second batch was paid for
        assert "resuming 1 batch(es) from an earlier run: msgbatch_0001" in caplog.text
        traces = read_traces(tmp_path)
        assert len(traces) == 4 and all(t["answer"] == "18.015" for t in traces)
        rerun_out, rerun_err = capfd.readouterr()
        _assert_no_secret(tmp_path, out, err, rerun_out.encode(), rerun_err.encode(), caplog.text.encode())


def test_cli_missing_key_is_one_clean_line(tmp_path):
    """Through the real Hydra entry point (`python -m stages.generate`), overriding the backend name."""
    write_problems(tmp_path, make_problems(1))
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    proc = subprocess.run([sys.executable, "-m", "stages.generate", "generate.backend.name=anthropic",
                           "+generate.backend.api_key_env=ANTHROPIC_API_KEY"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == ("error: generate.backend: ANTHROPIC_API_KEY is not set; "
                                                    "export it, or use generate/backend=offline")
    assert "Traceback" not in proc.stderr
