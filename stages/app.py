"""The one way a stage becomes a Hydra app.

Wiring (see shared notes/dvc-hydra.md): `conf/` is the Hydra tree users edit; DVC's Hydra integration
(`.dvc/config: [hydra] enabled = true`) composes it plus any `dvc exp run -S` overrides into
`params.yaml`. Stages read *`params.yaml`* — the single composed source of truth that `dvc params diff`
shows and that each stage's `params:` section in `dvc.yaml` hashes. Reading `conf/` directly would make
`-S` overrides a silent no-op.

Hydra's own run-directory, logging and `outputs/` litter are switched off here, before the user's
command-line overrides, so `python -m stages.filter filter.min_steps=2` still works for debugging.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import hydra
from omegaconf import DictConfig

from stages.jsonl import DataError

REPO_ROOT = Path(__file__).resolve().parent.parent

_QUIET_HYDRA = [
    "hydra.run.dir=.",
    "hydra.output_subdir=null",
    "hydra.job.chdir=false",
    "hydra/job_logging=none",
    "hydra/hydra_logging=none",
]


class ConfigError(Exception):
    """A parameter has a value the stage cannot use; the message names the parameter."""


class StageError(Exception):
    """The stage cannot produce a correct output (e.g. a generator's answer disagrees with its trace)."""


def usable_cpus() -> int:
    """How many CPUs this process may run on (its affinity mask where the OS has one): the default
    number of worker processes of the stages that fork them."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def stage_main(func: Callable[[DictConfig], None]) -> Callable[[], None]:
    """Wrap `func(cfg)` as a Hydra app over `params.yaml` with clean one-line errors."""

    @functools.wraps(func)
    def task(cfg: DictConfig) -> None:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
        try:
            func(cfg)
        except (DataError, ConfigError, StageError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(1)

    def main() -> None:
        # Tool results persist across stages and runs (content-hashed by tool code + arguments), so the
        # execute stage does not pay again for calls the generate stage already ran.
        os.environ.setdefault("TOOLTRACE_TOOL_CACHE", str(REPO_ROOT / ".cache" / "tooltrace" / "tools.sqlite"))
        user = list(sys.argv[1:])
        sys.argv = [sys.argv[0], *_QUIET_HYDRA, *user]
        hydra.main(config_path=str(REPO_ROOT), config_name="params", version_base=None)(task)()

    return main
