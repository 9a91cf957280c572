"""OpenAI chat completions, and any OpenAI-compatible endpoint by base URL (vLLM, llama.cpp,
Ollama), through the official ``AsyncOpenAI`` client.

The SDK is imported when :class:`OpenAIProvider` is made. The key comes from
``OPENAI_API_KEY`` (read by the SDK); an OpenAI-compatible server that needs none gets a
placeholder key. Images are sent as ``data:image/png;base64`` URLs of the participants' PNGs.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
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

KEY_ENV = "OPENAI_API_KEY"
_STOP = {
    "stop": "end",
    "length": "max_tokens",
    "content_filter": "refusal",
    "tool_calls": "end",
    "function_call": "end",
}


def build_body(
    prompt: Prompt, condition: Condition, *, model: str, compatible: bool = False
) -> dict[str, Any]:
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
    return with_params(body, condition)


def build_compatible_body(prompt: Prompt, condition: Condition, *, model: str) -> dict[str, Any]:
    """The body for an OpenAI-compatible server (see :func:`build_body`)."""
    return build_body(prompt, condition, model=model, compatible=True)


def read_completion(doc: Mapping[str, Any]) -> ReplyFields:
    """The reply fields of a chat completion."""
    choices = doc.get("choices") or [{}]
    first = choices[0] if isinstance(choices[0], dict) else {}
    msg = first.get("message") or {}
    usage = doc.get("usage") or {}
    finish = first.get("finish_reason")
    return ReplyFields(
        msg.get("content"),
        _STOP.get(finish, "end") if finish else None,
        msg.get("refusal"),
        doc.get("model"),
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )


class OpenAIProvider(SdkProvider):
    """``AsyncOpenAI`` with ``max_retries=0``; the runner retries."""

    def __init__(
        self, model: str, *, base_url: str | None = None, compatible: bool = False
    ) -> None:
        try:
            import openai
        except ImportError:
            raise MissingExtraError("the openai provider", "openai") from None
        if compatible and not base_url:
            raise ProviderError(
                "needs --base-url (the server's OpenAI-compatible /v1 URL)",
                where="openai-compatible",
            )
        key = None
        if compatible and not os.environ.get(KEY_ENV):
            key = "not-needed"  # local servers ignore it; the SDK insists on one
        try:
            self._client = openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0)
        except openai.OpenAIError as exc:
            raise ProviderError(
                f"cannot create the client: {exc} (set {KEY_ENV})", where="openai"
            ) from None
        self._sdk = openai
        self.name = "openai-compatible" if compatible else "openai"
        self.compatible = compatible
        self.model = model
        self.base_url = str(self._client.base_url)
        self.sdk_version = f"openai {openai.__version__}"
        self._accepted = set(inspect.signature(self._client.chat.completions.create).parameters)

    def build_body(self, prompt: Prompt, condition: Condition) -> dict[str, Any]:
        """See :func:`build_body`."""
        return build_body(prompt, condition, model=self.model, compatible=self.compatible)

    def _create(self) -> Callable[..., Awaitable[Any]]:
        create: Callable[..., Awaitable[Any]] = (
            self._client.chat.completions.with_raw_response.create
        )
        return create

    def _read(self, doc: Mapping[str, Any]) -> ReplyFields:
        return read_completion(doc)


def make_openai(model: str, *, base_url: str | None = None) -> OpenAIProvider:
    """The provider of OpenAI itself."""
    return OpenAIProvider(model, base_url=base_url)


def make_compatible(model: str, *, base_url: str | None = None) -> OpenAIProvider:
    """The provider of an OpenAI-compatible server (``base_url`` required)."""
    return OpenAIProvider(model, base_url=base_url, compatible=True)


class OpenAIBatches:
    """The Batch API: a JSONL file of requests uploaded, a batch polled, its output file read."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.output: dict[str, str] = {}

    async def submit(self, bodies: list[tuple[str, dict[str, Any]]]) -> str:
        """Upload the requests and create the batch; its id."""
        lines = [
            json.dumps(
                {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body},
                ensure_ascii=False,
            )
            for cid, body in bodies
        ]
        upload = await self.client.files.create(
            file=("hhvalues-batch.jsonl", ("\n".join(lines) + "\n").encode("utf-8")),
            purpose="batch",
        )
        batch = await self.client.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        return str(batch.id)

    async def ended(self, batch_id: str) -> bool:
        """Whether the batch has an output file to read; ProviderError when it failed."""
        batch = await self.client.batches.retrieve(batch_id)
        if batch.status in ("failed", "expired", "cancelled") and not batch.output_file_id:
            raise ProviderError(f"batch {batch_id} {batch.status}", where="openai")
        if batch.status in ("completed", "expired", "cancelled") and batch.output_file_id:
            self.output[batch_id] = batch.output_file_id
            return True
        return False

    async def results(self, batch_id: str) -> list[tuple[str, Reply | Failure]]:
        """Every request's reply or failure."""
        content = await self.client.files.content(self.output[batch_id])
        out: list[tuple[str, Reply | Failure]] = []
        for line in content.text.splitlines():
            if not line.strip():
                continue
            doc = json.loads(line)
            resp = doc.get("response") or {}
            body = resp.get("body") or {}
            if resp.get("status_code") == 200 and not doc.get("error"):
                out.append((doc["custom_id"], reply_of(read_completion(body), body)))
            else:
                err: dict[str, Any] = (
                    body["error"]
                    if isinstance(body.get("error"), dict)
                    else (doc.get("error") or {})
                )
                msg_text = str(err.get("message") or "batch request failed")
                out.append(
                    (
                        doc["custom_id"],
                        Failure(
                            "status",
                            msg_text,
                            status=resp.get("status_code"),
                            body=body or doc.get("error"),
                            rejected=batch_rejected(msg_text),
                        ),
                    )
                )
        return out


__all__ = [
    "KEY_ENV",
    "OpenAIBatches",
    "OpenAIProvider",
    "build_body",
    "build_compatible_body",
    "make_compatible",
    "make_openai",
    "read_completion",
]
