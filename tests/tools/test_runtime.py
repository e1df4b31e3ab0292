"""The runtime every caller shares: names, argument dialects, limits, cache, schemas, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import tools
from tools import executor

EXPECTED_TOOLS = {"symbolic_math", "execute_python", "logic_solver", "chemistry", "physics"}


def test_all_five_tools_are_registered():
    assert set(tools.TOOLS) == EXPECTED_TOOLS


def test_unknown_tool_and_op_are_clear_errors_not_exceptions():
    r = tools.call("no_such_tool", {})
    assert not r.ok and "unknown tool" in r.error
    r = tools.call("symbolic_math", {"operation": "teleport"})
    assert not r.ok and "unknown operation 'teleport'" in r.error
    r = tools.call("symbolic_math", {"expression": "x"})
    assert not r.ok and "missing 'operation'" in r.error
    r = tools.call("symbolic_math", '{"operation": "simplify", ')
    assert not r.ok and "not valid JSON" in r.error


def test_unexpected_and_missing_arguments_name_the_argument():
    r = tools.call("symbolic_math", {"operation": "differentiate", "expresion": "x**2"})
    assert not r.ok and "expresion" in r.error


def test_tool_and_op_name_variants_are_normalised():
    a = tools.call("chemistry_calc", {"operation": "molar_mass", "formula": "H2O"})
    b = tools.call("chemistry", {"operation": "molecular_weight", "formula": "H2O"})
    assert a.ok and b.ok and a.output == b.output
    assert tools.normalise("physics_calc", {"operation": "ohms_law", "V": 12, "R": 4}).op.name == "electricity"


def test_duplicate_operation_key_reads_as_category_and_sub_operation():
    text = '{"operation": "electricity", "operation": "ohms_law", "params": {"V": 12, "R": 4}}'
    norm = tools.normalise("physics", text)
    assert norm.op.name == "electricity" and norm.args["kind"] == "ohms_law"
    r = tools.call("physics", text)
    assert r.ok and r.output.startswith("I = 3")


def test_nested_params_are_flattened():
    r = tools.call("physics", {"operation": "optics", "kind": "thin_lens", "params": {"f": 0.1, "do": 0.3}})
    assert r.ok and "0.15" in r.output


def test_runaway_computation_ends_as_an_error_and_the_runtime_keeps_working():
    for expr in ("factorial(10**9)", "expand((x+1)**100000)"):
        r = tools.call("symbolic_math", {"operation": "simplify", "expression": expr}, timeout=3)
        assert not r.ok, r
    r = tools.call("symbolic_math", {"operation": "differentiate", "expression": "x**3 + 2*x", "variable": "x"})
    assert r.ok and r.output == "3*x**2 + 2"


def test_worker_pool_times_out_and_replaces_a_stuck_worker():
    pool = executor.WorkerPool(size=1)
    try:
        # A hard integral that SymPy works on far longer than the limit.
        r, cacheable = pool.run("symbolic_math", "integrate",
                                {"expression": "exp(x**7)*sin(x**5)*log(x**3 + 1)/(x**11 + x + 1)",
                                 "variable": "x"}, timeout=0.5)
        assert not r.ok and "timed out" in r.error and not cacheable
        r, _ = pool.run("symbolic_math", "factor", {"expression": "x**2 - 1"}, timeout=30)
        assert r.ok and r.output == "(x - 1)*(x + 1)"
    finally:
        pool.close()


def test_results_are_cached_by_content():
    store = executor.cache()
    args = {"operation": "expand", "expression": "(x + 17)**3"}
    tools.call("symbolic_math", args)
    hits = store.hits
    again = tools.call("symbolic_math", dict(reversed(list(args.items()))))
    assert again.ok and store.hits == hits + 1


def test_persistent_cache_survives_a_new_process(tmp_path):
    db = tmp_path / "tools.sqlite"
    c1 = executor.ResultCache(str(db))
    key = c1.key("symbolic_math", "factor", {"expression": "x**2 - 4"})
    c1.put(key, tools.ToolResult.success("(x - 2)*(x + 2)"))
    c1.close()  # puts are written in batches; close (or the process's exit) writes the last one
    c2 = executor.ResultCache(str(db))
    assert c2.get(key).output == "(x - 2)*(x + 2)"


def test_concurrent_calls_from_threads_all_get_their_own_answer():
    exprs = [f"x**2 - {n * n}" for n in range(1, 25)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda e: tools.call("symbolic_math", {"operation": "factor", "expression": e},
                                                     use_cache=False), exprs))
    for n, r in enumerate(results, 1):
        assert r.ok and r.output == f"(x - {n})*(x + {n})"


@pytest.mark.parametrize("flavour", ["anthropic", "openai"])
def test_schemas_are_derived_from_the_op_models(flavour):
    defs = tools.schemas(flavour)
    assert len(defs) == 5
    for d in defs:
        name = d["name"] if flavour == "anthropic" else d["function"]["name"]
        schema = d["input_schema"] if flavour == "anthropic" else d["function"]["parameters"]
        tool = tools.TOOLS[name]
        assert schema["type"] == "object"
        if not tool.single_op:
            assert set(schema["properties"]["operation"]["enum"]) == set(tool.ops)
        json.dumps(d)  # serialisable


def test_cli_runs_a_call_and_prints_schemas():
    out = subprocess.run([sys.executable, "-m", "tools", "symbolic_math",
                          '{"operation": "evaluate", "expression": "3*x**2 + 2", "substitutions": {"x": 5}}'],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["output"] == "77"
    bad = subprocess.run([sys.executable, "-m", "tools", "symbolic_math", '{"operation": "nope"}'],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and json.loads(bad.stdout)["ok"] is False
    schemas = json.loads(subprocess.run([sys.executable, "-m", "tools", "--schemas", "openai"],
                                        capture_output=True, text=True, check=True).stdout)
    assert {s["function"]["name"] for s in schemas} == EXPECTED_TOOLS
