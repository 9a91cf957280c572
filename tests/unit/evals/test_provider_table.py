"""The provider table: every provider builds, reads and replays through its one entry, and a
condition's free-form params can never replace a validated field of the request."""

from __future__ import annotations

from typing import Any

import pytest

from hhvalues.cli import main
from hhvalues.core.bank import load_bank
from hhvalues.errors import ConditionsError, ProviderError
from hhvalues.evals.conditions import RESERVED_PARAMS, Condition, parse_conditions
from hhvalues.evals.prompts import build_prompt
from hhvalues.evals.providers import PROVIDERS, batch_api, build_body, replay
from hhvalues.evals.providers.base import with_params
from tests.conftest import TINY_BANK

# One successful response document per wire format, and what a reader must take out of it.
DOCS: dict[str, dict[str, Any]] = {
    "anthropic": {
        "model": "claude-x-2025",
        "stop_reason": "end_turn",
        "content": [{"type": "text", "text": "A"}],
        "usage": {"input_tokens": 11, "output_tokens": 2},
    },
    "openai": {
        "model": "gpt-x-2025",
        "choices": [{"finish_reason": "stop", "message": {"content": "A", "refusal": None}}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 2},
    },
}
WIRE = {"anthropic": "anthropic", "openai": "openai", "openai-compatible": "openai"}


def _prompt(condition: Condition) -> Any:
    bank = load_bank(TINY_BANK)
    return build_prompt(bank, bank.items[1], condition, epoch=0)


def test_every_provider_has_a_wire_format_here() -> None:
    assert set(WIRE) == set(PROVIDERS)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_params_add_to_the_body_but_the_validated_temperature_stays(name: str) -> None:
    cond = Condition("t", temperature=0.3, max_tokens=77, params={"top_p": 0.5})
    body = build_body(name, _prompt(cond), cond, model="m")
    assert body["temperature"] == 0.3 and body["top_p"] == 0.5 and body["model"] == "m"
    assert 77 in (body.get("max_tokens"), body.get("max_completion_tokens"))


@pytest.mark.parametrize("key", sorted(RESERVED_PARAMS))
def test_params_may_not_name_a_validated_field(key: str) -> None:
    with pytest.raises(ConditionsError, match=f"params.{key}"):
        parse_conditions({"conditions": {"t0": {"temperature": 0.0, "params": {key: 1.0}}}})
    with pytest.raises(ConditionsError, match=key):
        Condition("t0", temperature=0.0, params={key: 1.0})


def test_a_body_key_is_never_replaced_by_params() -> None:
    cond = Condition("t", params={"top_p": 0.9})
    with pytest.raises(ValueError, match="top_p"):
        with_params({"model": "m", "top_p": 0.1}, cond)


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_cache_replay_reads_with_the_providers_own_reader(name: str) -> None:
    doc = DOCS[WIRE[name]]
    reply = replay(name, doc, {"model": "m"})
    assert (reply.text, reply.stop_reason, reply.model_id) == ("A", "end", doc["model"])
    assert (reply.input_tokens, reply.output_tokens, reply.sent) == (11, 2, {"model": "m"})


def test_replay_of_an_unknown_provider_names_the_known_ones() -> None:
    with pytest.raises(ProviderError, match=r"unknown provider 'nope'.*anthropic"):
        replay("nope", DOCS["openai"])


def test_batch_mode_only_where_the_table_has_a_batch_api() -> None:
    with pytest.raises(ProviderError, match=r"batch mode needs the anthropic or openai provider"):
        batch_api("openai-compatible", client=None)
    assert all(PROVIDERS[n].batch is not None for n in ("anthropic", "openai"))


def test_the_cli_offers_exactly_the_tables_providers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--help"]) == 0
    out = capsys.readouterr().out
    assert "[" + "|".join(PROVIDERS) + "]" in out
    assert (
        main(
            [
                "eval",
                "--bank",
                str(TINY_BANK),
                "--provider",
                "nope",
                "--model",
                "m",
                "--conditions",
                "x.toml",
            ]
        )
        == 2
    )
