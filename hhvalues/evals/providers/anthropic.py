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
from collections.abc import Mapping
from typing import Any

from hhvalues.errors import MissingExtraError, ProviderError
from hhvalues.evals.conditions import Condition
from hhvalues.evals.prompts import Image, Prompt
from hhvalues.evals.providers.base import (
    Failure,
    Reply,
    decode_json,
    dropped_keys,
    parse_retry_after,
    rejected_params,
    split_kwargs,
)

_STOP = {"end_turn": "end", "stop_sequence": "end", "max_tokens": "max_tokens",
         "model_context_window_exceeded": "max_tokens", "refusal": "refusal"}


def build_body(prompt: Prompt, condition: Condition, *, model: str) -> dict[str, Any]:
    """The Messages API request body for a prompt (pure; no SDK needed)."""
    messages = []
    for turn in prompt.turns:
        content: list[dict[str, Any]] = []
        for part in turn.parts:
            if isinstance(part, Image):
                content.append({"type": "image", "source": {
                    "type": "base64", "media_type": "image/png",
                    "data": base64.b64encode(part.png).decode("ascii")}})
            else:
                content.append({"type": "text", "text": part})
        messages.append({"role": turn.role, "content": content})
    body: dict[str, Any] = {"model": model, "max_tokens": condition.max_tokens, "messages": messages}
    if prompt.system:
        body["system"] = prompt.system
    if condition.temperature is not None:
        body["temperature"] = condition.temperature
    body.update(condition.params)
    return body


def read_message(doc: Mapping[str, Any]) -> tuple[str | None, str | None, str | None, int, int]:
    """(text, normalised stop reason, model id, input tokens, output tokens) of a message."""
    blocks = doc.get("content") or []
    texts = [b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text"]
    usage = doc.get("usage") or {}
    stop = doc.get("stop_reason")
    return ("".join(texts) if texts else None, _STOP.get(stop, "end") if stop else None,
            doc.get("model"), int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))


class AnthropicProvider:
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
            raise ProviderError(f"cannot create the client: {exc} (set ANTHROPIC_API_KEY)",
                                where="anthropic") from None
        self._sdk = anthropic
        self.model = model
        self.base_url = str(self._client.base_url)
        self.sdk_version = f"anthropic {anthropic.__version__}"
        self._accepted = set(inspect.signature(self._client.messages.create).parameters)

    @property
    def client(self) -> Any:
        """The SDK client (batch mode uses it with the SDK's own retries)."""
        return self._client

    def build_body(self, prompt: Prompt, condition: Condition) -> dict[str, Any]:
        """See :func:`build_body`."""
        return build_body(prompt, condition, model=self.model)

    async def send(self, body: Mapping[str, Any], *, timeout: float) -> Reply | Failure:
        """One Messages API call; never raises for API failures."""
        sdk = self._sdk
        known, extra = split_kwargs(body, self._accepted)
        try:
            raw = await self._client.messages.with_raw_response.create(
                **known, extra_body=extra or None, timeout=timeout)
            http = raw.http_response
            data = await http.aread()
        except sdk.APIStatusError as exc:
            msg = _error_message(exc.body) or str(exc)
            return Failure("status", msg, status=exc.status_code,
                           retry_after=parse_retry_after(exc.response.headers), body=exc.body,
                           sent=decode_json(exc.response.request.content) or {},
                           rejected=rejected_params(body, msg) if exc.status_code in (400, 422) else ())
        except sdk.APITimeoutError:
            return Failure("timeout", f"no reply within {timeout:g} s")
        except sdk.APIConnectionError as exc:
            return Failure("connection", f"connection failed: {exc.__cause__ or exc}")
        except (TypeError, ValueError) as exc:
            return Failure("client", f"the SDK refused the request: {exc}")
        sent = decode_json(raw.http_request.content) or {}
        doc = decode_json(data)
        if not isinstance(doc, dict):
            return Failure("status", "the response body is not a JSON object", status=raw.status_code,
                           body=bytes(data[:2000]).decode("utf-8", "replace"), sent=sent)
        text, stop, model_id, n_in, n_out = read_message(doc)
        return Reply(text, stop, None, model_id, n_in, n_out, doc, sent, dropped_keys(body, sent))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()


def _error_message(body: object) -> str:
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
    return ""


__all__ = ["AnthropicProvider", "build_body", "read_message"]
