"""The providers, one table: :data:`PROVIDERS` maps a name to everything the harness needs of it.

``anthropic`` (Messages API), ``openai`` (chat completions) and ``openai-compatible`` (any
server speaking chat completions at ``--base-url``: vLLM, llama.cpp, Ollama). The CLI's
``--provider`` choices, the live runner, the response-cache replay and batch mode all read this
table; adding a provider is a module beside these and one entry here (CONTRIBUTING.md). Each SDK
is imported only when its provider is made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hhvalues.errors import ProviderError
from hhvalues.evals.conditions import Condition
from hhvalues.evals.prompts import Prompt
from hhvalues.evals.providers import anthropic, openai
from hhvalues.evals.providers.base import (
    BatchAPI,
    Failure,
    Provider,
    Reply,
    ReplyFields,
    reply_of,
)


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """What the harness needs of one provider."""

    make: Callable[..., Provider]
    """``make(model, *, base_url=None)``: the provider, its SDK imported now (MissingExtraError
    with the install line when absent)."""
    build_body: Callable[..., dict[str, Any]]
    """``build_body(prompt, condition, *, model=...)``: the wire body (pure; dry runs and batch
    files need no SDK)."""
    read_reply: Callable[[Mapping[str, Any]], ReplyFields]
    """The reply fields of a response document (live, cached or from a batch)."""
    key_env: str
    """The environment variable the SDK reads the API key from (named in error messages)."""
    batch: Callable[[Any], BatchAPI] | None = None
    """``batch(sdk_client)``: the provider's batch API, or None when it has none."""


PROVIDERS: Mapping[str, ProviderSpec] = MappingProxyType(
    {
        "anthropic": ProviderSpec(
            anthropic.AnthropicProvider,
            anthropic.build_body,
            anthropic.read_message,
            anthropic.KEY_ENV,
            anthropic.AnthropicBatches,
        ),
        "openai": ProviderSpec(
            openai.make_openai,
            openai.build_body,
            openai.read_completion,
            openai.KEY_ENV,
            openai.OpenAIBatches,
        ),
        "openai-compatible": ProviderSpec(
            openai.make_compatible,
            openai.build_compatible_body,
            openai.read_completion,
            openai.KEY_ENV,
        ),
    }
)
"""Provider name → :class:`ProviderSpec`."""


def provider_spec(name: str) -> ProviderSpec:
    """The spec of a provider; ProviderError naming the known ones when there is none."""
    spec = PROVIDERS.get(name)
    if spec is None:
        raise ProviderError(f"unknown provider {name!r} (have: {', '.join(PROVIDERS)})")
    return spec


def make_provider(name: str, model: str, *, base_url: str | None = None) -> Provider:
    """Build a provider; MissingExtraError names the pip line when its SDK is absent."""
    return provider_spec(name).make(model, base_url=base_url)


def build_body(name: str, prompt: Prompt, condition: Condition, *, model: str) -> dict[str, Any]:
    """The wire body a provider would send (pure: no SDK, no client)."""
    return provider_spec(name).build_body(prompt, condition, model=model)


def replay(name: str, raw: Mapping[str, Any], sent: Mapping[str, Any] | None = None) -> Reply:
    """A stored response document (the response cache) read as the provider reads a live one."""
    return reply_of(provider_spec(name).read_reply(raw), raw, sent)


def batch_api(name: str, client: Any) -> BatchAPI:
    """The batch API of provider ``name`` on an SDK client; ProviderError for a provider
    without one."""
    spec = provider_spec(name)
    if spec.batch is None:
        have = " or ".join(n for n, s in PROVIDERS.items() if s.batch is not None)
        raise ProviderError(f"batch mode needs the {have} provider", where=name)
    return spec.batch(client)


__all__ = [
    "PROVIDERS",
    "BatchAPI",
    "Failure",
    "Provider",
    "ProviderSpec",
    "Reply",
    "ReplyFields",
    "batch_api",
    "build_body",
    "make_provider",
    "provider_spec",
    "replay",
]
