"""What every export file shares: written to a temporary name, fsynced, moved into place, hashed.

A file that leaves the server is logged in the audit log with its SHA-256 (the :class:`Written`
value carries it). CSV text cells that a spreadsheet would run as a formula (starting with
``= + - @``, tab or carriage return) get a leading ``'`` (:func:`neutralise`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hhvalues.store.db import sha256_file


@dataclass(frozen=True, slots=True)
class Written:
    """A finished export file."""

    path: Path
    rows: int
    sha256: str


def neutralise(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# JSON and time columns come back as the stored text (SQLite) or as decoded values (psycopg
# decodes them itself): decoding every row just to re-encode it was half of a million-row export.


def write_atomic(out: Path, write: Callable[[Any], object], *, binary: bool) -> str:
    """Run ``write(fh)`` on a temp file beside ``out``, fsync, move into place; its sha256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        opened = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with opened as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256_file(out)


__all__ = ["Written", "neutralise", "write_atomic"]
