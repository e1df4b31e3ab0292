"""Prompt versions: rendered from config, tool names and operations are the real ones."""

from __future__ import annotations

import re

import pytest

import tools
from stages.app import ConfigError
from stages.backends.prompting import Prompt, render
from stages.schema import Problem
from tests.backends.conftest import make_cfg

PROBLEM = Problem(id="p", question="What is the molar mass of H2O?", domain="chemistry",
                  category="chemistry_fundamentals", required_tools=["chemistry"], origin="test")


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("mode", ["single_shot", "interleaved"])
def test_prompt_versions_render_with_real_tool_names_and_ops(version, mode):
    cfg = make_cfg(f"generate/prompt={version}")
    prompt = Prompt.from_config(cfg.generate.prompt, mode)
    assert prompt.version == version
    system, user = prompt.messages(PROBLEM, all_tools_in_list=(mode == "single_shot"))
    assert "What is the molar mass of H2O?" in user and "chemistry" in user
    assert not re.search(r"\{(problem|domain|difficulty|tools|tool_list|category)\}", system + user)
    assert "chemistry_calc" not in system and "physics_calc" not in system
    listed = dict(re.findall(r"^- (\w+): (.*)$", system, re.M))
    expected = list(tools.TOOLS) if mode == "single_shot" else ["chemistry"]
    assert list(listed) == expected
    for name in expected:
        tool = tools.TOOLS[name]
        if prompt.tool_list_style == "names" and not tool.single_op:
            assert listed[name].split(", ") == list(tool.ops)  # every op, exactly as registered
        elif not tool.single_op:
            for op in tool.ops.values():
                assert f"- {op.name}(" in system


def test_v1_keeps_the_seed_prompts():
    cfg = make_cfg()
    p = Prompt.from_config(cfg.generate.prompt, "single_shot")
    assert p.system.startswith("You are generating training data for a reasoning model that uses tools.")
    assert '{"name": "tool_name", "args": {...}}' in p.system  # JSON braces survive rendering
    assert p.user.endswith("Output JSON with: question, domain, reasoning (array of steps with optional "
                           "tool_call/tool_result), answer, tools_used")


def test_render_replaces_only_known_placeholders():
    assert render('{"a": {x}} {problem}', {"problem": "P"}) == '{"a": {x}} P'


def test_incomplete_prompt_config_is_a_config_error():
    cfg = make_cfg()
    cfg.generate.prompt.interleaved = None
    with pytest.raises(ConfigError, match="interleaved.system"):
        Prompt.from_config(cfg.generate.prompt, "interleaved")
