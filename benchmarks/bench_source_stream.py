"""100k dataset rows through the source stage's dataset path: time and peak memory vs a plain read.

    python benchmarks/bench_source_stream.py [--rows 100000] [--keep-dir DIR]

Writes a local file in nvidia/OpenMathInstruct-2's layout (jsonl and parquet, varied text so the
dedup indexes fill as they would on real data), then runs each measurement in its own child process
so peak RSS (VmHWM, else resource.getrusage ru_maxrss; see `peak_rss_mb`) is that measurement's
alone; times exclude imports:

- `import`        — the stage's imports only (datasets, datasketch, pydantic, ...): the memory floor;
- `pandas:<fmt>`  — baseline: `pandas.read_json(lines=True)` / `read_parquet` of the whole file;
- `stage:<fmt>`   — the stage's dataset path: load, map, classify, tool filter, exact + near dedup,
                    13-gram decontamination, Problem validation, JSONL write, with quotas large enough
                    that every row is considered;
- `stage:<fmt>/5` — the same on a file of the first fifth of the rows: how time and memory grow with rows;
- `stage:<fmt>/0kept` — every row read but none kept (all benefit rules disabled): memory that does
                    not depend on rows read (what grows in the runs above is the dedup indexes of
                    the problems kept).

Ratios are against the baseline measured in the same run; no absolute target is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_WORDS = ("apple orange river mountain cloud table window garden bridge engine candle forest silver rocket "
          "pencil harbor meadow lantern castle violet marble thunder canyon pepper saddle wagon ribbon glacier "
          "falcon ivory jungle kettle lemon magnet nectar oyster parrot quartz raven spider tiger umbrella "
          "velvet walrus yacht zebra anchor barrel copper dragon ember feather goblet hammer island jacket").split()

_TEMPLATES = (
    "Evaluate the definite integral of {a}x^{b} + {c}x from {d} to {e}. The {w} problem mentions {f} {w2}.",
    "Find the derivative of f(x) = {a}x^{b} - {c}x^2 + {d} at x = {e}, for the {w} and {w2} case {f}.",
    "Solve the system of equations {a}x + {b}y = {c} and {d}x - {e}y = {f} for the {w} {w2}.",
    "Compute the determinant of the matrix [[{a}, {b}], [{c}, {d}]] plus {e} times {f} ({w}, {w2}).",
    "How many ways can {a} {w}s and {b} {w2}s be arranged in a row if {c} of them must be adjacent?",
    "Find all real roots of x^3 - {a}x^2 + {b}x - {c} = 0 given the {w} {w2} hint {d}.",
)


_BENCH_TEMPLATES = (
    "Sam buys {a} {w}s at {b} cents each and pays with a {c} dollar bill; how much change does Sam get back?",
    "A {w} is {a} years older than a {w2}; in {b} years their ages will add up to {c}. How old is the {w}?",
)


def make_rows(n: int, seed: int = 0, templates: tuple[str, ...] = _TEMPLATES) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        t = templates[i % len(templates)]
        nums = {k: rng.randint(2, 999) for k in "abcdef"}
        filler = " ".join(rng.sample(_WORDS, 8))
        q = t.format(w=rng.choice(_WORDS), w2=rng.choice(_WORDS), **nums) + f" Context: {filler}."
        rows.append({"problem": q, "generated_solution": f"... \\boxed{{{nums['a']}}}",
                     "expected_answer": str(nums["a"]), "problem_source": "augmented_math"})
    return rows


def write_files(rows: list[dict[str, str]], tmp: Path, stem: str = "omi") -> dict[str, Path]:
    import pandas as pd

    jsonl = tmp / f"{stem}.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    parquet = tmp / f"{stem}.parquet"
    pd.DataFrame(rows).to_parquet(parquet, row_group_size=10_000)
    return {"jsonl": jsonl, "parquet": parquet}


# -- child measurements ----------------------------------------------------------------------------

def _import_stage() -> None:
    import datasets  # noqa: F401  (imported lazily by the loader; counted in the floor)
    import datasketch  # noqa: F401

    import stages.source  # noqa: F401
    import stages.sources.select  # noqa: F401


def _child_pandas(path: str) -> dict:
    import pandas as pd

    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_json(path, lines=True)
    return {"rows": len(df)}


def _child_stage(path: str, keep: bool = True) -> dict:
    from omegaconf import OmegaConf

    from stages.jsonl import atomic_open, to_json_line
    from stages.sources import config as sources_config
    from stages.sources.select import Selector

    cfg = OmegaConf.load(ROOT / "conf" / "source" / "default.yaml")
    cfg.datasets.openmathinstruct2.enabled = True
    cfg.datasets.openmathinstruct2.path = path
    cfg.datasets.openmathinstruct2.sample = None  # every row, in file order
    for bench in ("math_test", "gsm8k_test"):
        cfg.decontamination.benchmarks[bench].enabled = False
    if not keep:  # every row read, none kept: memory must not grow with rows read
        from stages.sources.toolfilter import BENEFIT
        cfg.tool_filter.disabled = [r.name for r in BENEFIT]
    dcfg = sources_config.parse(cfg)
    quotas = {c: 10**9 for c in ("calculus", "algebra", "linear_algebra", "numerical")}
    selector = Selector(dcfg, quotas, seed=0)
    # A decontamination index the size of MATH test + GSM8K test (~6.3k questions) of other problems.
    from stages.sources.dedup import normalise
    for i, row in enumerate(make_rows(6300, seed=99, templates=_BENCH_TEMPLATES)):
        selector.decontam.add(normalise(row["problem"]).split(), f"bench:test:{i}", "bench")
    out = Path(tempfile.mkdtemp()) / "problems.jsonl"
    with atomic_open(out) as fh:
        for p in selector.problems():
            fh.write(to_json_line(p))
            fh.write("\n")
    m = selector.metrics()
    return {"rows": m["rows_read"], "kept": m["kept"], "dropped": m["dropped"]}


def peak_rss_mb() -> float:
    """This process's peak RSS in MB.

    `getrusage(RUSAGE_SELF).ru_maxrss` survives `execve` on Linux: a child started by this script
    would report at least this (large) parent's RSS. `VmHWM` in /proc/self/status belongs to the
    child's own address space, so it is used when present; getrusage otherwise.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(argv: list[str]) -> None:
    kind = argv[0]
    t0 = time.perf_counter()
    if kind == "pandas":
        import pandas  # noqa: F401
    else:
        _import_stage()
    t1 = time.perf_counter()
    info: dict = {"import_seconds": t1 - t0}
    if kind == "pandas" and argv[1:] != ["-"]:
        info.update(_child_pandas(argv[1]))
    elif kind == "stage":
        info.update(_child_stage(argv[1], keep=argv[2:] != ["none"]))
    info["seconds"] = time.perf_counter() - t1  # the work alone, imports excluded
    info["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(info))


def measure(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--keep-dir", type=Path, default=None, help="write the generated files here and keep them")
    args = ap.parse_args()
    tmp = args.keep_dir or Path(tempfile.mkdtemp(prefix="bench_source_"))
    tmp.mkdir(parents=True, exist_ok=True)
    rows = make_rows(args.rows)
    files = write_files(rows, tmp)
    fifths = write_files(rows[: args.rows // 5], tmp, stem="omi_fifth")
    sizes = {k: v.stat().st_size / 1e6 for k, v in files.items()}
    print(f"{args.rows} rows: jsonl {sizes['jsonl']:.1f} MB, parquet {sizes['parquet']:.1f} MB ({tmp})")

    pandas_floor = measure("pandas", "-")
    floor = measure("import")
    print(f"{'import only':<18} {floor['import_seconds']:7.2f} s  peak RSS {floor['peak_rss_mb']:7.1f} MB  "
          "(datasets, datasketch, the stage's modules; times below exclude imports)")
    for fmt, path in files.items():
        base = measure("pandas", str(path))
        full = measure("stage", str(path))
        fifth = measure("stage", str(fifths[fmt]))
        none = measure("stage", str(path), "none")
        print(f"{'pandas:' + fmt:<18} {base['seconds']:7.2f} s  peak RSS {base['peak_rss_mb']:7.1f} MB  "
              f"(whole file in memory: +{base['peak_rss_mb'] - pandas_floor['peak_rss_mb']:.1f} MB over "
              f"`import pandas`, {pandas_floor['peak_rss_mb']:.1f} MB)")
        for label, r in ((f"stage:{fmt}", full), (f"stage:{fmt}/5", fifth), (f"stage:{fmt}/0kept", none)):
            print(f"{label:<18} {r['seconds']:7.2f} s  peak RSS {r['peak_rss_mb']:7.1f} MB  rows {r['rows']}, "
                  f"kept {r['kept']}, {r['rows'] / r['seconds']:,.0f} rows/s; time x{r['seconds'] / base['seconds']:.1f}"
                  f" vs pandas, RSS x{r['peak_rss_mb'] / base['peak_rss_mb']:.2f} vs pandas, "
                  f"+{r['peak_rss_mb'] - floor['peak_rss_mb']:.1f} MB over the import floor")
        print(f"{'':<18} dropped: {full['dropped']} (0kept: {none['dropped']})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
