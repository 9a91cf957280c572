"""What every provider returns: a :class:`Reply` or a classified :class:`Failure`, never raises.

A provider turns a :class:`~hhvalues.evals.prompts.Prompt` into its wire body with a pure
function (so dry runs and batch files need no SDK), sends the body through the official async
SDK with the SDK's own retries off (the runner is the one retry layer), and reports the body
exactly as it went over the wire, read back from the SDK's HTTP request. :class:`SdkProvider`
is that sending, once, for every SDK built like Anthropic's and OpenAI's (``APIStatusError``,
``APITimeoutError``, ``APIConnectionError``, ``with_raw_response``); a provider module adds its
body builder, its reply reader (:class:`ReplyFields`) and its SDK call.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from hhvalues.evals.conditions import RESERVED_PARAMS, Condition

NO_RETRY = frozenset({400, 401, 403, 404, 422})
ABORT = frozenset({401, 403, 404})
"""Statuses that end the whole run (wrong key, no access, unknown model)."""
CORE_KEYS = frozenset({"model", "messages", "system", "max_tokens", "max_completion_tokens"})
"""Body keys that are the request itself, never a droppable parameter."""


class ReplyFields(NamedTuple):
    """What a provider's reply reader takes out of a response document."""

    text: str | None
    stop_reason: str | None
    """Normalised: ``end``, ``max_tokens``, ``refusal``."""
    refusal: str | None
    model_id: str | None
    input_tokens: int
    output_tokens: int


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
        return self.status not in NO_RETRY and (
            self.status in (408, 409, 429) or self.status >= 500
        )

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

    @property
    def client(self) -> Any:
        """The SDK client (batch mode uses it with the SDK's own retries)."""
        ...

    async def send(self, body: Mapping[str, Any], *, timeout: float) -> Reply | Failure:
        """Send one wire body; never raises for API failures."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...


def reply_of(
    fields: ReplyFields,
    raw: Mapping[str, Any],
    sent: Mapping[str, Any] | None = None,
    dropped: tuple[str, ...] = (),
) -> Reply:
    """A :class:`Reply` from what a reader took out of ``raw``."""
    return Reply(*fields, raw=raw, sent=sent or {}, dropped=dropped)


def with_params(body: dict[str, Any], condition: Condition) -> dict[str, Any]:
    """``body`` with the condition's further parameters added; none may replace a key the body
    already has (a validated field such as ``temperature``): ValueError if one would."""
    clash = sorted((set(condition.params) & set(body)) | (set(condition.params) & RESERVED_PARAMS))
    if clash:
        raise ValueError(f"condition {condition.name!r}: params may not set {', '.join(clash)}")
    body.update(condition.params)
    return body


class SdkProvider:
    """The shared ``send`` of an SDK provider; subclasses set the attributes in ``__init__`` and
    implement :meth:`_create` and :meth:`_read`."""

    name: str
    model: str
    base_url: str
    sdk_version: str
    _sdk: Any
    """The SDK module (its exception classes)."""
    _client: Any
    _accepted: set[str]
    """Keyword parameters the SDK method names (the rest of a body goes in ``extra_body``)."""

    @property
    def client(self) -> Any:
        """The SDK client (batch mode uses it with the SDK's own retries)."""
        return self._client

    def _create(self) -> Callable[..., Awaitable[Any]]:
        """The SDK's raw-response create method."""
        raise NotImplementedError

    def _read(self, doc: Mapping[str, Any]) -> ReplyFields:
        """The reply fields of a response document."""
        raise NotImplementedError

    def _error_message(self, body: object) -> str:
        """The message of an error response body ("" when it has none)."""
        if isinstance(body, dict):
            err = body.get("error", body)
            if isinstance(err, dict) and isinstance(err.get("message"), str):
                return str(err["message"])
        return ""

    async def send(self, body: Mapping[str, Any], *, timeout: float) -> Reply | Failure:
        """One call; never raises for API failures."""
        sdk = self._sdk
        known, extra = split_kwargs(body, self._accepted)
        try:
            raw = await self._create()(**known, extra_body=extra or None, timeout=timeout)
            data = await raw.http_response.aread()
        except sdk.APIStatusError as exc:
            msg = self._error_message(exc.body) or str(exc)
            return Failure(
                "status",
                msg,
                status=exc.status_code,
                retry_after=parse_retry_after(exc.response.headers),
                body=exc.body,
                sent=decode_json(exc.response.request.content) or {},
                rejected=rejected_params(body, msg) if exc.status_code in (400, 422) else (),
            )
        except sdk.APITimeoutError:
            return Failure("timeout", f"no reply within {timeout:g} s")
        except sdk.APIConnectionError as exc:
            return Failure("connection", f"connection failed: {exc.__cause__ or exc}")
        except (TypeError, ValueError) as exc:
            return Failure("client", f"the SDK refused the request: {exc}")
        sent = decode_json(raw.http_request.content) or {}
        doc = decode_json(data)
        if not isinstance(doc, dict):
            return Failure(
                "status",
                "the response body is not a JSON object",
                status=raw.status_code,
                body=bytes(data[:2000]).decode("utf-8", "replace"),
                sent=sent,
            )
        return reply_of(self._read(doc), doc, sent, dropped_keys(body, sent))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()


class BatchAPI(Protocol):
    """A provider's batch endpoint, as batch mode drives it."""

    async def submit(self, bodies: list[tuple[str, dict[str, Any]]]) -> str:
        """Submit (custom id, body) requests; the batch id."""
        ...

    async def ended(self, batch_id: str) -> bool:
        """Whether the batch has finished."""
        ...

    async def results(self, batch_id: str) -> list[tuple[str, Reply | Failure]]:
        """(custom id, reply or failure) of every request of a finished batch."""
        ...


def batch_rejected(message: str) -> tuple[str, ...]:
    """Sampling parameters a failed batch request's message names."""
    low = message.lower()
    return tuple(
        k
        for k in ("temperature", "top_p", "top_k", "max_tokens", "stop_sequences")
        if re.search(rf"\b{k}\b", low)
    )


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
    return tuple(
        k for k in body if k not in CORE_KEYS and re.search(rf"\b{re.escape(k.lower())}\b", low)
    )


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


def split_kwargs(
    body: Mapping[str, Any], accepted: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Body keys the SDK method names as parameters, and the rest (sent as ``extra_body``)."""
    names = set(accepted)
    known = {k: v for k, v in body.items() if k in names}
    extra = {k: v for k, v in body.items() if k not in names}
    return known, extra


__all__ = [
    "ABORT",
    "CORE_KEYS",
    "NO_RETRY",
    "BatchAPI",
    "Failure",
    "Provider",
    "Reply",
    "ReplyFields",
    "SdkProvider",
    "batch_rejected",
    "decode_json",
    "dropped_keys",
    "parse_retry_after",
    "rejected_params",
    "reply_of",
    "split_kwargs",
    "with_params",
]
