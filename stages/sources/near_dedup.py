"""Near-duplicate detection: MinHash over word shingles with `datasketch`'s LSH banding.

Augmented datasets restate a problem with a changed word or number; exact hashing
(`stages/sources/dedup.py`) misses those. A separate module because numpy + datasketch (which pulls
in SciPy) take seconds to import, and only a run with a dataset enabled builds this index.
"""

from __future__ import annotations

import zlib

import numpy as np
from datasketch import MinHash, MinHashLSH


def shingles(words: list[str], size: int) -> list[bytes]:
    """Word `size`-grams of a normalised text's words (the whole text when it is shorter)."""
    if len(words) <= size:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


class NearDedup:
    """MinHash-LSH index of kept problems; `find(sig)` returns the id of a near duplicate, if any.

    Signatures are `datasketch` MinHashes; the banding (b bands of r rows, chosen by datasketch's
    `MinHashLSH` for the threshold) is kept here in a compact form: signatures in one growing uint32
    array and one `{band hash: first row}` dict per band, ~0.8 kB per kept problem instead of ~2.5 kB for
    `MinHashLSH`'s own tables, so a 100k-problem run stays small. Every LSH candidate is checked
    against its stored signature, so a banding false positive never drops a problem.
    """

    def __init__(self, threshold: float = 0.8, num_perm: int = 64, shingle_size: int = 3, seed: int = 1) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("near-duplicate threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_size = shingle_size
        self.seed = seed
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)  # only for its optimal (b, r)
        self._ranges = [(i * lsh.r, (i + 1) * lsh.r) for i in range(lsh.b)]
        self._bands: list[dict[int, int]] = [{} for _ in self._ranges]
        self._sigs = np.zeros((1024, num_perm), dtype=np.uint32)  # values are < 2**32
        self._ids: list[str] = []
        # crc32: stable across processes (reproducible runs) and ~1.5x faster than the default sha1.
        self._template = MinHash(num_perm=num_perm, seed=seed, hashfunc=zlib.crc32)  # permutations computed once
        self._empty = self._template.hashvalues.copy()

    def signature(self, words: list[str]) -> np.ndarray:
        """MinHash signature (uint32 array) of a normalised text's word shingles."""
        m = self._template  # reused: resetting its values is ~3x cheaper than MinHash.copy()
        m.hashvalues = self._empty.copy()
        m.update_batch(shingles(words, self.shingle_size))
        return m.hashvalues.astype(np.uint32)

    def _keys(self, sig: np.ndarray) -> list[int]:
        return [hash(sig[a:b].tobytes()) for a, b in self._ranges]  # in-process only: hash() is fine

    def find(self, sig: np.ndarray) -> tuple[str, float] | None:
        """The id and estimated Jaccard similarity of the closest kept problem at/above the threshold."""
        best: tuple[str, float] | None = None
        seen: set[int] = set()
        for band, key in zip(self._bands, self._keys(sig), strict=True):
            row = band.get(key)
            if row is None or row in seen:
                continue
            seen.add(row)
            sim = float(np.count_nonzero(self._sigs[row] == sig)) / self.num_perm
            if sim >= self.threshold and (best is None or sim > best[1]):
                best = (self._ids[row], sim)
        return best

    def add(self, pid: str, sig: np.ndarray) -> None:
        row = len(self._ids)
        if row == len(self._sigs):
            self._sigs = np.concatenate([self._sigs, np.zeros_like(self._sigs)])
        self._sigs[row] = sig
        self._ids.append(pid)
        for band, key in zip(self._bands, self._keys(sig), strict=True):
            band.setdefault(key, row)

    def __len__(self) -> int:
        return len(self._ids)
