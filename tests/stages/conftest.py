"""Fixtures for the stage tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from stage_traces import projectile_trace, two_tool_trace


@pytest.fixture
def good() -> dict[str, Any]:
    return copy.deepcopy(projectile_trace())


@pytest.fixture
def multi() -> dict[str, Any]:
    return copy.deepcopy(two_tool_trace())
