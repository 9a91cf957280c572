"""The optional Inspect AI task against the local server (runs only with ``hhvalues[inspect]``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TINY_BANK
from provider_server import ProviderServer

inspect_ai = pytest.importorskip("inspect_ai")
# Inspect's own internals leave anyio streams for the GC; that is theirs, not a harness defect.
pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(autouse=True)
def _collect_inspect_garbage() -> Iterator[None]:
    """Collect Inspect's leftover streams inside this module, where their warnings are ignored,
    instead of letting them surface as unraisable warnings in whichever test runs next."""
    yield
    gc.collect()


def test_inspect_task_scores_with_our_core_and_imports_back(
    server: ProviderServer, tmp_path: Path
) -> None:
    from hhvalues.core.bank import load_bank
    from hhvalues.evals.conditions import load_conditions
    from hhvalues.evals.prompts import build_prompt
    from hhvalues.inspect_task import answers_from_inspect_log, hhvalues

    logs = inspect_ai.eval(
        hhvalues(bank=str(TINY_BANK), condition="baseline", epochs=2),
        model="openai/clean",
        model_base_url=server.url + "/v1",
        model_args={"responses_api": False},
        log_dir=str(tmp_path),
        display="none",
    )
    assert logs[0].status == "success" and server.count() == 6
    answers = answers_from_inspect_log(logs[0].location)
    assert len(answers) == 6 and {a.status.value for a in answers} == {"ok"}
    bank = load_bank(TINY_BANK)
    cond = {
        c.name: c
        for c in load_conditions(Path(__file__).parents[3] / "conditions" / "published-study.toml")
    }["baseline"]
    for a in answers:
        assert a.stimulus == build_prompt(bank, bank.item(a.item), cond, epoch=a.epoch).stimulus
