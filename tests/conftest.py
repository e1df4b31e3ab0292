"""Test-wide settings: no network, no Hugging Face hub retries, no API keys leaking in."""

from __future__ import annotations

import os

# Hub lookups otherwise retry ~24 s before failing; the tests never reach a network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
