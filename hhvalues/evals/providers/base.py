"""What every provider returns: a :class:`Reply` or a classified :class:`Failure`, never raises.

A provider turns a :class:`~hhvalues.evals.prompts.Prompt` into its wire body with a pure
function (so dry runs and batch files need no SDK), sends the body through the official async
SDK with the SDK's own retries off (the runner is the one retry layer), and reports the body
exactly as it went over the wire, read back from the SDK's HTTP request.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

NO_RETRY = frozenset({400, 401, 403, 404, 422})
ABORT = frozenset({401, 403, 404})
"""Statuses that end the whole run (wrong key, no access, unknown model)."""
CORE_KEYS = frozenset({"model", "messages", "system", "max_tokens", "max_completion_tokens"})
"""Body keys that are the request itself, never a droppable parameter."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful HTTP exchange (a refusal is still a reply)."""

    text: str | None
    stop_reason: str | None
    """Normalised: ``end``, ``max_tokens``, ``refusal``."""
    refusal: str | None
    model_id: str | None
    """The dated model id the response names."""
    input_tokens: int
    output_tokens: int
    raw: Mapping[str, Any]
    """The response JSON as received."""
    sent: Mapping[str, Any] = field(default_factory=dict)
    """The request body as it went over the wire."""
    dropped: tuple[str, ...] = ()
    """Keys of the intended body the SDK left out or changed."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed call, classified for the runner."""

    kind: str
    """``status``, ``timeout``, ``connection`` or ``client``."""
    message: str
    status: int | None = None
    retry_after: float | None = None
    body: Any = None
    sent: Mapping[str, Any] = field(default_factory=dict)
    rejected: tuple[str, ...] = ()
    """Body parameters a 400/422 names (e.g. ``temperature``)."""

    @property
    def retryable(self) -> bool:
        """429, 5xx, 408/409, timeouts and dropped connections are retried; 4xx others not."""
        if self.kind in ("timeout", "connection"):
            return True
        if self.kind != "status" or self.status is None:
            return False
        return self.status not in NO_RETRY and (self.status in (408, 409, 429) or self.status >= 500)

    @property
    def aborts_run(self) -> bool:
        """Authentication, permission, not-found, or the SDK refusing to send (e.g. no key):
        no later call can succeed."""
        return self.kind == "client" or (self.kind == "status" and self.status in ABORT)


class Provider(Protocol):
    """An async model endpoint."""

    name: str
    model: str
    base_url: str
    sdk_version: str

    async def send(self, body: Mapping[str, Any], *, timeout: float) -> Reply | Failure:
        """Send one wire body; never raises for API failures."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def rejected_params(body: Mapping[str, Any], message: str) -> tuple[str, ...]:
    """Body parameters an error message names (a 400 for ``temperature`` and the like)."""
    low = message.lower()
    return tuple(k for k in body if k not in CORE_KEYS and re.search(rf"\b{re.escape(k.lower())}\b", low))


def dropped_keys(intended: Mapping[str, Any], sent: Mapping[str, Any]) -> tuple[str, ...]:
    """Keys the SDK left out of, or changed in, the body it sent."""
    return tuple(k for k, v in intended.items() if k not in sent or sent[k] != v)


def decode_json(data: bytes | str | None) -> Any:
    """JSON or None; never raises."""
    if not data:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def split_kwargs(body: Mapping[str, Any], accepted: Iterable[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Body keys the SDK method names as parameters, and the rest (sent as ``extra_body``)."""
    names = set(accepted)
    known = {k: v for k, v in body.items() if k in names}
    extra = {k: v for k, v in body.items() if k not in names}
    return known, extra


__all__ = ["ABORT", "NO_RETRY", "Failure", "Provider", "Reply", "decode_json", "dropped_keys",
           "parse_retry_after", "rejected_params", "split_kwargs"]
