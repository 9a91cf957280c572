"""Where a run's results go: answer sinks, the request log, the response cache, the manifest.

Files of a run writing ``answers.jsonl``:

``answers.jsonl``
    Append-only answers (docs/formats.md §2 plus run fields). One line per finished call, written with
    one ``write`` and flushed, so a killed run loses at most the line being written, which a
    rerun discards. A rerun skips every (respondent, item, epoch) already there.
``answers.requests.jsonl``
    Every call as sent and as answered: the wire body (base64 images replaced by
    ``sha256:<hex>``, the PNGs kept once in ``answers.images/``), the raw response or the
    error, attempts, timing. Appended before the answer line.
``answers.manifest.json``
    Bank hash, conditions, provider, base URL, dated model ids, SDK versions, seeds, counts.

The response cache (a directory) keys each successful response by (provider, base URL,
request body, epoch); errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from hhvalues.core.answers import Answer, Status, dumps_answer, parse_answer
from hhvalues.core.bank import write_text_atomic

Key = tuple[str, str, int]
"""(respondent, item, epoch)."""


class AnswerSink(Protocol):
    """Receives finished answers; the store sink (answers table) implements the same."""

    def done(self) -> dict[Key, Status]:
        """Answers already recorded, with their status."""
        ...

    def write(self, answer: Answer) -> None:
        """Record one answer durably before returning."""
        ...

    def drop_errors(self) -> int:
        """Forget answers with status ``error`` so they are asked again; returns how many."""
        ...

    def close(self) -> None:
        """Flush and release."""
        ...


class JsonlSink:
    """Append-only JSONL answers file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._done = self._repair_and_read()
        self._fh = self.path.open("a", encoding="utf-8")

    def _repair_and_read(self) -> dict[Key, Status]:
        done: dict[Key, Status] = {}
        if not self.path.exists():
            return done
        good: list[str] = []
        damaged = False
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                ans = parse_answer(json.loads(line))
            except Exception:  # noqa: BLE001 - a torn last line from a killed run
                damaged = True
                continue
            good.append(line)
            done[(ans.respondent, ans.item, ans.epoch)] = ans.status
        if damaged:
            write_text_atomic(self.path, "".join(g + "\n" for g in good))
        return done

    def done(self) -> dict[Key, Status]:
        """See :class:`AnswerSink`."""
        return dict(self._done)

    def write(self, answer: Answer) -> None:
        """See :class:`AnswerSink`."""
        self._fh.write(dumps_answer(answer) + "\n")
        self._fh.flush()
        self._done[(answer.respondent, answer.item, answer.epoch)] = answer.status

    def drop_errors(self) -> int:
        """Rewrite the file atomically without its ``error`` lines."""
        self._fh.close()
        keep, dropped = [], 0
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if json.loads(line).get("status") == Status.ERROR.value:
                dropped += 1
            else:
                keep.append(line)
        write_text_atomic(self.path, "".join(k + "\n" for k in keep))
        self._done = {k: s for k, s in self._done.items() if s is not Status.ERROR}
        self._fh = self.path.open("a", encoding="utf-8")
        return dropped

    def close(self) -> None:
        """See :class:`AnswerSink`."""
        self._fh.close()


def sibling(answers: str | os.PathLike[str], suffix: str) -> Path:
    """``answers.jsonl`` → ``answers.<suffix>``."""
    p = Path(answers)
    stem = p.name.removesuffix(".jsonl")
    return p.with_name(f"{stem}.{suffix}")


class RequestLog:
    """Append-only record of every call (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.images = path.with_name(path.name.replace(".requests.jsonl", "") + ".images")
        self._fh = path.open("a", encoding="utf-8")
        self._stored: set[str] = set()

    def append(self, record: Mapping[str, Any]) -> None:
        """Write one record (images in ``record['sent']`` are moved out to files)."""
        rec = dict(record)
        if "sent" in rec:
            rec["sent"] = self._strip_images(rec["sent"])
        self._fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()

    def _strip_images(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            if obj.get("type") == "base64" and isinstance(obj.get("data"), str):
                return {**obj, "data": self._store(obj["data"])}
            url = obj.get("url")
            if isinstance(url, str) and url.startswith("data:image/png;base64,"):
                return {**obj, "url": "data:image/png;" + self._store(url.split(",", 1)[1])}
            return {k: self._strip_images(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self._strip_images(v) for v in obj]
        return obj

    def _store(self, b64: str) -> str:
        import base64

        png = base64.b64decode(b64)
        digest = hashlib.sha256(png).hexdigest()
        if digest not in self._stored:
            target = self.images / f"{digest}.png"
            if not target.exists():
                self.images.mkdir(parents=True, exist_ok=True)
                target.write_bytes(png)
            self._stored.add(digest)
        return f"sha256:{digest}"

    def close(self) -> None:
        """Close the file."""
        self._fh.close()


class ResponseCache:
    """Successful raw responses keyed by (provider, base URL, body, epoch); one file each."""

    def __init__(self, root: str | os.PathLike[str] | None) -> None:
        self.root = Path(root) if root is not None else None

    @staticmethod
    def key(provider: str, base_url: str, body: Mapping[str, Any], epoch: int) -> str:
        """sha256 of the canonical key document."""
        doc = json.dumps(
            [provider, base_url.rstrip("/"), body, epoch],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(doc.encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached record, or None."""
        if self.root is None:
            return None
        path = self.root / key[:2] / f"{key}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        """Store a successful response (callers never pass errors)."""
        if self.root is None:
            return
        write_text_atomic(
            self.root / key[:2] / f"{key}.json",
            json.dumps(record, ensure_ascii=False, separators=(",", ":")),
        )


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    """Write the run manifest atomically."""
    write_text_atomic(path, json.dumps(manifest, indent=1, ensure_ascii=False, default=str) + "\n")


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or None when absent or unreadable."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def count_lines(paths: Iterable[Path]) -> int:
    """Total lines of existing files."""
    return sum(sum(1 for _ in p.open(encoding="utf-8")) for p in paths if p.exists())


__all__ = [
    "AnswerSink",
    "JsonlSink",
    "Key",
    "RequestLog",
    "ResponseCache",
    "count_lines",
    "read_json",
    "sibling",
    "write_manifest",
]
