"""Hand-made traces shared by the stage tests (real tools: physics, chemistry)."""

from __future__ import annotations

from typing import Any

PROJECTILE_OUT = "range = 40.7747 m, max_height = 10.1937 m, time_of_flight = 2.88321 s"


def projectile_trace(**over: Any) -> dict[str, Any]:
    """A good physics trace in the seed plan's layout (result in the step after the call)."""
    rec: dict[str, Any] = {
        "id": "phys-1", "category": "physics_mechanics", "domain": "physics",
        "question": "A ball is launched at 20 m/s at 45 degrees above level ground. How far does it travel?",
        "reasoning": [
            {"step": 1, "content": "This is projectile motion on level ground with no air resistance, so the "
                                   "range follows from the launch speed and angle."},
            {"step": 2, "content": "I will use the physics tool's projectile operation with v0 = 20 m/s and "
                                   "theta = 45 degrees.",
             "tool_call": {"name": "physics_calc", "args": {"operation": "projectile", "v0": 20, "theta": 45}}},
            {"step": 3, "content": "The tool reports a range of 40.7747 m, so the ball lands about 40.77 m away.",
             "tool_result": PROJECTILE_OUT},
        ],
        "answer": "40.77 m", "reference_answer": "40.7747 m", "tools_used": ["physics_calc"],
    }
    rec.update(over)
    return rec


def two_tool_trace(**over: Any) -> dict[str, Any]:
    """A multi_tool trace calling chemistry and physics, in the builder's call→call layout."""
    rec: dict[str, Any] = {
        "id": "multi-1", "category": "multi_tool", "domain": "mixed",
        "question": "What is the molar mass of water, and what current flows through a 4 ohm resistor at 12 V?",
        "reasoning": [
            {"step": 1, "content": "Two independent sub-problems: a molar mass and Ohm's law for the current."},
            {"step": 2, "content": "First the molar mass of H2O from standard atomic weights.",
             "tool_call": {"name": "chemistry", "args": {"operation": "molecular_weight", "formula": "H2O"}}},
            {"step": 3, "content": "Water is 18.015 g/mol. Now the current from Ohm's law with V and R.",
             "tool_result": "18.015 g/mol",
             "tool_call": {"name": "physics", "args": {"operation": "electricity", "kind": "ohms_law",
                                                       "V": 12, "R": 4}}},
            {"step": 4, "content": "The current is 3 A, so both parts are done.",
             "tool_result": "I = 3 A, V = 12 V, R = 4 Ω"},
        ],
        "answer": "3 A", "reference_answer": "3 A", "tools_used": ["chemistry", "physics"],
    }
    rec.update(over)
    return rec


