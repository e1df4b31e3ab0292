"""Claimed tool results against real ones (no tool runs: ToolResult objects built by hand)."""

from __future__ import annotations

import json

import pytest

from stages.verify.results import is_unordered, result_matches, values_match
from tools.registry import ToolResult

PROJECTILE = ToolResult.success(
    "range = 40.7747 m, max_height = 10.1937 m, time_of_flight = 2.88321 s (v0 = 20 m/s, theta = 45 deg)",
    {"range": 40.7747196738, "max_height": 10.1936799185, "time_of_flight": 2.88320807823})


@pytest.mark.parametrize("claimed", [
    PROJECTILE.output,
    "range = 40.7747 m, max_height = 10.1937 m, time_of_flight = 2.88321 s",   # fewer quantities
    "range = 40.7747 m",
    "Range = 40.77472 m",                                                      # more digits
    json.dumps({"range": 40.77472, "max_height": 10.19368}),                   # JSON of the value
])
def test_projectile_claims_that_match(claimed: str) -> None:
    assert result_matches(claimed, PROJECTILE)


@pytest.mark.parametrize("claimed", [
    "range = 41.5 m",
    "range = 40.7747 s",                      # wrong unit
    "range = 40.7747 m, height = 3 m",        # a quantity the tool did not produce
    "40.7747 m, so the projectile lands far away",
    "Error: bad input",
    None,
])
def test_projectile_claims_that_do_not_match(claimed: str | None) -> None:
    assert not result_matches(claimed, PROJECTILE)


def test_numbers_within_rel_tol_and_rounding() -> None:
    real = ToolResult.success("2.87234", 2.872341234)
    assert result_matches("2.87234", real)
    assert result_matches("2.872341", real)
    assert not result_matches("2.87", real)            # tool results must keep 6 significant digits
    assert not result_matches("2.87", real, rel_tol=1e-6)
    assert result_matches("2.87", real, rel_tol=1e-2)  # a looser execute.rel_tol accepts it


def test_failed_tool() -> None:
    real = ToolResult.failure("division by zero")
    assert result_matches("Error: division by zero", real)
    assert not result_matches("42", real)


def test_lists_ordered_or_unordered() -> None:
    real = ToolResult.success("[-2, 3]", ["-2", "3"])
    assert result_matches("[3, -2]", real, unordered=True)
    assert not result_matches("[3, -2]", real, unordered=False)
    assert result_matches("[-2, 3]", real, unordered=False)
    assert not result_matches("[3, 4]", real, unordered=True)


def test_dict_values() -> None:
    real = ToolResult.success("C: 6, H: 12, O: 6", {"elements": {"C": 6, "H": 12, "O": 6}, "charge": 0})
    assert result_matches("C: 6, H: 12, O: 6", real)
    assert result_matches("C:6,H:12,O:6", real)
    assert not result_matches("C: 6, H: 12, O: 7", real)
    assert values_match({"C": 6, "H": 12.0}, {"H": 12, "C": 6})
    assert not values_match({"C": 6}, {"C": 6, "H": 12})       # nested dicts must be complete


def test_symbolic_result_written_differently() -> None:
    pytest.importorskip("tools.expr")
    real = ToolResult.success("3*x**2 + 2", "3*x**2 + 2")
    assert result_matches("2 + 3*x**2", real)
    assert result_matches("3x^2 + 2", real) or result_matches("3*x^2 + 2", real)
    assert not result_matches("3*x**2 + 3", real)


def test_unordered_ops() -> None:
    assert is_unordered("symbolic_math", "solve")
    assert not is_unordered("symbolic_math", "series")
    assert is_unordered("symbolic_math", "matrix", {"values": "eigenvalues"})
    assert not is_unordered("symbolic_math", "matrix", {"values": "inverse"})


def test_big_integers_compare_exactly_and_tiny_numbers_relatively() -> None:
    real = ToolResult.success("a_57 = 852597189965198445717", {"a_57": 852597189965198445717})
    assert result_matches("a_57 = 852597189965198445717", real)
    assert not result_matches("a_57 = 852597189965198445817", real)
    residual = ToolResult.success("f(root) = 3.29e-10", 3.29e-10)
    assert not result_matches("f(root) = 3.29e-20", residual)   # abs_tol only applies against zero
    assert result_matches("0", ToolResult.success("1e-12", 1e-12))


def test_satisfiability_status_decides() -> None:
    from stages.verify.results import is_status_only

    real = ToolResult.success("sat: x = 1", {"result": "sat", "model": {"x": 1}})
    assert result_matches("sat: x = 2", real, status_only=True)     # another valid model
    assert result_matches("SAT", real, status_only=True)
    assert not result_matches("unsat", real, status_only=True)
    assert not result_matches("sat: x = 2", real)                   # without status_only, values count
    assert is_status_only("logic_solver", "check_sat")
    assert not is_status_only("logic_solver", "solve_constraints", {"kind": "minimize"})
    assert not is_status_only("logic_solver", "prove")
