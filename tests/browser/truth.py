"""Needles for the secrecy scan: a test item's truth as it would look if it reached the browser.

Built from the bank *file* (the truth the app must never send), in every serialisation a page
could plausibly produce: JSON (spaced, compact, with integral weights as ints, sorted keys),
Python ``repr``/``str`` of the weights and of the whole truth object, the dataclass repr, and
the names of truth-only fields. Needles that also occur in the public (truth-free) bank, or in
a *training* item's truth (training feedback may show it), are dropped, so a hit is a leak.
PNG data URIs and base64 bodies are decoded before the search (text chunks in images).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FIELD_NEEDLES = (
    "ideal_accuracy",
    '"rationality"',
    "'rationality'",
    "rationality=",
    '"truth"',
    "'truth'",
    "truth=",
    "Truth(",
)
_DATA_URI = re.compile(rb"data:image/[a-z]+;base64,([A-Za-z0-9+/=]+)")


def _num(v: float) -> Any:
    return int(v) if float(v).is_integer() else v


def weight_forms(weights: Mapping[str, float]) -> set[str]:
    """Serialisations of one weight vector."""
    w = {k: float(v) for k, v in weights.items()}
    wi = {k: _num(v) for k, v in w.items()}
    out = set()
    for d in (w, wi):
        for sort in (False, True):
            out.add(json.dumps(d, sort_keys=sort))
            out.add(json.dumps(d, sort_keys=sort, separators=(",", ":")))
        out.add(repr(d))
    return out


def truth_forms(truth: Mapping[str, Any]) -> set[str]:
    """Serialisations of a whole truth object (weights included)."""
    out = weight_forms(truth["weights"])
    out.add(json.dumps(truth))
    out.add(json.dumps(truth, separators=(",", ":")))
    out.add(repr(dict(truth)))
    out.add(json.dumps(truth["answers"]) if len(truth["answers"]) > 1 else "")
    return {s for s in out if s}


def needles(bank_path: Path) -> dict[str, str]:
    """Needle → the test/catch item it betrays (field-name needles map to ``*``)."""
    doc = json.loads(bank_path.read_text())
    public = json.dumps(
        {k: v for k, v in doc.items() if k != "items"}
        | {"items": [{k: v for k, v in it.items() if k != "truth"} for it in doc["items"]]}
    )
    public_compact = json.dumps(json.loads(public), separators=(",", ":"))
    training: set[str] = set()
    for it in doc["items"]:
        if it["split"] == "train":
            training |= truth_forms(it["truth"])
    out: dict[str, str] = {}
    for it in doc["items"]:
        if it["split"] == "train":
            continue
        for form in truth_forms(it["truth"]):
            if form not in training and form not in public and form not in public_compact:
                out[form] = it["id"]
    for f in FIELD_NEEDLES:
        assert f not in public, f"field needle {f!r} occurs in the public bank"
        out[f] = "*"
    return out


def expand(blob: bytes) -> list[bytes]:
    """The blob plus every base64 image inside it, decoded."""
    out = [blob]
    for m in _DATA_URI.finditer(blob):
        with contextlib.suppress(ValueError):  # not base64 after all: the blob itself is scanned
            out.append(base64.b64decode(m.group(1) + b"=="))
    return out


def scan(blobs: Iterable[bytes | str], table: Mapping[str, str]) -> list[tuple[str, str, int]]:
    """(needle, item, blob index) of every needle found in any blob."""
    encoded = [(n.encode("utf-8"), n, item) for n, item in table.items()]
    hits = []
    for i, blob in enumerate(blobs):
        raw = blob.encode("utf-8") if isinstance(blob, str) else blob
        for part in expand(raw):
            for nb, n, item in encoded:
                if nb in part:
                    hits.append((n, item, i))
    return hits
