"""Model harness: conditions, prompts, providers, runner, answer parsing (issue 5).

Names are resolved lazily (PEP 562), so ``import hhvalues.evals`` stays cheap, and provider
SDKs are imported only when a provider is made: the package imports without the
``anthropic``/``openai`` extras.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AnswerSink": "log",
    "JsonlSink": "log",
    "ResponseCache": "log",
    "Condition": "conditions",
    "Modality": "conditions",
    "PromptVariant": "conditions",
    "load_conditions": "conditions",
    "select_conditions": "conditions",
    "Parsed": "parse",
    "parse_reply": "parse",
    "Prompt": "prompts",
    "build_prompt": "prompts",
    "PROVIDERS": "providers",
    "make_provider": "providers",
    "RunConfig": "runner",
    "RunSummary": "runner",
    "dry_run": "runner",
    "respondent_id": "runner",
    "run_eval": "runner",
    "run_batch": "batch",
    "StoreSink": "store_sink",
    "TeeSink": "store_sink",
}

__all__ = [
    "PROVIDERS",
    "AnswerSink",
    "Condition",
    "JsonlSink",
    "Modality",
    "Parsed",
    "Prompt",
    "PromptVariant",
    "ResponseCache",
    "RunConfig",
    "RunSummary",
    "StoreSink",
    "TeeSink",
    "build_prompt",
    "dry_run",
    "load_conditions",
    "make_provider",
    "parse_reply",
    "respondent_id",
    "run_batch",
    "run_eval",
    "select_conditions",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hhvalues.evals' has no attribute {name!r}")
    return getattr(importlib.import_module(f"hhvalues.evals.{module}"), name)


def __dir__() -> list[str]:
    return __all__
