"""The response cache: every answered API request, keyed by a hash of what was asked.

Why SQLite outside DVC: `dvc repro` replaces `data/generate/traces.jsonl` wholesale, but money spent
must never be spent twice. Scaling a 1,000-problem pilot to 12,000 pays only for the new problems; a run
killed half-way (Ctrl-C, kill -9, a budget stop) pays nothing again for what was already answered,
because each response is committed as its own transaction the moment it arrives.

The key is a SHA-256 of the backend name, the prompt version and the full request (model, system
prompt, tool definitions, messages, max_tokens, temperature, ...): change any of them and the request is
new. The API key and base URL are deliberately not part of it (the same request to a mirror is the same
request, and secrets never touch disk).

The same file holds Message Batches state: which batch each pending request key was submitted in, so a
killed run resumes polling the batch it already paid for instead of submitting a new one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, backend TEXT NOT NULL, model TEXT, transport TEXT NOT NULL,
    response TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY, backend TEXT NOT NULL, state TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS batch_items (
    key TEXT NOT NULL, batch_id TEXT NOT NULL, PRIMARY KEY (key, batch_id));
"""


def request_key(backend: str, prompt_version: str | None, request: dict[str, Any]) -> str:
    """Content hash of a request; 64 hex characters (also a valid batch `custom_id`)."""
    blob = json.dumps({"backend": backend, "prompt_version": prompt_version, "request": request},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Thread-safe; one connection guarded by a lock, autocommit (one transaction per row), WAL."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process; cheap
        self._db.executescript(_SCHEMA)

    # -- responses ---------------------------------------------------------------------------
    def get(self, key: str) -> tuple[dict[str, Any], str] | None:
        """(response, transport) for an answered request, or None."""
        with self._lock:
            row = self._db.execute("SELECT response, transport FROM responses WHERE key = ?", (key,)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def has(self, key: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM responses WHERE key = ?", (key,)).fetchone() is not None

    def put(self, key: str, backend: str, model: str | None, transport: str, response: dict[str, Any]) -> None:
        text = json.dumps(response, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                             (key, backend, model, transport, text, time.time()))

    # -- batches -----------------------------------------------------------------------------
    def add_batch(self, batch_id: str, backend: str, keys: list[str]) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("INSERT OR REPLACE INTO batches VALUES (?, ?, 'submitted', ?)",
                             (batch_id, backend, time.time()))
            self._db.executemany("INSERT OR IGNORE INTO batch_items VALUES (?, ?)", [(k, batch_id) for k in keys])
            self._db.execute("COMMIT")

    def open_batches(self, keys: list[str]) -> dict[str, str]:
        """key -> id of a submitted, not yet collected batch holding it (for keys that have one)."""
        found: dict[str, str] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT i.key, i.batch_id FROM batch_items i JOIN batches b USING (batch_id) "
                    f"WHERE b.state = 'submitted' AND i.key IN ({marks}) ORDER BY b.created", chunk).fetchall()
                found.update(dict(rows))
        return found

    def set_batch_state(self, batch_id: str, state: str) -> None:
        with self._lock:
            self._db.execute("UPDATE batches SET state = ? WHERE batch_id = ?", (state, batch_id))

    def batch_ids(self, state: str | None = None) -> list[str]:
        with self._lock:
            if state is None:
                rows = self._db.execute("SELECT batch_id FROM batches ORDER BY created").fetchall()
            else:
                rows = self._db.execute("SELECT batch_id FROM batches WHERE state = ? ORDER BY created",
                                        (state,)).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
