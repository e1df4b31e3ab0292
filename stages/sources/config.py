"""The `source:` parameters for datasets, validated once with one-line errors.

Why pydantic over reading the DictConfig ad hoc: a typo such as `sampel: 100` under a dataset entry
would otherwise be ignored silently and the run would read the whole dataset. Every error names the
parameter path (`source.datasets.gsm8k.sample`) so it can be fixed with one `-S` override.
"""

from __future__ import annotations

from typing import Any, Literal

from omegaconf import DictConfig, OmegaConf
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stages.app import ConfigError
from stages.schema import CATEGORY_DOMAIN
from stages.sources import mappings
from stages.sources.toolfilter import ALL_RULES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetEntry(_Strict):
    """One dataset: a hub name or a local path, a split, a mapping, how many rows to read."""

    name: str = ""  # the entry's key under source.datasets (filled in by `parse`)
    enabled: bool = True
    dataset: str | None = Field(None, description="hub name; also the dataset's identity in ids and origins")
    path: str | None = Field(None, description="local copy: parquet, jsonl, json, csv or a save_to_disk dir")
    config: str | list[str] | None = Field(
        None, description="hub config/subset (gsm8k: main); a list reads each config in turn")
    split: str = "train"
    mapping: str | None = Field(None, description="built-in column mapping; inferred from `dataset`")
    columns: dict[str, str] = Field(default_factory=dict, description="role → column overrides")
    sample: int | None = Field(None, ge=1, description="read at most this many rows (seeded shuffle)")
    seed: int | None = None
    shuffle_buffer: int = Field(10_000, ge=1)
    category: str | None = Field(None, description="label every problem with this category")
    difficulty: Literal["easy", "medium", "hard"] | None = None

    @model_validator(mode="after")
    def _check(self) -> DatasetEntry:
        if not self.dataset and not self.path:
            raise ValueError("needs `dataset` (a hub name) or `path` (a local copy)")
        if self.mapping is None:
            self.mapping = mappings.infer(self.dataset) or "generic"
        if self.mapping not in mappings.MAPPINGS:
            raise ValueError(f"unknown mapping '{self.mapping}'; built-in mappings are {', '.join(mappings.MAPPINGS)}")
        if self.category is not None and self.category not in CATEGORY_DOMAIN:
            raise ValueError(f"category '{self.category}' is not one of {', '.join(CATEGORY_DOMAIN)}")
        return self

    @property
    def identity(self) -> str:
        """What ids and origins name: the hub name even when read from a local copy (stable ids)."""
        return self.dataset or self.name

    def parts(self) -> list[tuple[DatasetEntry, str]]:
        """(entry with one config, name for origins) — one per config when `config` is a list.

        A hub dataset published as one config per subject (EleutherAI/hendrycks_math) is read config by
        config; its origins name the config (`dataset:EleutherAI/hendrycks_math/algebra:train:17`)
        because row numbers restart in each. A local copy (`path`) is one file: the list is ignored.
        """
        if isinstance(self.config, list):
            if self.path:
                return [(self.model_copy(update={"config": None}), self.identity)]
            return [(self.model_copy(update={"config": c}), f"{self.identity}/{c}") for c in self.config]
        return [(self, self.identity)]


class NearDupConfig(_Strict):
    enabled: bool = True
    threshold: float = Field(0.8, gt=0.0, le=1.0)
    num_perm: int = Field(64, ge=8)
    shingle_size: int = Field(3, ge=1)


class DecontamConfig(_Strict):
    ngram: int = Field(13, ge=1)
    benchmarks: list[DatasetEntry] = Field(default_factory=list)


class ToolFilterConfig(_Strict):
    enabled: bool = True
    disabled: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> ToolFilterConfig:
        unknown = sorted(set(self.disabled) - set(ALL_RULES))
        if unknown:
            raise ValueError(f"unknown rule(s) {unknown}; rules are {', '.join(ALL_RULES)}")
        return self


class DatasetsConfig(_Strict):
    """Everything about datasets under `source:` (the synthetic keys are read by `stages.source`)."""

    datasets: list[DatasetEntry]
    dataset_share: dict[str, float]
    tool_filter: ToolFilterConfig = Field(default_factory=ToolFilterConfig)
    near_duplicates: NearDupConfig = Field(default_factory=NearDupConfig)
    decontamination: DecontamConfig = Field(default_factory=DecontamConfig)
    rejected_file: str | None = None
    rejected_reasons: list[str] = Field(default_factory=list)

    @property
    def enabled(self) -> list[DatasetEntry]:
        return [d for d in self.datasets if d.enabled]

    def share(self, category: str) -> float:
        return float(self.dataset_share.get(category, self.dataset_share.get("default", 0.0)))


def _entries(raw: Any, where: str) -> list[dict[str, Any]]:
    """A dict of named entries (so `-S source.datasets.gsm8k.enabled=true` merges) or a list."""
    if raw is None:
        return []
    if isinstance(raw, dict):
        out = []
        for key, val in raw.items():
            if not isinstance(val, dict):
                raise ConfigError(f"{where}.{key}: expected a mapping of settings, got {val!r}")
            out.append({"name": str(key), **val})
        return out
    if isinstance(raw, list):
        return [{"name": str(v.get("name") or v.get("dataset") or v.get("path") or i), **v} if isinstance(v, dict)
                else {"dataset": v, "name": str(v)} for i, v in enumerate(raw)]
    raise ConfigError(f"{where}: expected a mapping of named entries, got {type(raw).__name__}")


def parse(cfg: DictConfig) -> DatasetsConfig:
    """Validate the dataset part of `source:`; ConfigError naming the parameter on any problem."""
    raw = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    assert isinstance(raw, dict)
    decon = dict(raw.get("decontamination") or {})
    decon["benchmarks"] = [{"enabled": True, **e}
                           for e in _entries(decon.get("benchmarks"), "source.decontamination.benchmarks")]
    share = dict(raw.get("dataset_share") or {})
    for key, val in share.items():
        if key != "default" and key not in CATEGORY_DOMAIN:
            raise ConfigError(f"source.dataset_share.{key}: unknown category (categories: "
                              f"{', '.join(CATEGORY_DOMAIN)}, or `default`)")
        if not isinstance(val, int | float) or not 0.0 <= float(val) <= 1.0:
            raise ConfigError(f"source.dataset_share.{key}: must be a fraction between 0 and 1, got {val!r}")
    data = {
        "datasets": _entries(raw.get("datasets"), "source.datasets"),
        "dataset_share": share,
        "tool_filter": raw.get("tool_filter") or {},
        "near_duplicates": raw.get("near_duplicates") or {},
        "decontamination": decon,
        "rejected_file": raw.get("rejected_file"),
        "rejected_reasons": raw.get("rejected_reasons") or [],
    }
    try:
        parsed = DatasetsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_where(exc, data)) from None
    return parsed


def _where(exc: ValidationError, data: dict[str, Any]) -> str:
    """`source.datasets.gsm8k.sample: Input should be ...` from a pydantic error."""
    err = exc.errors()[0]
    parts: list[str] = ["source"]
    node: Any = data
    for loc in err["loc"]:
        if isinstance(loc, int) and isinstance(node, list) and loc < len(node):
            node = node[loc]
            parts.append(str(node.get("name", loc)) if isinstance(node, dict) else str(loc))
        else:
            parts.append(str(loc))
            node = node.get(loc) if isinstance(node, dict) else None
    msg = err["msg"].removeprefix("Value error, ")
    return f"{'.'.join(parts)}: {msg}"
