"""The second process of a big CSV or JSONL export, seen from the exporting process.

It writes the later half of the respondents to a part file beside the output while the
exporting process writes the first half, which is then followed by the part's bytes (see
:data:`hhvalues.store.exports.SPLIT_ROWS`). The process runs
:mod:`hhvalues.store.exports.part` with the request as JSON on stdin (the database URL may
hold a password, which must not show in the process list).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

import hhvalues
from hhvalues.errors import StoreError

PART_MODULE = "hhvalues.store.exports.part"


@dataclass(frozen=True, slots=True)
class SecondHalf:
    """A running worker and the part file it writes."""

    proc: subprocess.Popen[bytes]
    part: Path

    def append_to(self, fh: Any) -> int:
        """Wait for the worker, then copy its part to the end of ``fh``; the rows it wrote."""
        out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines() or ["no message"]
            raise StoreError(f"the second export process failed: {lines[-1]}")
        rows = int(json.loads(out)["rows"])
        fh.flush()
        with self.part.open("rb") as src:
            shutil.copyfileobj(src, fh.buffer, 1 << 20)
        return rows


@contextmanager
def second_half(
    engine: Engine, slug: str, kind: str, first: str, directory: Path, rehearsal: bool = False
) -> Iterator[SecondHalf]:
    """Start a worker writing ``kind`` lines of the respondents from ``first`` on; on leaving,
    a worker still running is killed and the part file removed."""
    fd, name = tempfile.mkstemp(prefix=".export-part.", dir=directory)
    os.close(fd)
    request = {
        "url": engine.url.render_as_string(hide_password=False),
        "slug": slug,
        "kind": kind,
        "first": first,
        "path": name,
        "rehearsal": rehearsal,
    }
    env = dict(os.environ)
    # The package's own parent first, so a checkout that is run without being installed works.
    root = str(Path(hhvalues.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    # A request of a few hundred bytes fits in the pipe's buffer: written before the worker reads.
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", PART_MODULE],
            env=env,
            stdin=read_end,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(read_end)
    try:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(json.dumps(request).encode())
        yield SecondHalf(proc, Path(name))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        Path(name).unlink(missing_ok=True)


__all__ = ["PART_MODULE", "SecondHalf", "second_half"]
