"""Anthropic Messages API through the official ``AsyncAnthropic`` client.

The SDK is imported when :class:`AnthropicProvider` is made, never at module import. The key
comes from ``ANTHROPIC_API_KEY`` (read by the SDK), the endpoint from ``--base-url`` or
``ANTHROPIC_BASE_URL``. Parameters the installed SDK's ``messages.create`` does not name (this
SDK has no ``temperature`` argument) travel in ``extra_body``; what was actually sent is read
back from the HTTP request, so a dropped parameter is seen.
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from hhvalues.errors import MissingExtraError, ProviderError
from hhvalues.evals.conditions import Condition
from hhvalues.evals.prompts import Image, Prompt
from hhvalues.evals.providers.base import (
    Failure,
    Reply,
    ReplyFields,
    SdkProvider,
    batch_rejected,
    reply_of,
    with_params,
)

KEY_ENV = "ANTHROPIC_API_KEY"
_STOP = {
    "end_turn": "end",
    "stop_sequence": "end",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "refusal": "refusal",
}


def build_body(prompt: Prompt, condition: Condition, *, model: str) -> dict[str, Any]:
    """The Messages API request body for a prompt (pure; no SDK needed)."""
    messages = []
    for turn in prompt.turns:
        content: list[dict[str, Any]] = []
        for part in turn.parts:
            if isinstance(part, Image):
                content.append(
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": base64.b64encode(part.png).decode("ascii"),
                        },
                    }
                )
            else:
                content.append({"type": "text", "text": part})
        messages.append({"role": turn.role, "content": content})
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": condition.max_tokens,
        "messages": messages,
    }
    if prompt.system:
        body["system"] = prompt.system
    if condition.temperature is not None:
        body["temperature"] = condition.temperature
    return with_params(body, condition)


def read_message(doc: Mapping[str, Any]) -> ReplyFields:
    """The reply fields of a Messages API response (Anthropic names no refusal text)."""
    blocks = doc.get("content") or []
    texts = [b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text"]
    usage = doc.get("usage") or {}
    stop = doc.get("stop_reason")
    return ReplyFields(
        "".join(texts) if texts else None,
        _STOP.get(stop, "end") if stop else None,
        None,
        doc.get("model"),
        int(usage.get("input_tokens") or 0),
        int(usage.get("output_tokens") or 0),
    )


class AnthropicProvider(SdkProvider):
    """``AsyncAnthropic`` with ``max_retries=0``; the runner retries."""

    name = "anthropic"

    def __init__(self, model: str, *, base_url: str | None = None) -> None:
        try:
            import anthropic
        except ImportError:
            raise MissingExtraError("the anthropic provider", "anthropic") from None
        try:
            self._client = anthropic.AsyncAnthropic(base_url=base_url, max_retries=0)
        except anthropic.AnthropicError as exc:
            raise ProviderError(
                f"cannot create the client: {exc} (set {KEY_ENV})", where="anthropic"
            ) from None
        self._sdk = anthropic
        self.model = model
        self.base_url = str(self._client.base_url)
        self.sdk_version = f"anthropic {anthropic.__version__}"
        self._accepted = set(inspect.signature(self._client.messages.create).parameters)

    def build_body(self, prompt: Prompt, condition: Condition) -> dict[str, Any]:
        """See :func:`build_body`."""
        return build_body(prompt, condition, model=self.model)

    def _create(self) -> Callable[..., Awaitable[Any]]:
        create: Callable[..., Awaitable[Any]] = self._client.messages.with_raw_response.create
        return create

    def _read(self, doc: Mapping[str, Any]) -> ReplyFields:
        return read_message(doc)

    def _error_message(self, body: object) -> str:
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, dict) and isinstance(err.get("message"), str):
                return str(err["message"])
        return ""


class AnthropicBatches:
    """Message Batches: one batch of up to 10,000 requests, polled, then streamed back."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def submit(self, bodies: list[tuple[str, dict[str, Any]]]) -> str:
        """Create the batch; its id."""
        batch = await self.client.messages.batches.create(
            requests=[{"custom_id": cid, "params": body} for cid, body in bodies]
        )
        return str(batch.id)

    async def ended(self, batch_id: str) -> bool:
        """Whether processing has ended."""
        batch = await self.client.messages.batches.retrieve(batch_id)
        return bool(batch.processing_status == "ended")

    async def results(self, batch_id: str) -> list[tuple[str, Reply | Failure]]:
        """Every request's reply or failure."""
        out: list[tuple[str, Reply | Failure]] = []
        async for item in await self.client.messages.batches.results(batch_id):
            doc = item.to_dict()
            result = doc.get("result") or {}
            if result.get("type") == "succeeded":
                msg = result.get("message") or {}
                out.append((doc["custom_id"], reply_of(read_message(msg), msg)))
            else:
                err: dict[str, Any] = result.get("error") or {}
                inner: dict[str, Any] = err["error"] if isinstance(err.get("error"), dict) else err
                msg_text = str(inner.get("message") or result.get("type"))
                out.append(
                    (
                        doc["custom_id"],
                        Failure("status", msg_text, body=err, rejected=batch_rejected(msg_text)),
                    )
                )
        return out


__all__ = ["KEY_ENV", "AnthropicBatches", "AnthropicProvider", "build_body", "read_message"]
