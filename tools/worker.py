"""A tool worker process: `python -m tools.worker MEMORY_MB`.

Reads one JSON request per line on stdin (`[tool, op, args]`), writes one JSON ToolResult per line on
stdout. It caps its own address space first, then imports the tools (SymPy, Z3, …) once, so each call
costs an IPC round trip. The parent (tools/executor.py) enforces the wall-clock limit by killing it.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys


def main() -> None:
    memory_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from tools.catalog import TOOLS
    from tools.registry import ToolResult

    # The imported modules' objects live as long as the worker: exempt them from cyclic-GC scans
    # (SymPy allocates heavily; collections went from ~3 % to ~1 % of the ops' CPU time).
    gc.freeze()

    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = open(os.devnull, "w")  # ops that print must not corrupt the protocol
    out.write('{"ready": true}\n')
    out.flush()
    for line in sys.stdin:
        try:
            tool, op, args = json.loads(line)
            result = TOOLS[tool].ops[op].run(args)
        except MemoryError:
            result = ToolResult.failure("memory limit exceeded")
        except RecursionError:
            result = ToolResult.failure("expression too deeply nested")
        except Exception as exc:  # a bug in an op: report it briefly, keep serving
            result = ToolResult.failure(f"{type(exc).__name__}: {str(exc)[:200]}")
        try:
            text = result.model_dump_json()
        except Exception:
            text = ToolResult.failure("the result could not be serialised").model_dump_json()
        out.write(text + "\n")
        out.flush()


if __name__ == "__main__":
    main()
