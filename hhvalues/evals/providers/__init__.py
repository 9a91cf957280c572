"""Provider name → factory; each SDK is imported only when its provider is made.

``anthropic`` (Messages API), ``openai`` (chat completions) and ``openai-compatible`` (any
server speaking chat completions at ``--base-url``: vLLM, llama.cpp, Ollama).
"""

from __future__ import annotations

from typing import Any

from hhvalues.errors import ProviderError
from hhvalues.evals.conditions import Condition
from hhvalues.evals.prompts import Prompt
from hhvalues.evals.providers.base import Failure, Provider, Reply

PROVIDERS = ("anthropic", "openai", "openai-compatible")


def make_provider(name: str, model: str, *, base_url: str | None = None) -> Provider:
    """Build a provider; MissingExtraError names the pip line when its SDK is absent."""
    if name == "anthropic":
        from hhvalues.evals.providers.anthropic import AnthropicProvider

        return AnthropicProvider(model, base_url=base_url)
    if name in ("openai", "openai-compatible"):
        from hhvalues.evals.providers.openai import OpenAIProvider

        return OpenAIProvider(model, base_url=base_url, compatible=name == "openai-compatible")
    raise ProviderError(f"unknown provider {name!r} (have: {', '.join(PROVIDERS)})")


def build_body(name: str, prompt: Prompt, condition: Condition, *, model: str) -> dict[str, Any]:
    """The wire body a provider would send (pure: no SDK, no client)."""
    if name == "anthropic":
        from hhvalues.evals.providers import anthropic as a

        return a.build_body(prompt, condition, model=model)
    if name in ("openai", "openai-compatible"):
        from hhvalues.evals.providers import openai as o

        return o.build_body(prompt, condition, model=model, compatible=name == "openai-compatible")
    raise ProviderError(f"unknown provider {name!r} (have: {', '.join(PROVIDERS)})")


__all__ = ["PROVIDERS", "Failure", "Provider", "Reply", "build_body", "make_provider"]
