"""Exact duplicate detection across sources, and the text normalisation both dedup levels share.

Why two levels: the same GSM8K problem appears verbatim in OpenMathInstruct-2 (exact), and augmented
datasets restate a problem with a changed word or number (near, `stages/sources/near_dedup.py`).
Exact duplicates are caught by a hash of the normalised text (8 bytes per problem kept, so memory
stays small on long streams). Only *kept* problems enter the indexes, so memory grows with the
output, not the input. This module is light (no numpy/datasketch): the synthetic-only default run
imports it but never needs the near-duplicate index.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, NFKC, punctuation dropped, whitespace collapsed: what 'the same text' means here."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _NON_WORD.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def text_key(norm: str) -> bytes:
    """8-byte digest of an already normalised text (the exact-duplicate key)."""
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()


class ExactDedup:
    """Remembers normalised-text keys of kept problems and which problem each belongs to."""

    def __init__(self) -> None:
        self._keys: dict[bytes, str] = {}

    def find(self, key: bytes) -> str | None:
        return self._keys.get(key)

    def add(self, key: bytes, pid: str) -> None:
        self._keys.setdefault(key, pid)

    def __len__(self) -> int:
        return len(self._keys)
