"""The second export process itself: ``python -m hhvalues.store.exports.part``.

It reads one request as JSON on stdin (database URL, study, ``csv`` or ``jsonl``, the first
respondent of its half, the part file), writes that half's lines to the part file, prints
``{"rows": N}`` and exits 0, or prints one line and exits 2 (see
:mod:`~hhvalues.store.exports.worker`).
"""

from __future__ import annotations

import json
import sys

from hhvalues.errors import HHValuesError
from hhvalues.store.db import make_engine
from hhvalues.store.exports.answers import BODIES


def main() -> int:
    """Serve one request from stdin."""
    try:
        request = json.load(sys.stdin)
        engine = make_engine(request["url"])
        try:
            with open(request["path"], "w", encoding="utf-8", newline="") as fh:
                rows = BODIES[request["kind"]](
                    engine,
                    request["slug"],
                    fh,
                    (request["first"], None),
                    rehearsal=bool(request.get("rehearsal", False)),
                )
        finally:
            engine.dispose()
    except HHValuesError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["main"]
