"""Compose `conf/` into `params.yaml` exactly as `dvc exp run` does, or check it is up to date.

`dvc repro` never recomposes `params.yaml` (by design), so after editing `conf/` run
`python -m stages.params` (or any `dvc exp run`). `python -m stages.params --check` exits 1 when
`params.yaml` is stale — CI runs it so a stale file never lands.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from stages.app import REPO_ROOT


def compose(overrides: list[str] | None = None) -> str:
    """The YAML text DVC's Hydra integration would write for these overrides."""
    from dvc.utils.hydra import compose_and_dump

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "params.yaml"
        compose_and_dump(out, str(REPO_ROOT / "conf"), None, "config", str(REPO_ROOT), overrides or [])
        return out.read_text(encoding="utf-8")


def main(argv: list[str]) -> int:
    target = REPO_ROOT / "params.yaml"
    check = "--check" in argv
    overrides = [a for a in argv if a != "--check"]
    text = compose(overrides)
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print("error: params.yaml is out of date with conf/; run `python -m stages.params`", file=sys.stderr)
            return 1
        print("params.yaml is up to date with conf/")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
