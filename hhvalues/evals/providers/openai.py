"""OpenAI chat completions, and any OpenAI-compatible endpoint by base URL (vLLM, llama.cpp,
Ollama), through the official ``AsyncOpenAI`` client.

The SDK is imported when :class:`OpenAIProvider` is made. The key comes from
``OPENAI_API_KEY`` (read by the SDK); an OpenAI-compatible server that needs none gets a
placeholder key. Images are sent as ``data:image/png;base64`` URLs of the participants' PNGs.
"""

from __future__ import annotations

import base64
import inspect
import os
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

_STOP = {"stop": "end", "length": "max_tokens", "content_filter": "refusal",
         "tool_calls": "end", "function_call": "end"}


def build_body(prompt: Prompt, condition: Condition, *, model: str,
               compatible: bool = False) -> dict[str, Any]:
    """The chat-completions body (pure). OpenAI itself takes ``max_completion_tokens``; a
    compatible server gets the older ``max_tokens``, which they all understand."""
    messages: list[dict[str, Any]] = []
    if prompt.system:
        messages.append({"role": "system", "content": prompt.system})
    for turn in prompt.turns:
        if len(turn.parts) == 1 and isinstance(turn.parts[0], str):
            messages.append({"role": turn.role, "content": turn.parts[0]})
            continue
        content: list[dict[str, Any]] = []
        for part in turn.parts:
            if isinstance(part, Image):
                url = "data:image/png;base64," + base64.b64encode(part.png).decode("ascii")
                content.append({"type": "image_url", "image_url": {"url": url}})
            else:
                content.append({"type": "text", "text": part})
        messages.append({"role": turn.role, "content": content})
    body: dict[str, Any] = {"model": model, "messages": messages}
    body["max_tokens" if compatible else "max_completion_tokens"] = condition.max_tokens
    if condition.temperature is not None:
        body["temperature"] = condition.temperature
    body.update(condition.params)
    return body


def read_completion(doc: Mapping[str, Any]) -> tuple[str | None, str | None, str | None,
                                                     str | None, int, int]:
    """(text, stop reason, refusal, model id, prompt tokens, completion tokens)."""
    choices = doc.get("choices") or [{}]
    first = choices[0] if isinstance(choices[0], dict) else {}
    msg = first.get("message") or {}
    usage = doc.get("usage") or {}
    finish = first.get("finish_reason")
    return (msg.get("content"), _STOP.get(finish, "end") if finish else None, msg.get("refusal"),
            doc.get("model"), int(usage.get("prompt_tokens") or 0),
            int(usage.get("completion_tokens") or 0))


class OpenAIProvider:
    """``AsyncOpenAI`` with ``max_retries=0``; the runner retries."""

    def __init__(self, model: str, *, base_url: str | None = None, compatible: bool = False) -> None:
        try:
            import openai
        except ImportError:
            raise MissingExtraError("the openai provider", "openai") from None
        if compatible and not base_url:
            raise ProviderError("needs --base-url (the server's OpenAI-compatible /v1 URL)",
                                where="openai-compatible")
        key = None
        if compatible and not os.environ.get("OPENAI_API_KEY"):
            key = "not-needed"  # local servers ignore it; the SDK insists on one
        try:
            self._client = openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0)
        except openai.OpenAIError as exc:
            raise ProviderError(f"cannot create the client: {exc} (set OPENAI_API_KEY)",
                                where="openai") from None
        self._sdk = openai
        self.name = "openai-compatible" if compatible else "openai"
        self.compatible = compatible
        self.model = model
        self.base_url = str(self._client.base_url)
        self.sdk_version = f"openai {openai.__version__}"
        self._accepted = set(inspect.signature(self._client.chat.completions.create).parameters)

    @property
    def client(self) -> Any:
        """The SDK client (batch mode uses it with the SDK's own retries)."""
        return self._client

    def build_body(self, prompt: Prompt, condition: Condition) -> dict[str, Any]:
        """See :func:`build_body`."""
        return build_body(prompt, condition, model=self.model, compatible=self.compatible)

    async def send(self, body: Mapping[str, Any], *, timeout: float) -> Reply | Failure:
        """One chat-completions call; never raises for API failures."""
        sdk = self._sdk
        known, extra = split_kwargs(body, self._accepted)
        try:
            raw = await self._client.chat.completions.with_raw_response.create(
                **known, extra_body=extra or None, timeout=timeout)
            data = raw.http_response.content
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
        text, stop, refusal, model_id, n_in, n_out = read_completion(doc)
        return Reply(text, stop, refusal, model_id, n_in, n_out, doc, sent, dropped_keys(body, sent))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()


def _error_message(body: object) -> str:
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
    return ""


__all__ = ["OpenAIProvider", "build_body", "read_completion"]
